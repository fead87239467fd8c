using System.Net;
using Schoolbel.Server.Admission;

namespace Schoolbel.Tests.Admission;

public sealed class AdaptiveLimitTests
{
    private static Dictionary<string, string?> Settings(int initial) => new()
    {
        ["Admission:InitialLimit"] = initial.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Admission:MinLimit"] = "4",
        ["Admission:MaxLimit"] = "400",
        // Every round of the test is one window, so the limit moves per round.
        ["Admission:SampleWindow"] = "00:00:00.001",
        // No reserves: the test fills exactly the limit with normal requests.
        ["Admission:ReservedForCritical"] = "0",
        ["Admission:ReservedForNormal"] = "0",
    };

    [Fact]
    public async Task The_limit_drops_when_the_server_slows_down_and_rises_again_when_it_recovers()
    {
        await using var host = await AdmissionTestHost.StartAsync(Settings(initial: 20));
        using var client = host.NewVisitor();

        // A healthy server: 10 ms per request at full concurrency, so the limit grows.
        for (var round = 0; round < 15; round++)
        {
            await RoundAsync(host, client, latencyMs: 10);
        }

        var healthy = host.Limiter.Limit;
        Assert.True(healthy > 20, $"the limit should grow while latency stays flat, was {healthy}");

        // The server slows to 60 ms (a database under pressure): the limit must come down.
        for (var round = 0; round < 8; round++)
        {
            await RoundAsync(host, client, latencyMs: 60);
        }

        var slowed = host.Limiter.Limit;
        Assert.True(slowed < healthy * 0.7, $"the limit should drop under rising latency: {healthy} -> {slowed}");

        // Recovered: the limit climbs again.
        for (var round = 0; round < 25; round++)
        {
            await RoundAsync(host, client, latencyMs: 10);
        }

        var recovered = host.Limiter.Limit;
        Assert.True(recovered > slowed * 1.3, $"the limit should rise again after recovery: {slowed} -> {recovered}");
    }

    /// <summary>Fills the current limit with requests that each take <paramref name="latencyMs"/> on the fake clock.</summary>
    private static async Task RoundAsync(AdmissionTestHost host, HttpClient client, int latencyMs)
    {
        var concurrency = host.Limiter.Limit;
        var requests = Enumerable.Range(0, concurrency)
            .Select(_ => client.GetAsync(new Uri($"/work?ms={latencyMs}", UriKind.Relative)))
            .ToList();
        await host.WaitForWorkingAsync(concurrency);
        host.Time.Advance(TimeSpan.FromMilliseconds(latencyMs));
        foreach (var response in await Task.WhenAll(requests))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            response.Dispose();
        }
    }
}
