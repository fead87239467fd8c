using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Options;
using Schoolbel.Server.Schools;

namespace Schoolbel.Server.Data;

internal static class DataServiceCollectionExtensions
{
    /// <summary>
    /// The context options are built once, not for every request's context (EF Core's default):
    /// they depend only on configuration, and building them again costs each request a new
    /// options object and EF's lookup of its internal services by those options (in a CPU profile
    /// of password sign-ins on PostgreSQL, <c>DbContext.Set()</c>, where that happens, had 3% of
    /// the server's samples, the hash half of them).
    /// </summary>
    private const ServiceLifetime OptionsOnce = ServiceLifetime.Singleton;

    public static IServiceCollection AddSchoolbelData(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DatabaseOptions>()
            .Bind(configuration.GetSection(DatabaseOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddScoped<SchoolScope>();

        // The provider decides which subclass (and so which migrations) is used.
        var options = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        switch (options.Provider)
        {
            case DatabaseProvider.Postgres:
                services.AddDbContext<SchoolbelDb, PostgresSchoolbelDb>(
                    (sp, o) =>
                        // No retrying execution strategy: several writes run in explicit transactions,
                        // and a failed request should fail cleanly rather than be replayed half-way.
                        QuietFailures(o.UseNpgsql(sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString)),
                    optionsLifetime: OptionsOnce);
                break;
            default:
                services.AddDbContext<SchoolbelDb, SqliteSchoolbelDb>(
                    (sp, o) => QuietFailures(o.UseSqlite(sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString)),
                    optionsLifetime: OptionsOnce);
                break;
        }

        services.AddTransient<DatabaseStartup>();
        return services;
    }

    /// <summary>
    /// EF Core logs every failed connection, command, query and save as an error with its stack
    /// trace, and then throws. Whoever catches it logs it already: the exception handler (one
    /// warning a second while the database is away, an error with the stack for a real bug) and
    /// each background loop. Without this, a database restart under load writes four stack traces
    /// per request. They stay available at Debug.
    /// </summary>
    private static DbContextOptionsBuilder QuietFailures(DbContextOptionsBuilder options) =>
        options.ConfigureWarnings(w => w.Log(
            (RelationalEventId.ConnectionError, LogLevel.Debug),
            (RelationalEventId.CommandError, LogLevel.Debug),
            (CoreEventId.QueryIterationFailed, LogLevel.Debug),
            (CoreEventId.SaveChangesFailed, LogLevel.Debug)));
}

/// <summary>Creates the data folder, switches SQLite to WAL and applies migrations.</summary>
internal sealed partial class DatabaseStartup(SchoolbelDb db, IOptions<DatabaseOptions> options, ILogger<DatabaseStartup> logger)
{
    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (settings.Provider == DatabaseProvider.Sqlite)
        {
            var file = new SqliteConnectionStringBuilder(settings.ConnectionString).DataSource;
            var folder = Path.GetDirectoryName(Path.GetFullPath(file));
            if (!string.IsNullOrEmpty(folder))
            {
                Directory.CreateDirectory(folder);
            }
        }

        if (settings.MigrateOnStartup)
        {
            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
            if (pending.Count > 0)
            {
                LogMigrating(logger, pending.Count, settings.Provider);
                await db.Database.MigrateAsync(cancellationToken);
            }
        }

        if (settings.Provider == DatabaseProvider.Sqlite)
        {
            // WAL lets readers run while one writer writes; it is a property of the file, so once is enough.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applying {Count} migration(s) on {Provider}")]
    private static partial void LogMigrating(ILogger logger, int count, DatabaseProvider provider);
}

/// <summary>Lets <c>dotnet ef</c> build the SQLite model without starting the app.</summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteSchoolbelDb>
{
    public SqliteSchoolbelDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteSchoolbelDb>().UseSqlite("Data Source=design-time.db").Options, new SchoolScope());
}

/// <summary>Lets <c>dotnet ef</c> build the PostgreSQL model without a server.</summary>
internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresSchoolbelDb>
{
    public PostgresSchoolbelDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresSchoolbelDb>().UseNpgsql("Host=localhost;Database=schoolbel_design").Options, new SchoolScope());
}
