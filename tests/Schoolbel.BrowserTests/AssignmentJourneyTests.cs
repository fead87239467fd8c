using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Schoolbel.BrowserTests;

public sealed partial class AssignmentJourneyTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    [Fact]
    public async Task Teacher_creates_pupil_submits_teacher_grades_pupil_sees_the_result()
    {
        BrowserApp.Require();
        var title = "Verslag proefje " + Guid.NewGuid().ToString("N")[..6];

        // The teacher creates a graded assignment from the course.
        var teacher = await SignInAsync("leerkracht");
        await teacher.GetByRole(AriaRole.Link, new() { Name = "Wiskunde 3B", Exact = true }).ClickAsync();
        await teacher.WaitForURLAsync("**/demo/courses/**");
        await teacher.ClickAsync(".course-links >> text=Opdrachten");
        await teacher.WaitForURLAsync("**/assignments");
        await teacher.FillAsync("#title", title);
        await teacher.FillAsync("#instructions", "Beschrijf het proefje in **vijf** zinnen.");
        await teacher.CheckAsync("#graded");
        await teacher.FillAsync("#maxScore", "10");
        await teacher.ClickAsync("#create");
        await teacher.WaitForURLAsync(AssignmentUrl());
        var assignmentUrl = teacher.Url;
        Assert.Contains(title, await teacher.TextContentAsync("h1") ?? "", StringComparison.Ordinal);

        // The pupil finds it on the today page and hands in text and a file.
        var pupil = await SignInAsync("leerling");
        await pupil.ClickAsync($"text={title}");
        await pupil.WaitForURLAsync(AssignmentUrl());
        await pupil.FillAsync("#submit-text", "Het water kookte na vier minuten.");
        var bytes = new byte[20_000];
        System.Security.Cryptography.RandomNumberGenerator.Fill(bytes);
        "%PDF-1.7\n"u8.CopyTo(bytes);
        await pupil.SetInputFilesAsync("#submit-files", new FilePayload { Name = "proefje.pdf", MimeType = "application/pdf", Buffer = bytes });
        await pupil.ClickAsync("#submit-button");
        await pupil.WaitForURLAsync("**/submissions/**");
        var receipt = await pupil.TextContentAsync("#receipt") ?? "";
        Assert.Contains("goed ontvangen", receipt, StringComparison.Ordinal);
        Assert.Contains(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), receipt, StringComparison.Ordinal);
        await pupil.ScreenshotAsync(new PageScreenshotOptions { Path = BrowserApp.ScreenshotPath("pupil-receipt"), FullPage = true });

        // The teacher sees the hand-in, opens it and releases feedback and a score.
        await teacher.GotoAsync(assignmentUrl);
        var row = teacher.Locator("#pupils tr", new PageLocatorOptions { HasText = "Peeters" });
        Assert.Contains("Ingediend", await row.TextContentAsync() ?? "", StringComparison.Ordinal);
        await row.Locator("text=Openen").ClickAsync();
        await teacher.WaitForURLAsync("**/pupils/**");
        Assert.Contains("Het water kookte", await teacher.ContentAsync(), StringComparison.Ordinal);
        await teacher.FillAsync("#feedback", "Goed waargenomen!");
        await teacher.FillAsync("#score", "8,5");
        await teacher.ClickAsync("#release");
        await teacher.WaitForURLAsync(AssignmentUrl());

        // The pupil sees the feedback and the score, and it is in the gradebook.
        await pupil.GotoAsync(assignmentUrl);
        Assert.Contains("Goed waargenomen!", await pupil.TextContentAsync("#feedback") ?? "", StringComparison.Ordinal);
        Assert.Contains("8.5 / 10", (await pupil.TextContentAsync("#score") ?? "").Replace(',', '.'), StringComparison.Ordinal);
        await pupil.ScreenshotAsync(new PageScreenshotOptions { Path = BrowserApp.ScreenshotPath("pupil-feedback"), FullPage = true });
        await pupil.ClickAsync("header >> text=Punten");
        await pupil.WaitForURLAsync("**/demo/grades");
        Assert.Contains(title, await pupil.ContentAsync(), StringComparison.Ordinal);
    }

    private static Regex AssignmentUrl() => AssignmentPattern();

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

    [GeneratedRegex("/demo/courses/[0-9a-f-]+/assignments/[0-9a-f-]+$")]
    private static partial Regex AssignmentPattern();
}
