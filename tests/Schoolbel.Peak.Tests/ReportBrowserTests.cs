using Microsoft.Playwright;

namespace Schoolbel.Peak.Tests;

/// <summary>The HTML report opens in Debian's chromium, offline, and shows its charts.</summary>
public sealed class ReportBrowserTests
{
    private const string ChromiumPath = "/usr/bin/chromium";

    [Fact]
    public async Task The_html_report_opens_in_chromium_with_its_charts()
    {
        RequireChromium();
        await using var server = await TinySchoolServer.StartAsync(new TinySchoolBehaviour { Lessons = true, StallEveryNthCourse = 9, Stall = TimeSpan.FromMilliseconds(400) });
        var folder = Directory.CreateTempSubdirectory("peak-browser-").FullName;
        try
        {
            var exit = await PeakCommand.RunAsync(
                ["run", "--target", server.BaseUri.ToString(), "--schools", "1", "--pupils-per-school", "22", "--profile", "first-day",
                 "--ramp", "3s", "--rate", "0.5", "--duration", "6s", "--think-time", "0", "--warmup-sessions", "4", "--out", folder, "--quiet"],
                TimeProvider.System, TextWriter.Null, TextWriter.Null, TestContext.Current.CancellationToken);
            Assert.Equal(0, exit);

            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
            });
            var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1100, Height = 900 } });
            var requests = new List<string>();
            page.Request += (_, request) => requests.Add(request.Url);

            await page.GotoAsync(new Uri(Path.Combine(folder, "report.html")).AbsoluteUri);

            Assert.Equal("The 08:30 morning: what pupils experienced", (await page.TextContentAsync("h1"))?.Trim());
            var charts = page.Locator("svg.chart");
            Assert.True(await charts.CountAsync() >= 4);
            var box = await charts.First.BoundingBoxAsync();
            Assert.True(box is { Width: > 500, Height: > 100 }, "The first chart is drawn at a readable size.");
            Assert.True(await page.Locator("svg.chart polyline").CountAsync() >= 8, "Every chart has its lines.");
            Assert.All(requests, url => Assert.StartsWith("file://", url, StringComparison.Ordinal));

            var screenshot = Path.Combine(AppContext.BaseDirectory, "screenshots", "peak-report.png");
            Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
            Assert.True(new FileInfo(screenshot).Length > 10_000);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task The_overload_report_opens_in_chromium_with_its_verdict_and_charts()
    {
        RequireChromium();
        await using var server = await TinySchoolServer.StartAsync(new TinySchoolBehaviour
        {
            AdmissionLimitPerSchool = 1,
            PageDelays = new Dictionary<string, TimeSpan> { [TinySchoolServer.School] = TimeSpan.FromMilliseconds(40) },
        });
        var folder = Directory.CreateTempSubdirectory("peak-overload-browser-").FullName;
        try
        {
            var exit = await PeakCommand.RunAsync(
                ["overload", "--target", server.BaseUri.ToString(), "--schools", "1", "--pupils-per-school", "22", "--capacity", "4", "--factors", "1,2,5",
                 "--duration", "2s", "--phase-warmup", "500ms", "--cooldown", "0", "--think-time", "0", "--warmup-sessions", "4", "--out", folder, "--quiet"],
                TimeProvider.System, TextWriter.Null, TextWriter.Null, TestContext.Current.CancellationToken);
            Assert.Equal(0, exit);

            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
            });
            var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1100, Height = 900 } });
            var requests = new List<string>();
            page.Request += (_, request) => requests.Add(request.Url);

            await page.GotoAsync(new Uri(Path.Combine(folder, "overload.html")).AbsoluteUri);

            Assert.Equal("Overload: 1x, 2x, 5x measured capacity", (await page.TextContentAsync("h1"))?.Trim());
            Assert.Equal(3, await page.Locator("ul.criteria li").CountAsync());
            Assert.Matches("^Benchmark (met|not met)$", (await page.TextContentAsync("p.verdict"))?.Trim());
            Assert.Equal(3, await page.Locator("svg.chart").CountAsync());
            Assert.Equal(9, await page.Locator("table tbody tr").CountAsync());
            Assert.All(requests, url => Assert.StartsWith("file://", url, StringComparison.Ordinal));

            var screenshot = Path.Combine(AppContext.BaseDirectory, "screenshots", "overload-report.png");
            Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
            Assert.True(new FileInfo(screenshot).Length > 10_000);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Skips without chromium, except on CI (SCHOOLBEL_REQUIRE_BROWSER=1), where that is a failure.</summary>
    private static void RequireChromium()
    {
        if (File.Exists(ChromiumPath))
        {
            return;
        }

        if (Environment.GetEnvironmentVariable("SCHOOLBEL_REQUIRE_BROWSER") == "1")
        {
            Assert.Fail($"SCHOOLBEL_REQUIRE_BROWSER=1 but {ChromiumPath} is missing (apt-get install chromium).");
        }

        Assert.Skip($"{ChromiumPath} is not installed.");
    }
}
