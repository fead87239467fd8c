using Microsoft.Playwright;

namespace Schoolbel.BrowserTests;

public sealed class MessagesJourneyTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    private static async Task<IPage> SignInAsync(BrowserApp app, string username)
    {
        var page = await app.NewPageAsync();
        await page.GotoAsync("/demo/signin");
        await page.FillAsync("#username", username);
        await page.FillAsync("#password", "Welkom-op-Schoolbel-1");
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync("**/demo/");
        return page;
    }

    [Fact]
    public async Task A_teacher_sends_a_message_and_the_pupil_reads_it()
    {
        BrowserApp.Require();

        // The test may run at night: the school admin turns the quiet hours off first, on the settings page.
        var admin = await SignInAsync(app, "directie");
        await admin.GotoAsync("/demo/admin/messaging");
        await admin.UncheckAsync("input[name=quietHours]");
        await admin.ClickAsync("main button[type=submit]");
        await admin.WaitForURLAsync("**/admin/messaging?saved=*");

        var teacher = await SignInAsync(app, "leerkracht");
        await teacher.ClickAsync("#nav-messages");
        await teacher.WaitForURLAsync("**/demo/messages");
        await teacher.ClickAsync("text=Nieuw bericht");
        await teacher.WaitForURLAsync("**/demo/messages/new");
        await teacher.SelectOptionAsync("#personIds", new SelectOptionValue { Label = "Lotte Peeters" });
        await teacher.FillAsync("#subject", "Vergeet je turnzak niet");
        await teacher.FillAsync("#body", "Morgen is er **turnen** in de grote zaal.\n\n<script>alert('xss')</script>");
        await teacher.ClickAsync("#compose button[type=submit]");
        await teacher.WaitForURLAsync("**/demo/messages/*?sent=true");
        Assert.Contains("Verstuurd", await teacher.TextContentAsync("[role=status]") ?? "", StringComparison.Ordinal);

        var pupil = await SignInAsync(app, "leerling");
        // The demo's own message and this one: two unread in the navigation.
        Assert.Equal("2", (await pupil.TextContentAsync("#nav-messages .badge"))?.Trim());
        await pupil.ClickAsync("#nav-messages");
        await pupil.WaitForURLAsync("**/demo/messages");
        await pupil.ClickAsync("text=Vergeet je turnzak niet");
        await pupil.WaitForURLAsync("**/demo/messages/*");
        Assert.Equal("Vergeet je turnzak niet", (await pupil.TextContentAsync("h1"))?.Trim());
        Assert.Equal("turnen", (await pupil.TextContentAsync(".message-body strong"))?.Trim());
        // The script tag is shown as text, not run.
        Assert.Contains("<script>", await pupil.TextContentAsync(".message-body") ?? "", StringComparison.Ordinal);
        Assert.Equal(0, await pupil.Locator(".message-body script").CountAsync());
        Assert.Equal("1", (await pupil.TextContentAsync("#nav-messages .badge"))?.Trim());
        await pupil.ScreenshotAsync(new PageScreenshotOptions { Path = BrowserApp.ScreenshotPath("pupil-reads-message"), FullPage = true });

        // And the announcement of the demo school is on the today page.
        await pupil.GotoAsync("/demo/");
        Assert.True(await pupil.Locator("text=Sportdag op donderdag").IsVisibleAsync());
    }
}
