using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace Schoolbel.Tests.Infrastructure;

/// <summary>
/// One Schoolbel server in memory, on its own empty database (a SQLite file or a fresh
/// PostgreSQL database), started exactly as `dotnet run` starts it.
/// </summary>
public sealed class SchoolbelApp : WebApplicationFactory<Program>
{
    private readonly string _databaseName = "schoolbel_test_" + Guid.NewGuid().ToString("N")[..12];
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "schoolbel-tests", Guid.NewGuid().ToString("N"));
    private string _connectionString = "";

    private readonly IReadOnlyDictionary<string, string> _settings;
    private bool _ownsDatabase = true;

    private SchoolbelApp(string provider, FakeTimeProvider? time, bool demo, IReadOnlyDictionary<string, string>? settings)
    {
        Provider = provider;
        Time = time;
        Demo = demo;
        _settings = settings ?? new Dictionary<string, string>();
    }

    public string Provider { get; }

    /// <summary>Set when the app runs on fake time; null on the system clock.</summary>
    public FakeTimeProvider? Time { get; }

    private bool Demo { get; }

    public string ConnectionString => _connectionString;

    /// <summary>A second server on the same database as <paramref name="other"/>, e.g. after a restart or on another node.</summary>
    public static SchoolbelApp StartOnSameDatabase(SchoolbelApp other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var app = new SchoolbelApp(other.Provider, other.Time, demo: false, other._settings) { _ownsDatabase = false };
        app._connectionString = other._connectionString;
        _ = app.Server;
        return app;
    }

    public static async Task<SchoolbelApp> StartAsync(string provider, FakeTimeProvider? time = null, bool demo = false, IReadOnlyDictionary<string, string>? settings = null)
    {
        var app = new SchoolbelApp(provider, time, demo, settings);
        Directory.CreateDirectory(app._folder);
        app._connectionString = provider == TestDatabases.Postgres
            ? await TestDatabases.CreatePostgresDatabaseAsync(app._databaseName)
            : $"Data Source={Path.Combine(app._folder, "schoolbel.db")}";
        _ = app.Server; // start now, so migrations run before the first test uses it
        return app;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Database:Provider", Provider);
        builder.UseSetting("Database:ConnectionString", _connectionString);
        builder.UseSetting("Demo:SeedWhenEmpty", Demo ? "true" : "false");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("Logging:LogLevel:Microsoft.EntityFrameworkCore", "Warning");
        builder.UseSetting("Logging:LogLevel:Microsoft.Hosting.Lifetime", "Warning");

        // Feature tests are not capacity tests: a concurrency limit far above any test's own
        // parallel requests, so a slow first (JIT) request on a busy test machine cannot shed
        // them. The admission tests set their own limits.
        builder.UseSetting("Admission:InitialLimit", "500");
        builder.UseSetting("Admission:MinLimit", "500");

        // Likewise a test that walks every endpoint as one user sends far more than a person
        // clicks; the per-user budget is tested by AbuseBudgetTests with its own settings.
        builder.UseSetting("Admission:UserRequestsPerSecond", "100000");
        builder.UseSetting("Admission:UserBurst", "1000000");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (Time is not null)
        {
            builder.ConfigureTestServices(services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Time)));
        }
    }

    public HttpClient CreateBrowserlikeClient() =>
        CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (!_ownsDatabase)
        {
            return;
        }

        if (Provider == TestDatabases.Postgres)
        {
            await TestDatabases.DropPostgresDatabaseAsync(_databaseName);
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by the OS is left for the temp cleaner; not worth failing a test.
        }
    }
}

/// <summary>
/// One app per database, shared by the whole test run. Tests stay independent because each
/// creates its own school(s) with unique codes, and the platform keeps schools apart.
/// </summary>
public sealed class SharedApps : IAsyncDisposable
{
    private readonly Dictionary<string, Task<SchoolbelApp>> _apps = [];
    private readonly Lock _lock = new();

    public Task<SchoolbelApp> GetAsync(string provider)
    {
        TestDatabases.Require(provider);
        lock (_lock)
        {
            if (!_apps.TryGetValue(provider, out var app))
            {
                _apps[provider] = app = SchoolbelApp.StartAsync(provider);
            }

            return app;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _apps.Values)
        {
            await (await app).DisposeAsync();
        }
    }
}
