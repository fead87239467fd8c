using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Schoolbel.Server.Scaling;

/// <summary>
/// Part of readiness, but never unready: without Redis the node serves on with per-node limits,
/// so taking it out of the load balancer would only make things worse. It says Degraded, with
/// the reason, so operators and monitoring see it.
/// </summary>
internal sealed class RedisHealthCheck(RedisGate redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var state = await redis.ProbeAsync();
        var status = redis.Status();
        return state switch
        {
            RedisState.Unavailable => HealthCheckResult.Degraded(status.Describe(), data: status.LastError is { } error
                ? new Dictionary<string, object> { ["error"] = error }
                : null),
            _ => HealthCheckResult.Healthy(status.Describe()),
        };
    }
}
