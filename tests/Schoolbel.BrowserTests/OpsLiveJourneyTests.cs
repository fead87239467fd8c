using Microsoft.Playwright;

namespace Schoolbel.BrowserTests;

public sealed class OpsLiveJourneyTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    [Fact]
    public async Task Operator_watches_the_request_rate_live()
    {
        BrowserApp.Require();
        var page = await app.NewPageAsync();
        var problems = new List<string>();
        page.Console += (_, m) =>
        {
            // (The browser's own favicon request is not this page's business.)
            if (m.Type == "error" && !m.Location.Contains("favicon", StringComparison.Ordinal))
            {
                problems.Add(m.Text + " " + m.Location); // a CSP violation shows up here
            }
        };
        page.PageError += (_, e) => problems.Add(e);

        await page.GotoAsync("/ops/signin");
        await page.FillAsync("#username", "operator");
        await page.FillAsync("#password", "Welkom-op-Schoolbel-1");
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync("**/ops");
        await page.ClickAsync("a[href='/ops/live']");
        await page.WaitForURLAsync("**/ops/live");

        // Traffic from elsewhere for as long as the page polls: the live figures cover the last
        // seconds only, so a single burst can age out of them before a slow (shared) machine
        // renders the next poll.
        using var client = new HttpClient { BaseAddress = new Uri(app.BaseUrl) };
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var traffic = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await client.GetAsync("/welcome", stop.Token);
                    await Task.Delay(100, stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });

        try
        {
            // A figure with a non-zero digit: "0,42", "7" or, on a slow machine, "1.204,5" (Dutch
            // thousands separator), which Number() would not read.
            await page.WaitForFunctionAsync(
                "() => document.querySelectorAll('svg[data-chart=rate] polyline, svg[data-chart=rate] circle').length > 0"
                + " && /[1-9]/.test(document.querySelector('[data-live=p50]').textContent)");
        }
        catch (TimeoutException e)
        {
            var shown = await page.TextContentAsync("[data-live=p50]");
            var status = await page.Locator("[data-live=status]").AllTextContentsAsync();
            throw new InvalidOperationException(
                $"The live page never showed traffic: p50 '{shown}', status '{string.Join(" ", status)}', console: {string.Join(" | ", problems)}", e);
        }

        await stop.CancelAsync();
        await traffic;
        Assert.NotEqual("–", (await page.TextContentAsync("[data-live=requestRate]"))?.Trim());
        Assert.Equal(3, await page.Locator("[data-legend=latency] svg").CountAsync());
        Assert.Empty(await page.TextContentAsync("[data-live=status]") ?? "");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = BrowserApp.ScreenshotPath("ops-live"), FullPage = true });
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}
