using Npgsql;

namespace Schoolbel.Tests.Infrastructure;

/// <summary>
/// The databases every data test runs on. PostgreSQL comes from SCHOOLBEL_TEST_POSTGRES
/// (a connection string to a server where we may create databases). Without it those cases
/// are skipped, unless SCHOOLBEL_REQUIRE_POSTGRES=1 (set by .ci/run), where they fail instead.
/// </summary>
public static class TestDatabases
{
    public const string Sqlite = "Sqlite";
    public const string Postgres = "Postgres";

    public static readonly TheoryData<string> All = new(Sqlite, Postgres);

    public static string? PostgresAdminConnectionString => Environment.GetEnvironmentVariable("SCHOOLBEL_TEST_POSTGRES");

    private static bool PostgresRequired => Environment.GetEnvironmentVariable("SCHOOLBEL_REQUIRE_POSTGRES") == "1";

    /// <summary>Call first in a test that takes a provider: skips (or fails on CI) when PostgreSQL is not there.</summary>
    public static void Require(string provider)
    {
        if (provider != Postgres || PostgresAdminConnectionString is not null)
        {
            return;
        }

        if (PostgresRequired)
        {
            Assert.Fail("SCHOOLBEL_REQUIRE_POSTGRES=1 but SCHOOLBEL_TEST_POSTGRES is not set.");
        }

        Assert.Skip("PostgreSQL is not configured on this machine (set SCHOOLBEL_TEST_POSTGRES).");
    }

    /// <summary>Creates an empty database for one app instance and returns its connection string.</summary>
    public static async Task<string> CreatePostgresDatabaseAsync(string name)
    {
        var admin = PostgresAdminConnectionString ?? throw new InvalidOperationException("No PostgreSQL configured.");
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync();
        await using (var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection))
        {
            await command.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
    }

    public static async Task DropPostgresDatabaseAsync(string name)
    {
        var admin = PostgresAdminConnectionString;
        if (admin is null)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
