using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Schoolbel.Server.Web;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests.Faults;

/// <summary>
/// Behind a load balancer every request comes from the balancer's address. X-Forwarded-For is
/// believed from the proxies in ForwardedHeaders only, so the per-address budget counts the
/// pupil's address behind a trusted proxy, and nobody else can pick an address of their choosing.
/// </summary>
public sealed class ForwardedHeadersTests
{
    private const string Proxy = "10.0.0.5";
    private const string Stranger = "192.0.2.9";
    private const int Requests = 40;

    [Fact]
    public async Task The_address_budget_counts_the_forwarded_client_only_behind_a_trusted_proxy()
    {
        // Three requests at once per address, then (about) one a second.
        await using var app = await SchoolbelApp.StartAsync(TestDatabases.Sqlite, settings: new Dictionary<string, string>
        {
            ["Admission:IpBurst"] = "3",
            ["Admission:IpRequestsPerSecond"] = "1",
        });
        await using var untrusting = await WithAddressesAsync(app, trustedNetwork: null);
        await using var trusting = await WithAddressesAsync(app, trustedNetwork: "10.0.0.0/24");

        // By default nobody is trusted: the header is ignored, and all count against the sender.
        Assert.Contains(HttpStatusCode.TooManyRequests, await BurstAsync(untrusting, Proxy, i => $"203.0.113.{i}"));

        // From the trusted proxy, each forwarded pupil has a budget of their own.
        var distinct = await BurstAsync(trusting, Proxy, i => $"203.0.113.{i}");
        Assert.All(distinct, s => Assert.Equal(HttpStatusCode.OK, s));

        // One pupil flooding through the proxy is stopped, whatever they put in front of the
        // address the proxy added: only the proxy's own (rightmost) entry is believed.
        Assert.Contains(HttpStatusCode.TooManyRequests, await BurstAsync(trusting, Proxy, i => $"198.51.100.{i}, 198.51.100.200"));
        // ... and that leaves the other pupils alone.
        Assert.All(await BurstAsync(trusting, Proxy, i => $"203.0.114.{i}"), s => Assert.Equal(HttpStatusCode.OK, s));

        // A sender that is not a trusted proxy cannot choose its address with the header.
        Assert.Contains(HttpStatusCode.TooManyRequests, await BurstAsync(trusting, Stranger, i => $"203.0.115.{i}"));
    }

    [Fact]
    public void Bad_proxy_settings_are_refused_at_start()
    {
        Assert.Null(ProxyOptions.Problem(new ProxyOptions { KnownProxies = ["10.0.0.5", "::1"], KnownNetworks = ["10.0.0.0/8", "fd00::/8"] }));
        Assert.Contains("KnownProxies", ProxyOptions.Problem(new ProxyOptions { KnownProxies = ["lb.internal"] }), StringComparison.Ordinal);
        Assert.Contains("KnownNetworks", ProxyOptions.Problem(new ProxyOptions { KnownNetworks = ["10.0.0.0/33"] }), StringComparison.Ordinal);
        Assert.Contains("ForwardLimit", ProxyOptions.Problem(new ProxyOptions { ForwardLimit = 0 }), StringComparison.Ordinal);
    }

    private static async Task<WebApplicationFactory<Program>> WithAddressesAsync(SchoolbelApp app, string? trustedNetwork)
    {
        var factory = app.WithWebHostBuilder(b =>
        {
            if (trustedNetwork is not null)
            {
                b.UseSetting("ForwardedHeaders:KnownNetworks:0", trustedNetwork);
            }

            b.ConfigureTestServices(services => services.AddSingleton<IStartupFilter, RemoteAddressFromHeader>());
        });
        var proxies = factory.Services.GetRequiredService<IOptions<ProxyOptions>>().Value;
        Assert.Equal(trustedNetwork is not null, proxies.TrustsAnyProxy);

        // One request first (from an address of its own), so the bursts measure the budget and not a cold start.
        using var client = factory.CreateClient();
        using var warmUp = new HttpRequestMessage(HttpMethod.Get, "/welcome");
        warmUp.Headers.Add(RemoteAddressFromHeader.Header, "10.9.9.9");
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(warmUp)).StatusCode);
        return factory;
    }

    /// <summary>Sends <see cref="Requests"/> page requests at once (far more than the burst of 3, faster than the refill) from <paramref name="sender"/>, each with its X-Forwarded-For.</summary>
    private static async Task<HttpStatusCode[]> BurstAsync(WebApplicationFactory<Program> app, string sender, Func<int, string> forwardedFor)
    {
        using var client = app.CreateClient();
        return await Task.WhenAll(Enumerable.Range(1, Requests).Select(async i =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/welcome");
            request.Headers.Add(RemoteAddressFromHeader.Header, sender);
            request.Headers.Add("X-Forwarded-For", forwardedFor(i));
            using var response = await client.SendAsync(request);
            return response.StatusCode;
        }));
    }
}
