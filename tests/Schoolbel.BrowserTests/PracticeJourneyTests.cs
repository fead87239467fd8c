using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Schoolbel.BrowserTests;

/// <summary>A demo pupil practises "Tafels van 7": question, answer, feedback, next — a short session in a real browser.</summary>
public sealed partial class PracticeJourneyTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    [Fact]
    public async Task Demo_pupil_does_a_short_practice_session()
    {
        BrowserApp.Require();
        var page = await app.NewPageAsync();
        await page.GotoAsync("/demo/signin");
        await page.FillAsync("#username", "leerling2");
        await page.FillAsync("#password", "Welkom-op-Schoolbel-1");
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync("**/demo/");

        await page.GetByRole(AriaRole.Link, new() { Name = "Wiskunde 3B", Exact = true }).ClickAsync();
        await page.WaitForURLAsync("**/demo/courses/**");
        await page.ClickAsync("a:has-text('Oefeningen')");
        await page.WaitForURLAsync("**/exercises");
        await page.ClickAsync("text=Tafels van 7");
        await page.WaitForURLAsync("**/practice?set=**");

        for (var round = 0; round < 4; round++)
        {
            var prompt = (await page.TextContentAsync(".prompt"))?.Trim() ?? "";
            // The answer key is not in the page the browser got.
            Assert.DoesNotContain("\"correct\"", await page.ContentAsync(), StringComparison.OrdinalIgnoreCase);
            if (await page.Locator("#answer").CountAsync() > 0)
            {
                var n = int.Parse(Times().Match(prompt).Groups[1].Value, CultureInfo.InvariantCulture);
                await page.FillAsync("#answer", (n * 7).ToString(CultureInfo.InvariantCulture));
            }
            else if (prompt.Contains("6 × 7", StringComparison.Ordinal))
            {
                await page.CheckAsync("label:has-text('42') input");
            }
            else if (await page.Locator("input[value=true]").CountAsync() > 0)
            {
                await page.CheckAsync("input[value=true]");
            }
            else if (await page.Locator("input.blank").CountAsync() > 0)
            {
                await page.Locator("input.blank").Nth(0).FillAsync("7");
                await page.Locator("input.blank").Nth(1).FillAsync("10");
            }
            else
            {
                foreach (var (left, right) in new[] { ("3 × 7", "21"), ("8 × 7", "56"), ("9 × 7", "63") })
                {
                    await page.Locator($"label:has-text('{left}') select").SelectOptionAsync(new SelectOptionValue { Label = right });
                }
            }

            await page.ClickAsync("button:has-text('Controleer')");
            var feedback = page.Locator("#feedback");
            Assert.Contains("Juist!", await feedback.TextContentAsync() ?? "", StringComparison.Ordinal);
            Assert.True(await page.Locator("#feedback progress").IsVisibleAsync());
            if (round == 3)
            {
                await page.ScreenshotAsync(new PageScreenshotOptions { Path = BrowserApp.ScreenshotPath("pupil-practice"), FullPage = true });
            }

            await page.ClickAsync("#next");
            await page.WaitForSelectorAsync("#question");
        }

        // Back on the overview, the set shows stars and the skill shows mastery.
        await page.ClickAsync("text=← Oefeningen");
        await page.WaitForURLAsync("**/exercises");
        Assert.Contains("tafels van 7", await page.TextContentAsync("ul.mastery") ?? "", StringComparison.Ordinal);
    }

    [GeneratedRegex(@"(\d+) × 7")]
    private static partial Regex Times();
}
