using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Schoolbel.Server.Data;
using Schoolbel.Server.Ops;
using Schoolbel.Server.SignIn;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests.Faults;

/// <summary>Node:Name: which of several identical nodes answered, for the operator.</summary>
public sealed class NodeNameTests
{
    [Fact]
    public async Task The_node_name_is_on_the_health_checks_the_live_page_and_the_metrics_but_not_on_public_pages()
    {
        await using var app = await SchoolbelApp.StartAsync(TestDatabases.Sqlite, settings: new Dictionary<string, string> { ["Node:Name"] = "node-b.test" });
        var client = app.CreateClient();

        foreach (var path in new[] { "/health/live", "/health/ready" })
        {
            using var health = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.Equal("node-b.test", health.Headers.GetValues(NodeIdentity.Header).Single());
        }

        using (var welcome = await client.GetAsync("/welcome"))
        {
            Assert.Equal(HttpStatusCode.OK, welcome.StatusCode);
            Assert.False(welcome.Headers.Contains(NodeIdentity.Header));
        }

        var operatorClient = await SignInOperatorAsync(app);
        using var live = await operatorClient.GetAsync("/ops/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("node-b.test", live.Headers.GetValues(NodeIdentity.Header).Single());
        Assert.Contains("<strong data-node=\"node-b.test\">node-b.test</strong>", await live.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // OpenTelemetry's service.instance.id, which Prometheus shows on target_info.
        using var request = new HttpRequestMessage(HttpMethod.Get, TelemetryServiceCollectionExtensions.MetricsPath);
        request.Headers.TryAddWithoutValidation("Accept", "application/openmetrics-text; version=1.0.0");
        using var metrics = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Contains("service_instance_id=\"node-b.test\"", await metrics.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_setting_the_name_is_the_machine_and_its_port()
    {
        var machine = Environment.MachineName;
        Assert.Equal($"{machine}-5081", NodeOptions.Resolve(Settings(("urls", "http://127.0.0.1:5081"))));
        Assert.Equal($"{machine}-8080", NodeOptions.Resolve(Settings(("urls", "http://*:8080;https://*:8443"))));
        Assert.Equal($"{machine}-5080", NodeOptions.Resolve(Settings()));
        Assert.Equal($"{machine}-pid{Environment.ProcessId}", NodeOptions.Resolve(Settings(("urls", "http://localhost"))));
        Assert.Equal("web-1", NodeOptions.Resolve(Settings(("urls", "http://127.0.0.1:5081"), ("Node:Name", " web-1 "))));
        Assert.Null(NodeOptions.Problem("web-1.rack_2"));
        Assert.NotNull(NodeOptions.Problem("web 1"));
        Assert.NotNull(NodeOptions.Problem("web-1\r\nSet-Cookie: x"));
        Assert.NotNull(NodeOptions.Problem(new string('n', NodeOptions.MaxNameLength + 1)));
    }

    private static IConfiguration Settings(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    private static async Task<HttpClient> SignInOperatorAsync(SchoolbelApp app)
    {
        var username = "op-" + Guid.NewGuid().ToString("N")[..8];
        using (var scope = app.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
            var hasher = scope.ServiceProvider.GetRequiredService<PasswordHasher>();
            db.Operators.Add(new PlatformOperator { Username = username, DisplayName = "Operator", PasswordHash = hasher.Hash(TestSchool.Password), CreatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }

        var client = app.CreateBrowserlikeClient();
        var signIn = await client.PostFormAsync("/ops/signin", new() { ["username"] = username, ["password"] = TestSchool.Password });
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        return client;
    }
}
