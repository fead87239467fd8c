using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Schoolbel.Server.Admission;
using Schoolbel.Server.Data;
using Schoolbel.Server.Ops;
using Schoolbel.Server.SignIn;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests;

/// <summary>Prometheus <c>/metrics</c>, who may read it, and the operator's live page.</summary>
// Alone, after the parallel tests: OpenTelemetry listens to meters by name process-wide, so another
// test app starting or stopping while these scrape can take the scraped app's series with it
// (seen as a scrape without the request series while the database outage tests ran).
[Collection(nameof(TelemetryTests))]
public sealed class TelemetryTests(TelemetryTestApp telemetry, SharedApps apps) : IClassFixture<TelemetryTestApp>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Metrics_are_prometheus_text_with_request_latency_and_the_admission_series()
    {
        var app = telemetry.Scraped;
        var school = "m" + Guid.NewGuid().ToString("N")[..8];
        var client = app.CreateClient();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/welcome")).StatusCode);
        }

        RecordAdmission(app, school);

        // The request duration is recorded as the response completes, and answers are cached 300 ms.
        var text = await EventuallyAsync(
            async () => await client.GetStringAsync("/metrics"),
            t => t.Contains("http_route=\"welcome\"", StringComparison.Ordinal) && t.Contains(school, StringComparison.Ordinal));

        var response = await client.GetAsync("/metrics");
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var lines = text.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("http_server_request_duration_seconds_bucket{", StringComparison.Ordinal) && l.Contains("http_route=\"welcome\"", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("http_server_request_duration_seconds_count{", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("dotnet_gc_", StringComparison.Ordinal)); // runtime

        // Counters get _total, seconds get _seconds, dots become underscores; tags become labels.
        Assert.Contains(lines, l => l.StartsWith("schoolbel_admission_admitted_total{", StringComparison.Ordinal)
            && l.Contains($"school=\"{school}\"", StringComparison.Ordinal) && l.Contains("priority=\"normal\"", StringComparison.Ordinal) && l.EndsWith(" 5", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("schoolbel_admission_shed_total{", StringComparison.Ordinal)
            && l.Contains($"school=\"{school}\"", StringComparison.Ordinal) && l.Contains("reason=\"queue_full\"", StringComparison.Ordinal) && l.EndsWith(" 2", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("schoolbel_admission_queue_wait_seconds_bucket{", StringComparison.Ordinal) && l.Contains("le=\"0.25\"", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("schoolbel_waiting_room_admitted_total", StringComparison.Ordinal));
        // The gauges are there. Their values are not checked here: OpenTelemetry subscribes to a
        // meter by name process-wide, and every test app in this process has its own admission
        // layer, so which app's gauge a scrape shows is not defined (in production one process is
        // one app). LiveMetricsTests check the values through the app's own sampler.
        foreach (var gauge in new[] { "schoolbel_admission_limit{", "schoolbel_admission_in_flight{", "schoolbel_admission_queued{", "schoolbel_waiting_room_size{", "schoolbel_waiting_room_admission_rate_per_second{", "schoolbel_brownout_active{" })
        {
            Assert.Contains(lines, l => l.StartsWith(gauge, StringComparison.Ordinal));
        }

        // Scrapes are not counted as traffic.
        Assert.DoesNotContain(lines, l => l.StartsWith("http_server_request_duration", StringComparison.Ordinal) && l.Contains("http_route=\"/metrics\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Metrics_are_for_this_machine_allowed_networks_and_the_scrape_token_only()
    {
        var scraped = telemetry.Scraped.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await GetMetricsAsync(scraped, from: null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetMetricsAsync(scraped, from: "127.0.0.1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetMetricsAsync(scraped, from: "::1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetMetricsAsync(scraped, from: "10.20.3.4")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetMetricsAsync(scraped, from: "::ffff:10.20.3.4")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetMetricsAsync(scraped, from: "203.0.113.9", token: TelemetryTestApp.ScrapeToken)).StatusCode);

        var outside = await GetMetricsAsync(scraped, from: "203.0.113.9");
        Assert.Equal(HttpStatusCode.Unauthorized, outside.StatusCode);
        Assert.Equal("Bearer", outside.Headers.WwwAuthenticate.Single().Scheme);
        Assert.DoesNotContain("schoolbel_", await outside.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetMetricsAsync(scraped, from: "10.21.0.1")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetMetricsAsync(scraped, from: "203.0.113.9", token: TelemetryTestApp.ScrapeToken + "x")).StatusCode);
        // A wrong token fails even from an allowed network: a misconfigured scraper should hear about it.
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetMetricsAsync(scraped, from: "10.20.3.4", token: "not-the-token")).StatusCode);

        // Without a token configured, the page does not exist for anyone else.
        var closed = telemetry.Closed.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await GetMetricsAsync(closed, from: "127.0.0.1")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await GetMetricsAsync(closed, from: "10.20.3.4")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await GetMetricsAsync(closed, from: "203.0.113.9", token: TelemetryTestApp.ScrapeToken)).StatusCode);

        // Never inside a school.
        var school = await TestSchool.CreateAsync(telemetry.Base);
        Assert.Equal(HttpStatusCode.NotFound, (await telemetry.Base.CreateClient().GetAsync($"/{school.Code}/metrics")).StatusCode);
    }

    [Fact]
    public void Health_and_metrics_are_never_held_back_by_admission_control()
    {
        var endpoints = telemetry.Scraped.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        foreach (var path in new[] { "/metrics", "/health/live", "/health/ready" })
        {
            var endpoint = Assert.Single(endpoints, e => "/" + e.RoutePattern.RawText!.TrimStart('/') == path);
            Assert.NotNull(endpoint.Metadata.GetMetadata<UnlimitedEndpointAttribute>());
        }

        // The operator's pages are ordinary traffic.
        Assert.Null(Assert.Single(endpoints, e => e.RoutePattern.RawText == TelemetryServiceCollectionExtensions.LiveDataPath).Metadata.GetMetadata<UnlimitedEndpointAttribute>());
    }

    [Fact]
    public async Task Live_data_is_for_operators_and_reports_requests_latency_and_admission()
    {
        var app = telemetry.Scraped;
        var school = "l" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateClient().GetAsync(TelemetryServiceCollectionExtensions.LiveDataPath)).StatusCode);

        var operatorClient = await SignInOperatorAsync(app);
        var anonymous = app.CreateClient();
        for (var i = 0; i < 4; i++)
        {
            await anonymous.GetAsync("/welcome");
        }

        RecordAdmission(app, school);
        var live = app.Services.GetRequiredService<LiveMetrics>();

        var json = await EventuallyAsync(
            async () =>
            {
                live.Tick();
                return await operatorClient.GetStringAsync(TelemetryServiceCollectionExtensions.LiveDataPath);
            },
            j => j.Contains(school, StringComparison.Ordinal) && JsonDocument.Parse(j).RootElement.GetProperty("requestsLastMinute").GetInt64() >= 4);
        var data = JsonDocument.Parse(json).RootElement;

        Assert.True(data.GetProperty("admissionActive").GetBoolean());
        Assert.True(data.GetProperty("requestRate").GetDouble() > 0);
        Assert.True(data.GetProperty("p50").GetDouble() > 0);
        Assert.True(data.GetProperty("p99").GetDouble() >= data.GetProperty("p50").GetDouble());
        Assert.Equal(42, data.GetProperty("limit").GetInt64());
        Assert.Equal(7, data.GetProperty("inFlight").GetInt64());
        Assert.Equal(3, data.GetProperty("queued").GetInt64());
        Assert.Equal(120, data.GetProperty("waitingRoomSize").GetInt64());
        Assert.Equal(12.5, data.GetProperty("admissionRate").GetDouble());
        Assert.False(data.GetProperty("brownOut").GetBoolean());
        Assert.True(data.GetProperty("shedLastMinute").GetInt64() >= 2);
        var queueFull = data.GetProperty("shedByReason").EnumerateArray().Single(r => r.GetProperty("reason").GetString() == "queue_full");
        Assert.True(queueFull.GetProperty("count").GetInt64() >= 2);
        Assert.Equal(8, data.GetProperty("shedByReason").GetArrayLength());

        var row = data.GetProperty("schools").EnumerateArray().Single(s => s.GetProperty("school").GetString() == school);
        Assert.Equal(5, row.GetProperty("admitted").GetInt64());
        Assert.Equal(1, row.GetProperty("queued").GetInt64()); // the one that waited 0.25 s
        Assert.Equal(2, row.GetProperty("shed").GetInt64());

        var points = data.GetProperty("points").EnumerateArray().ToList();
        Assert.NotEmpty(points);
        Assert.InRange(points.Count, 1, LiveMetrics.Seconds);
        Assert.Contains(points, p => p.GetProperty("requests").GetInt64() > 0);
        Assert.Equal(42, points[^1].GetProperty("limit").GetInt64());

        // Only newer points when the page asks for them.
        var last = points[^1].GetProperty("t").GetInt64();
        var newer = JsonDocument.Parse(await operatorClient.GetStringAsync($"{TelemetryServiceCollectionExtensions.LiveDataPath}?since={last}")).RootElement;
        Assert.All(newer.GetProperty("points").EnumerateArray(), p => Assert.True(p.GetProperty("t").GetInt64() > last));
    }

    [Fact]
    public async Task The_live_page_shows_the_numbers_to_an_operator()
    {
        var app = telemetry.Scraped;
        var school = "p" + Guid.NewGuid().ToString("N")[..8];
        var operatorClient = await SignInOperatorAsync(app);
        RecordAdmission(app, school);
        var live = app.Services.GetRequiredService<LiveMetrics>();
        live.Tick();

        var home = await operatorClient.GetStringAsync("/ops");
        Assert.Contains("href=\"/ops/live\"", home, StringComparison.Ordinal);

        var response = await operatorClient.GetAsync("/ops/live");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await response.Content.ReadAsStringAsync();
        Assert.Contains("<h1>Live belasting</h1>", page, StringComparison.Ordinal);
        Assert.Contains("data-source=\"/ops/live/data\"", page, StringComparison.Ordinal);
        Assert.Contains("src=\"/js/ops-live.js", page, StringComparison.Ordinal);
        Assert.Contains("data-chart=\"rate\"", page, StringComparison.Ordinal);
        Assert.Contains("data-live=\"limit\">42<", page, StringComparison.Ordinal);
        Assert.Contains("data-live=\"waitingRoomSize\">120<", page, StringComparison.Ordinal);
        Assert.Contains($"<td>{school}</td><td>5</td><td>1</td><td>2</td>", page, StringComparison.Ordinal);
        Assert.Contains("Wachtrij vol", page, StringComparison.Ordinal);
        // The CSP allows no inline script: everything comes from the file.
        Assert.DoesNotContain("<script>", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await operatorClient.GetAsync("/js/ops-live.js")).StatusCode);
    }

    [Fact]
    public async Task A_school_admin_gets_neither_the_live_page_nor_its_data()
    {
        var app = await apps.GetAsync(TestDatabases.Sqlite);
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.SignInAsync(school.Admin);

        var page = await admin.GetAsync("/ops/live");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Contains("/ops/signin", page.Headers.Location?.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await admin.GetAsync(TelemetryServiceCollectionExtensions.LiveDataPath)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/{school.Code}/ops/live")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/{school.Code}/ops/live/data")).StatusCode);
    }

    [Fact]
    public void Metrics_settings_are_checked_at_start()
    {
        Assert.Null(MetricsAccess.Problem(new MetricsOptions { MetricsToken = new string('x', 32), MetricsNetworks = ["10.0.0.0/8", "fd00::/8", " 192.168.1.7/32 ", "192.168.1.8", "fd00::1"] }));
        Assert.NotNull(MetricsAccess.Problem(new MetricsOptions { MetricsToken = "short" }));
        Assert.NotNull(MetricsAccess.Problem(new MetricsOptions { MetricsNetworks = ["10.1.2.3/33"] }));
        Assert.NotNull(MetricsAccess.Problem(new MetricsOptions { MetricsNetworks = [""] }));
        Assert.NotNull(MetricsAccess.Problem(new MetricsOptions { MetricsNetworks = ["intranet"] }));

        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Ops:MetricsNetworks:0"] = "10.0.0.0/8, 192.168.0.0/16" })
            .Build();
        using var services = new ServiceCollection().AddLogging().AddSchoolbelTelemetry(configuration).BuildServiceProvider();
        Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => services.GetRequiredService<MetricsAccess>());
    }

    [Fact]
    public void Metrics_access_decides_by_address_and_token()
    {
        static MetricsAccess Access(MetricsOptions options) => new(Microsoft.Extensions.Options.Options.Create(options));
        var defaults = Access(new MetricsOptions());
        Assert.Equal(MetricsAccessResult.Allowed, defaults.Check(IPAddress.Loopback, null));
        Assert.Equal(MetricsAccessResult.Allowed, defaults.Check(IPAddress.Parse("127.0.0.2"), null));
        Assert.Equal(MetricsAccessResult.Allowed, defaults.Check(null, null));
        Assert.Equal(MetricsAccessResult.NotFound, defaults.Check(IPAddress.Parse("192.168.1.10"), null));
        Assert.Equal(MetricsAccessResult.NotFound, defaults.Check(IPAddress.Parse("192.168.1.10"), "Bearer anything"));

        var proxied = Access(new MetricsOptions { MetricsAllowLoopback = false, MetricsToken = new string('t', 40), MetricsNetworks = ["fd00::/8", "192.0.2.7"] });
        Assert.Equal(MetricsAccessResult.Allowed, proxied.Check(IPAddress.Parse("192.0.2.7"), null));
        Assert.Equal(MetricsAccessResult.Unauthorized, proxied.Check(IPAddress.Parse("192.0.2.8"), null));
        Assert.Equal(MetricsAccessResult.Unauthorized, proxied.Check(IPAddress.Loopback, null));
        Assert.Equal(MetricsAccessResult.Unauthorized, proxied.Check(null, null));
        Assert.Equal(MetricsAccessResult.Allowed, proxied.Check(IPAddress.Parse("fd00::1"), null));
        Assert.Equal(MetricsAccessResult.Allowed, proxied.Check(IPAddress.Loopback, "bearer " + new string('t', 40)));
        Assert.Equal(MetricsAccessResult.Unauthorized, proxied.Check(IPAddress.Loopback, "Bearer " + new string('t', 39)));
        Assert.Equal(MetricsAccessResult.Unauthorized, proxied.Check(IPAddress.Loopback, "Basic dDp0"));
    }

    [Fact]
    public void Latency_percentiles_come_from_buckets_at_most_ten_percent_high()
    {
        var histogram = new LatencyHistogram();
        for (var ms = 1; ms <= 100; ms++)
        {
            histogram.Record(ms);
        }

        IReadOnlyList<long[]> counts = [histogram.Counts()];
        Assert.InRange(LatencyHistogram.Percentile(counts, 0.5)!.Value, 50, 55);
        Assert.InRange(LatencyHistogram.Percentile(counts, 0.9)!.Value, 90, 99);
        Assert.InRange(LatencyHistogram.Percentile(counts, 0.99)!.Value, 99, 109);
        Assert.Null(LatencyHistogram.Percentile([new LatencyHistogram().Counts()], 0.5));

        // Two seconds together, and values outside the range.
        var slow = new LatencyHistogram();
        slow.Record(1_000_000);
        slow.Record(-1);
        slow.Record(double.NaN);
        Assert.Equal(LatencyHistogram.Bounds[^1], LatencyHistogram.Percentile([histogram.Counts(), slow.Counts()], 1.0));
        Assert.Equal(LatencyHistogram.Bounds[0], LatencyHistogram.Percentile([slow.Counts()], 0.5));
        foreach (var value in new[] { 0.1, 0.11, 0.5, 1, 7.3, 250, 60_000 })
        {
            var bound = LatencyHistogram.Bounds[LatencyHistogram.IndexOf(value)];
            Assert.InRange(bound, value, value * 1.1 + 1e-9);
        }
    }

    private static void RecordAdmission(WebApplicationFactory<Program> app, string school)
    {
        var metrics = app.Services.GetRequiredService<AdmissionMetrics>();
        var schoolTag = new KeyValuePair<string, object?>("school", school);
        metrics.Admitted.Add(5, schoolTag, new("priority", AdmissionMetrics.TagOf(RequestPriority.Normal)));
        metrics.Shed.Add(2, schoolTag, new("priority", AdmissionMetrics.TagOf(RequestPriority.Sheddable)), new("reason", AdmissionMetrics.TagOf(ShedReason.QueueFull)));
        metrics.QueueWait.Record(0.25, schoolTag, new("priority", AdmissionMetrics.TagOf(RequestPriority.Normal)));
        metrics.QueueWait.Record(0, schoolTag, new("priority", AdmissionMetrics.TagOf(RequestPriority.Critical)));
        metrics.WaitingRoomAdmitted.Add(1);
    }

    private static async Task<HttpResponseMessage> GetMetricsAsync(HttpClient client, string? from, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        if (from is not null)
        {
            request.Headers.Add(TelemetryTestApp.RemoteAddressHeader, from);
        }

        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await client.SendAsync(request);
    }

    private static async Task<HttpClient> SignInOperatorAsync(WebApplicationFactory<Program> app)
    {
        var username = "op-" + Guid.NewGuid().ToString("N")[..8];
        using (var scope = app.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
            var hasher = scope.ServiceProvider.GetRequiredService<PasswordHasher>();
            db.Operators.Add(new PlatformOperator { Username = username, DisplayName = "Operator", PasswordHash = hasher.Hash(TestSchool.Password), CreatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }

        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var signIn = await client.PostFormAsync("/ops/signin", new() { ["username"] = username, ["password"] = TestSchool.Password });
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        return client;
    }

    private static async Task<string> EventuallyAsync(Func<Task<string>> read, Func<string, bool> done)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            if (clock.Elapsed > Patience)
            {
                Assert.Fail("Not there in time:\n" + value);
            }

            await Task.Delay(200);
        }
    }
}

[CollectionDefinition(nameof(TelemetryTests), DisableParallelization = true)]
public sealed class TelemetryTestsRunAlone;
