using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Data.Sqlite;
using Npgsql;
using Schoolbel.Server.Ops;
using Schoolbel.Server.Web;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests.Faults;

/// <summary>
/// The database goes away under a running node: requests get 503 with Retry-After (a page for
/// browsers, problem+json for the API), never 500, and the node serves again once it is back.
/// </summary>
public sealed class DatabaseOutageTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task PostgreSQL_going_away_gives_503_with_retry_after_and_the_node_recovers_by_itself()
    {
        TestDatabases.Require(TestDatabases.Postgres);
        var admin = new NpgsqlConnectionStringBuilder(TestDatabases.PostgresAdminConnectionString);
        var database = "schoolbel_outage_" + Guid.NewGuid().ToString("N")[..12];
        var direct = await TestDatabases.CreatePostgresDatabaseAsync(database);
        await using var proxy = TcpProxy.Start(admin.Host!, admin.Port);
        var viaProxy = new NpgsqlConnectionStringBuilder(direct) { Host = "127.0.0.1", Port = proxy.Port, Timeout = 3 }.ConnectionString;
        try
        {
            await using var app = await SchoolbelApp.StartAsync(TestDatabases.Postgres, settings: new Dictionary<string, string>
            {
                ["Database:ConnectionString"] = viaProxy,
                ["Node:Name"] = "outage-node",
            });
            var school = await TestSchool.CreateAsync(app);
            using var api = await school.ApiClientAsync();
            using var pupil = await school.SignInAsync(school.Pupil);
            // A page that reads the database on every visit: the today page may now come from the hot
            // cache alone (which is the point of it), so it could still answer 200 without PostgreSQL.
            var today = new Uri($"/{school.Code}/account/sessions", UriKind.Relative);
            var courses = new Uri("/api/v1/courses", UriKind.Relative);
            Assert.Equal(HttpStatusCode.OK, (await GetPageAsync(pupil, today)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await api.GetAsync(courses)).StatusCode);

            // Every session of the database is ended by the server (57P01), as when PostgreSQL
            // restarts: the next requests on those pooled connections fail, and must not be a 500.
            await TerminateSessionsAsync(database);
            var statuses = new List<HttpStatusCode>();
            for (var i = 0; i < 4; i++)
            {
                statuses.Add((await api.GetAsync(courses)).StatusCode);
                statuses.Add((await GetPageAsync(pupil, today)).StatusCode);
            }

            Assert.All(statuses, s => Assert.True(s is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, s.ToString()));

            // Now the database cannot be reached at all.
            await proxy.CutAsync();

            using (var page = await GetPageAsync(pupil, today))
            {
                var html = await page.Content.ReadAsStringAsync();
                Assert.True(page.StatusCode == HttpStatusCode.ServiceUnavailable, $"{page.StatusCode}: {html}");
                AssertRetryAfter(page);
                Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
                Assert.Contains("Schoolbel is even niet bereikbaar", html, StringComparison.Ordinal);
                Assert.Contains("http-equiv=\"refresh\"", html, StringComparison.Ordinal);
            }

            using (var response = await api.GetAsync(courses))
            {
                var body = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{response.StatusCode}: {body}");
                AssertRetryAfter(response);
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                var problem = JsonDocument.Parse(body).RootElement;
                Assert.Equal(503, problem.GetProperty("status").GetInt32());
                Assert.Equal(DatabaseUnavailableExceptionHandler.ProblemType, problem.GetProperty("type").GetString());
                Assert.True(problem.GetProperty("retryAfterSeconds").GetInt32() >= 1);
            }

            // A write (a new token) is refused the same way, and the form of a browser says what to do.
            using (var write = await api.PostAsJsonAsync("/api/v1/access-tokens", new { name = "during the outage" }))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, write.StatusCode);
            }

            // Many at once: none is a 500.
            var burst = await Task.WhenAll(Enumerable.Range(0, 12).Select(async i =>
            {
                using var response = i % 2 == 0 ? await api.GetAsync(courses) : await GetPageAsync(pupil, today);
                return response.StatusCode;
            }));
            Assert.All(burst, s => Assert.Equal(HttpStatusCode.ServiceUnavailable, s));

            // The load balancer sees the node as not ready (and which node it is).
            using (var ready = await app.CreateClient().GetAsync("/health/ready"))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
                Assert.Equal("outage-node", ready.Headers.GetValues(NodeIdentity.Header).Single());
            }

            // PostgreSQL is back: the node serves again without a restart.
            proxy.Restore();
            var clock = Stopwatch.StartNew();
            HttpStatusCode status;
            do
            {
                status = (await GetPageAsync(pupil, today)).StatusCode;
                Assert.NotEqual(HttpStatusCode.InternalServerError, status);
                if (status != HttpStatusCode.OK)
                {
                    await Task.Delay(200);
                }
            }
            while (status != HttpStatusCode.OK && clock.Elapsed < Patience);

            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(HttpStatusCode.OK, (await api.GetAsync(courses)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await app.CreateClient().GetAsync("/health/ready")).StatusCode);
        }
        finally
        {
            await TestDatabases.DropPostgresDatabaseAsync(database);
        }
    }

    [Fact]
    public async Task A_locked_sqlite_file_gives_503_with_retry_after()
    {
        await using var app = await SchoolbelApp.StartAsync(TestDatabases.Sqlite);
        var school = await TestSchool.CreateAsync(app);
        using var admin = await school.ApiClientAsync();

        // The same database with a one-second busy timeout (the default is 30), so the test need not wait.
        var builder = new SqliteConnectionStringBuilder(app.ConnectionString) { DefaultTimeout = 1 };
        await using var impatient = app.WithWebHostBuilder(b => b.UseSetting("Database:ConnectionString", builder.ConnectionString));
        using var api = impatient.CreateClient();
        api.DefaultRequestHeaders.Authorization = admin.DefaultRequestHeaders.Authorization;
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/v1/access-tokens")).StatusCode);

        // Another writer holds the file's write lock.
        await using var other = new SqliteConnection(app.ConnectionString);
        await other.OpenAsync();
        await using (var begin = other.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE;";
            await begin.ExecuteNonQueryAsync();
        }

        try
        {
            using var write = await api.PostAsync("/api/v1/access-tokens", new StringContent("""{"name":"while locked"}""", Encoding.UTF8, "application/json"));
            var body = await write.Content.ReadAsStringAsync();
            Assert.True(write.StatusCode == HttpStatusCode.ServiceUnavailable, $"{write.StatusCode}: {body}");
            AssertRetryAfter(write);
            Assert.Equal("application/problem+json", write.Content.Headers.ContentType?.MediaType);
            Assert.Equal(DatabaseUnavailableExceptionHandler.ProblemType, JsonDocument.Parse(body).RootElement.GetProperty("type").GetString());
        }
        finally
        {
            await using var rollback = other.CreateCommand();
            rollback.CommandText = "ROLLBACK;";
            await rollback.ExecuteNonQueryAsync();
        }

        // The lock is gone: the same write goes through.
        using var again = await api.PostAsync("/api/v1/access-tokens", new StringContent("""{"name":"after the lock"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
    }

    private static Task<HttpResponseMessage> GetPageAsync(HttpClient client, Uri uri)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
        return client.SendAsync(request);
    }

    private static void AssertRetryAfter(HttpResponseMessage response)
    {
        var delta = response.Headers.RetryAfter?.Delta;
        Assert.True(delta >= TimeSpan.FromSeconds(1) && delta <= TimeSpan.FromSeconds(10), $"Retry-After: {response.Headers.RetryAfter}");
        Assert.True(response.Headers.CacheControl?.NoStore, "Cache-Control: no-store");
    }

    private static async Task TerminateSessionsAsync(string database)
    {
        await using var connection = new NpgsqlConnection(TestDatabases.PostgresAdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = @db AND pid <> pg_backend_pid()", connection);
        command.Parameters.AddWithValue("db", database);
        await command.ExecuteScalarAsync();
    }
}
