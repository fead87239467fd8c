using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Playwright;

namespace Schoolbel.BrowserTests;

/// <summary>
/// A real Schoolbel on a loopback port (Kestrel, fresh SQLite, demo school) and Debian's
/// chromium driven by Playwright. Shared by the browser tests of one run.
/// </summary>
public sealed class BrowserApp : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";
    private readonly string _folder = Directory.CreateTempSubdirectory("schoolbel-browser-").FullName;
    private IPlaywright? _playwright;

    public BrowserApp() => UseKestrel(0);

    public IBrowser Browser { get; private set; } = null!;

    public string BaseUrl { get; private set; } = "";

    public static bool Available => File.Exists(ChromiumPath);

    /// <summary>Skips without chromium, except on CI (SCHOOLBEL_REQUIRE_BROWSER=1), where that is a failure.</summary>
    public static void Require()
    {
        if (Available)
        {
            return;
        }

        if (Environment.GetEnvironmentVariable("SCHOOLBEL_REQUIRE_BROWSER") == "1")
        {
            Assert.Fail($"SCHOOLBEL_REQUIRE_BROWSER=1 but {ChromiumPath} is missing (apt-get install chromium).");
        }

        Assert.Skip($"{ChromiumPath} is not installed.");
    }

    public async ValueTask InitializeAsync()
    {
        if (!Available)
        {
            return;
        }

        StartServer();
        BaseUrl = ClientOptions.BaseAddress.ToString().TrimEnd('/');
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // Flags for a closed network and running as root in CI.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"],
        });
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Database:Provider", "Sqlite");
        builder.UseSetting("Database:ConnectionString", $"Data Source={Path.Combine(_folder, "schoolbel.db")}");
        builder.UseSetting("Demo:SeedWhenEmpty", "true");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
    }

    /// <summary>A fresh browser context (own cookies), as a new pupil's browser would be.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = BaseUrl, Locale = "nl-BE" });
        // Generous: CI shares 2 cores between the server, chromium and the test runner.
        context.SetDefaultTimeout(60_000);
        context.SetDefaultNavigationTimeout(60_000);
        return await context.NewPageAsync();
    }

    public static string ScreenshotPath(string name)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, name + ".png");
    }

    public override async ValueTask DisposeAsync()
    {
        if (_playwright is not null)
        {
            await Browser.CloseAsync();
            _playwright.Dispose();
        }

        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
