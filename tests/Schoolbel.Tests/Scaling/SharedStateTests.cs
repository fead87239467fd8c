using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;
using Schoolbel.Server.Scaling;
using Schoolbel.Tests.Infrastructure;
using StackExchange.Redis;

namespace Schoolbel.Tests.Scaling;

/// <summary>
/// Two nodes (two app instances) on one database and one Redis, as behind a load balancer:
/// a session and the key ring that protects its cookie work on both; a change on one node is
/// seen on the other at once although both cache it; the per-user budget is one budget; and
/// without Redis every node serves on with its own limits and says so in its health.
/// </summary>
public sealed class SharedStateTests
{
    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task A_session_and_the_cookie_keys_are_shared_through_the_database(string provider)
    {
        TestDatabases.Require(provider);
        await using var nodeA = await SchoolbelApp.StartAsync(provider);
        var school = await TestSchool.CreateAsync(nodeA);
        await using var nodeB = SchoolbelApp.StartOnSameDatabase(nodeA);

        // One key ring, in the database: both nodes know exactly the same keys.
        Assert.Equal(KeyIds(nodeA), KeyIds(nodeB));
        Assert.NotEmpty(KeyIds(nodeA));

        using var onA = new PathlessCookieClient(nodeA);
        await onA.SignInAsync(school.Code, school.Pupil.Username, TestSchool.Password);
        using var onB = onA.WithServer(nodeB);
        using var today = await onB.SendAsync(HttpMethod.Get, $"/{school.Code}/");
        Assert.Equal(HttpStatusCode.OK, today.StatusCode);
        Assert.Contains(school.Pupil.FirstName, await today.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // A form rendered on node B posts fine to node A: anti-forgery tokens use the same keys.
        var token = await onB.AntiforgeryTokenAsync($"/{school.Code}/");
        using var signOut = await onA.SendAsync(HttpMethod.Post, $"/{school.Code}/signout", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
        }));
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
    }

    [Fact]
    public async Task A_change_on_node_A_is_seen_on_node_B_at_once_and_so_is_a_sign_out()
    {
        var redis = TestRedis.Require();
        TestDatabases.Require(TestDatabases.Postgres);

        // Entries and session checks that would live for an hour: only the invalidation can explain a fresh read.
        var settings = TestRedis.Settings(redis, new Dictionary<string, string>
        {
            ["HotReads:Lifetime"] = "01:00:00",
            ["SignIn:SessionCheckCacheTime"] = "01:00:00",
        });
        await using var nodeA = await SchoolbelApp.StartAsync(TestDatabases.Postgres, settings: settings);
        await using var nodeB = SchoolbelApp.StartOnSameDatabase(nodeA);
        await TestRedis.WaitUntilListeningAsync(nodeA);
        await TestRedis.WaitUntilListeningAsync(nodeB);

        // Created on node A; node B had already read its list of schools and learns of it over Redis.
        using (await nodeB.CreateClient().GetAsync(new Uri("/s-unknown/signin", UriKind.Relative)))
        {
        }

        var school = await TestSchool.CreateAsync(nodeA);
        var teacherOnA = await school.ApiClientForAsync(school.Teacher);
        using var pupilOnA = new PathlessCookieClient(nodeA);
        await EventuallyAsync(async () =>
        {
            using var page = await new PathlessCookieClient(nodeB).SendAsync(HttpMethod.Get, $"/{school.Code}/signin");
            return page.StatusCode == HttpStatusCode.OK;
        }, "node B does not know the new school");
        await pupilOnA.SignInAsync(school.Code, school.Pupil.Username, TestSchool.Password);
        using var pupilOnB = pupilOnA.WithServer(nodeB);

        var course = $"/api/v1/courses/{school.Course.Id}";
        var page = $"/{school.Code}/courses/{school.Course.Id}";
        using var created = await teacherOnA.PostAsJsonAsync($"{course}/notes", new { title = "Blad Een", text = "Tekst" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var note = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        // Node B reads, and so caches, the course with the first title.
        Assert.Contains("Blad Een", await ReadAsync(pupilOnB, page), StringComparison.Ordinal);
        Assert.Contains("Blad Een", await ReadAsync(pupilOnB, page), StringComparison.Ordinal);

        using (var renamed = await teacherOnA.PatchAsJsonAsync($"{course}/items/{note}", new { title = "Blad Twee" }))
        {
            Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        }

        // Within a pub/sub round trip, not after the hour the entry would otherwise live.
        var seenAfter = await EventuallyAsync(async () => (await ReadAsync(pupilOnB, page)).Contains("Blad Twee", StringComparison.Ordinal), "node B still shows the old title");
        Assert.True(seenAfter < TimeSpan.FromSeconds(5), $"seen after {seenAfter}");

        // Signed out on node A: the same cookie no longer opens pages on node B, although B cached the session as open.
        var token = await pupilOnA.AntiforgeryTokenAsync($"/{school.Code}/");
        using (var signOut = await pupilOnA.SendAsync(HttpMethod.Post, $"/{school.Code}/signout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token })))
        {
            Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        }

        await EventuallyAsync(async () =>
        {
            using var today = await pupilOnB.SendAsync(HttpMethod.Get, $"/{school.Code}/");
            return today.StatusCode == HttpStatusCode.Redirect;
        }, "node B still accepts the ended session");
    }

    [Fact]
    public async Task Requests_of_one_user_and_failed_sign_ins_of_one_address_spread_over_two_nodes_meet_one_budget()
    {
        var redis = TestRedis.Require();
        TestDatabases.Require(TestDatabases.Postgres);
        var settings = TestRedis.Settings(redis, new Dictionary<string, string>
        {
            ["Admission:UserBurst"] = "6",
            ["Admission:UserRequestsPerSecond"] = "1",
            ["SignIn:FailedAttemptsPerAddress"] = "3",
        });
        await using var nodeA = await SchoolbelApp.StartAsync(TestDatabases.Postgres, settings: settings);
        await using var nodeB = SchoolbelApp.StartOnSameDatabase(nodeA);
        await TestRedis.WaitUntilListeningAsync(nodeA);
        await TestRedis.WaitUntilListeningAsync(nodeB);
        var school = await TestSchool.CreateAsync(nodeA);
        using var onA = await school.ApiClientAsync();
        using var onB = nodeB.CreateClient();
        onB.DefaultRequestHeaders.Authorization = onA.DefaultRequestHeaders.Authorization;

        // Alternating between the nodes, as a round-robin balancer would: per node, each would
        // still have 3 of its 6 tokens left after 6 requests; one shared bucket is empty.
        var admitted = 0;
        HttpStatusCode? refusal = null;
        for (var i = 0; i < 12 && refusal is null; i++)
        {
            using var response = await (i % 2 == 0 ? onA : onB).GetAsync(new Uri("/api/v1/courses", UriKind.Relative));
            if (response.StatusCode == HttpStatusCode.OK)
            {
                admitted++;
            }
            else
            {
                refusal = response.StatusCode;
            }
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, refusal);

        // 6 from the burst, perhaps one more refilled (1 per second) while the requests ran.
        Assert.InRange(admitted, 6, 8);

        // Failed sign-ins of one address are counted once for all nodes too: 3 allowed, then 429
        // on whichever node (unknown usernames, so no account's own delay plays a part).
        using var browserA = nodeA.CreateBrowserlikeClient();
        using var browserB = nodeB.CreateBrowserlikeClient();
        var signIns = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await (i % 2 == 0 ? browserA : browserB).PostFormAsync($"/{school.Code}/signin", new() { ["username"] = "nobody-" + i, ["password"] = "Wrong-Password-1" });
            signIns.Add(response.StatusCode);
        }

        Assert.All(signIns.Take(3), s => Assert.NotEqual(HttpStatusCode.TooManyRequests, s));
        Assert.Equal(HttpStatusCode.TooManyRequests, signIns[3]);
    }

    [Fact]
    public async Task Without_redis_requests_succeed_with_limits_per_node_and_readiness_says_degraded()
    {
        // A port of this machine where nothing listens: Redis is "down" from the start.
        var settings = TestRedis.Settings("127.0.0.1:1,connectTimeout=500", new Dictionary<string, string>
        {
            ["Admission:UserBurst"] = "5",
            ["Admission:UserRequestsPerSecond"] = "1",
        });
        await using var app = await SchoolbelApp.StartAsync(TestDatabases.Sqlite, settings: settings);
        var school = await TestSchool.CreateAsync(app);
        using var api = await school.ApiClientAsync();

        using var ready = await app.CreateClient().GetAsync(new Uri("/health/ready", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var health = await ready.Content.ReadAsStringAsync();
        Assert.StartsWith("Degraded", health, StringComparison.Ordinal);
        Assert.Contains("redis: Redis onbereikbaar: limieten per node", health, StringComparison.Ordinal);

        // Requests are served, and this node's own bucket still stops a flood.
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 10; i++)
        {
            using var response = await api.GetAsync(new Uri("/api/v1/courses", UriKind.Relative));
            statuses.Add(response.StatusCode);
        }

        Assert.All(statuses.Take(5), s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.DoesNotContain(statuses, s => (int)s >= 500);

        // The breaker is open: requests do not even try Redis, and the operator sees why.
        var gate = app.Services.GetRequiredService<RedisGate>();
        Assert.Equal(RedisState.Unavailable, gate.State);
        using var operatorClient = await OpsClientAsync(app);
        var live = await operatorClient.GetStringAsync(new Uri("/ops/live", UriKind.Relative));
        Assert.Contains("Redis onbereikbaar: limieten per node", live, StringComparison.Ordinal);
    }

    [Fact]
    public async Task When_redis_goes_away_the_node_falls_back_and_comes_back_by_itself()
    {
        var redis = TestRedis.Require();
        TestDatabases.Require(TestDatabases.Postgres);
        var name = "schoolbel-test-" + Guid.NewGuid().ToString("N")[..8];
        await using var app = await SchoolbelApp.StartAsync(TestDatabases.Postgres, settings: TestRedis.Settings(redis + ",name=" + name, new Dictionary<string, string>
        {
            ["Redis:BreakerOpenFor"] = "00:00:00.500",
        }));
        await TestRedis.WaitUntilListeningAsync(app);
        var gate = app.Services.GetRequiredService<RedisGate>();
        var school = await TestSchool.CreateAsync(app);
        using var api = await school.ApiClientAsync();
        using (var before = await app.CreateClient().GetAsync(new Uri("/health/ready", UriKind.Relative)))
        {
            Assert.Equal("Healthy", await before.Content.ReadAsStringAsync());
        }

        // Cut this node's connections (as a network failure or a Redis restart does), and only its own.
        await using (var admin = await ConnectionMultiplexer.ConnectAsync(redis + ",allowAdmin=true"))
        {
            var server = admin.GetServers()[0];
            var killed = 0;
            foreach (var client in await server.ClientListAsync())
            {
                if (client.Name == name)
                {
                    await server.ClientKillAsync(client.Id);
                    killed++;
                }
            }

            Assert.True(killed > 0, "found no connection of the node");
        }

        await EventuallyAsync(() => Task.FromResult(gate.State == RedisState.Unavailable), "the node did not notice");

        using (var during = await api.GetAsync(new Uri("/api/v1/courses", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, during.StatusCode);
        }

        // The client reconnects by itself, and the node shares its limits again.
        await EventuallyAsync(async () => await gate.ProbeAsync() == RedisState.Available, "the node did not get back to Redis");
        using var after = await app.CreateClient().GetAsync(new Uri("/health/ready", UriKind.Relative));
        Assert.Equal("Healthy", await after.Content.ReadAsStringAsync());
    }

    private static string[] KeyIds(SchoolbelApp app) =>
        [.. app.Services.GetRequiredService<IKeyManager>().GetAllKeys().Select(k => k.KeyId.ToString()).Order(StringComparer.Ordinal)];

    private static async Task<string> ReadAsync(PathlessCookieClient client, string url)
    {
        using var response = await client.SendAsync(HttpMethod.Get, url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>Polls for up to ten seconds; returns how long it took.</summary>
    private static async Task<TimeSpan> EventuallyAsync(Func<Task<bool>> condition, string failure)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (!await condition())
        {
            Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(10), failure);
            await Task.Delay(50);
        }

        return TimeProvider.System.GetElapsedTime(started);
    }

    private static async Task<HttpClient> OpsClientAsync(SchoolbelApp app)
    {
        var username = "op-" + Guid.NewGuid().ToString("N")[..8];
        using (var scope = app.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<Schoolbel.Server.Data.SchoolbelDb>();
            var hasher = scope.ServiceProvider.GetRequiredService<Schoolbel.Server.SignIn.PasswordHasher>();
            db.Operators.Add(new Schoolbel.Server.Ops.PlatformOperator { Username = username, DisplayName = "Operator", PasswordHash = hasher.Hash(TestSchool.Password), CreatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }

        var client = app.CreateBrowserlikeClient();
        Assert.Equal(HttpStatusCode.Redirect, (await client.PostFormAsync("/ops/signin", new() { ["username"] = username, ["password"] = TestSchool.Password })).StatusCode);
        return client;
    }
}
