using Microsoft.Playwright;

namespace Schoolbel.BrowserTests;

public sealed class SignInJourneyTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    [Fact]
    public async Task Demo_pupil_signs_in_and_sees_the_today_page()
    {
        BrowserApp.Require();
        var page = await app.NewPageAsync();

        await page.GotoAsync("/demo/");
        Assert.EndsWith("/demo/signin?ReturnUrl=%2Fdemo%2F", page.Url, StringComparison.Ordinal);
        await page.FillAsync("#username", "leerling");
        await page.FillAsync("#password", "Welkom-op-Schoolbel-1");
        await page.ClickAsync("button[type=submit]");

        await page.WaitForURLAsync("**/demo/");
        var heading = await page.TextContentAsync("h1");
        Assert.Equal("Dag Lotte", heading?.Trim());
        Assert.True(await page.GetByRole(AriaRole.Link, new() { Name = "Wiskunde 3B", Exact = true }).IsVisibleAsync());
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = BrowserApp.ScreenshotPath("pupil-today"), FullPage = true });

        await page.GetByRole(AriaRole.Link, new() { Name = "Wiskunde 3B", Exact = true }).ClickAsync();
        await page.WaitForURLAsync("**/demo/courses/**");
        Assert.Equal("Wiskunde 3B", (await page.TextContentAsync("h1"))?.Trim());
    }

    [Fact]
    public async Task Wrong_password_shows_a_message_and_a_phone_sized_page_still_works()
    {
        BrowserApp.Require();
        var page = await app.NewPageAsync();
        await page.SetViewportSizeAsync(375, 740);

        await page.GotoAsync("/demo/signin");
        await page.FillAsync("#username", "leerling");
        await page.FillAsync("#password", "niet-juist");
        await page.ClickAsync("button[type=submit]");

        var alert = page.Locator("[role=alert]");
        Assert.Contains("klopt niet", await alert.TextContentAsync() ?? "", StringComparison.Ordinal);
        var width = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(width <= 375, $"The sign-in page scrolls sideways on a phone ({width}px).");
    }
}
