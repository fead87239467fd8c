using Microsoft.Playwright;

namespace Schoolbel.BrowserTests;

public sealed class DocumentsJourneyTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    [Fact]
    public async Task Teacher_uploads_with_a_progress_bar_and_the_pupil_opens_the_document()
    {
        BrowserApp.Require();
        var teacher = await SignInAsync("leerkracht");
        await teacher.GetByRole(AriaRole.Link, new() { Name = "Wiskunde 3B", Exact = true }).ClickAsync();
        await teacher.WaitForURLAsync("**/demo/courses/**");
        var courseUrl = teacher.Url;

        // A few MB, so that the upload takes more than one progress event.
        var bytes = new byte[8 * 1024 * 1024];
        System.Security.Cryptography.RandomNumberGenerator.Fill(bytes);
        "%PDF-1.7\n"u8.CopyTo(bytes);
        await teacher.SetInputFilesAsync("#upload-file", new FilePayload { Name = "Hoofdstuk 4 breuken.pdf", MimeType = "application/pdf", Buffer = bytes });
        var messages = new List<string>();
        teacher.Console += (_, m) => messages.Add(m.Text);
        teacher.PageError += (_, e) => messages.Add(e);
        await teacher.ClickAsync("#upload-button");

        Assert.True(await teacher.Locator("#upload-progress").IsVisibleAsync() || await teacher.Locator("#upload-status.ok").CountAsync() > 0,
            teacher.Url + " " + string.Join("; ", messages) + await teacher.ContentAsync());
        // The page reloads 600 ms after a finished upload, so the finished state is checked in one
        // evaluation inside the page (polled every animation frame), not in several round trips.
        var finished = await teacher.WaitForFunctionAsync(
            "() => { const s = document.querySelector('#upload-status'); const p = document.querySelector('#upload-progress');"
            + " return s !== null && s.className === 'ok' && p !== null && !p.hidden ? p.value : null; }");
        Assert.Equal(100, await finished.JsonValueAsync<int>());
        var link = teacher.Locator("a.doc", new PageLocatorOptions { HasText = "Hoofdstuk 4 breuken" });
        await link.WaitForAsync();
        await teacher.ScreenshotAsync(new PageScreenshotOptions { Path = BrowserApp.ScreenshotPath("teacher-upload-done"), FullPage = true });

        var pupil = await SignInAsync("leerling");
        await pupil.GotoAsync(courseUrl);
        var pupilLink = pupil.Locator("a.doc", new PageLocatorOptions { HasText = "Hoofdstuk 4 breuken" });
        Assert.True(await pupilLink.IsVisibleAsync());
        await pupil.ScreenshotAsync(new PageScreenshotOptions { Path = BrowserApp.ScreenshotPath("pupil-course-content"), FullPage = true });
        var href = await pupilLink.GetAttributeAsync("href");
        Assert.NotNull(href);

        // Open it with the pupil's session: the bytes, as a PDF the browser shows inline.
        var response = await pupil.Context.APIRequest.GetAsync(app.BaseUrl + href);
        Assert.Equal(200, response.Status);
        Assert.Equal("application/pdf", response.Headers["content-type"]);
        Assert.StartsWith("inline", response.Headers["content-disposition"], StringComparison.Ordinal);
        Assert.Equal(bytes, await response.BodyAsync());
    }

    private async Task<IPage> SignInAsync(string username)
    {
        var page = await app.NewPageAsync();
        await page.GotoAsync("/demo/signin");
        await page.FillAsync("#username", username);
        await page.FillAsync("#password", "Welkom-op-Schoolbel-1");
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync("**/demo/");
        return page;
    }
}
