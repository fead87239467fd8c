using Microsoft.Extensions.DependencyInjection;
using Schoolbel.Server.Scaling;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests.Scaling;

/// <summary>
/// The Redis the scale-out tests share, from SCHOOLBEL_TEST_REDIS (a StackExchange.Redis
/// connection string such as <c>127.0.0.1:6379</c>). Without it those tests are skipped, unless
/// SCHOOLBEL_REQUIRE_REDIS=1 (set by .ci/run), where they fail instead. Each test gets its own key
/// prefix, so tests (and test runs) never see each other's budgets or messages.
/// </summary>
internal static class TestRedis
{
    public static string? Configuration => Environment.GetEnvironmentVariable("SCHOOLBEL_TEST_REDIS");

    private static bool Required => Environment.GetEnvironmentVariable("SCHOOLBEL_REQUIRE_REDIS") == "1";

    /// <summary>Call first: skips (or fails on CI) when Redis is not there.</summary>
    public static string Require()
    {
        if (Configuration is { Length: > 0 } configuration)
        {
            return configuration;
        }

        if (Required)
        {
            Assert.Fail("SCHOOLBEL_REQUIRE_REDIS=1 but SCHOOLBEL_TEST_REDIS is not set.");
        }

        Assert.Skip("Redis is not configured on this machine (set SCHOOLBEL_TEST_REDIS, e.g. 127.0.0.1:6379).");
        return string.Empty;
    }

    /// <summary>Settings for the nodes of one test: the test Redis under a prefix of its own.</summary>
    public static Dictionary<string, string> Settings(string configuration, IReadOnlyDictionary<string, string>? more = null)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Redis:Configuration"] = configuration,
            ["Redis:KeyPrefix"] = "schoolbel-test:" + Guid.NewGuid().ToString("N")[..12] + ":",
            ["HotReads:WarmUp"] = "false",
        };
        foreach (var (key, value) in more ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>Waits until the node talks to Redis and hears the other nodes.</summary>
    public static async Task WaitUntilListeningAsync(SchoolbelApp app)
    {
        var gate = app.Services.GetRequiredService<RedisGate>();
        var bus = app.Services.GetRequiredService<ClusterBus>();
        for (var i = 0; i < 100 && !bus.IsListening; i++)
        {
            await gate.ProbeAsync();
            await bus.CheckAsync();
            if (!bus.IsListening)
            {
                await Task.Delay(100);
            }
        }

        Assert.True(bus.IsListening, $"The node did not get to Redis: {gate.Status()}");
    }
}
