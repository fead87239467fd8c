using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Schoolbel.Server.Admission;
using Schoolbel.Server.Data;
using Schoolbel.Server.Schools;

namespace Schoolbel.Server.Ops;

/// <summary>Configuration section <c>Demo</c>.</summary>
public sealed class DemoOptions
{
    public const string Section = "Demo";

    /// <summary>Create the demo school and accounts when the database is empty.</summary>
    public bool SeedWhenEmpty { get; set; } = true;
}

internal static class OpsServiceCollectionExtensions
{
    public static IServiceCollection AddSchoolbelOps(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DemoOptions>().Bind(configuration.GetSection(DemoOptions.Section));
        services.AddScoped<DemoSchoolSeeder>();
        services.AddHealthChecks()
            .AddDbContextCheck<SchoolbelDb>("database", tags: ["ready"])
            .AddCheck<MigrationsHealthCheck>("migrations", tags: ["ready"])
            .AddCheck<Scaling.RedisHealthCheck>("redis", tags: ["ready"]);
        return services;
    }

    public static void MapSchoolbelOps(this IEndpointRouteBuilder endpoints)
    {
        // Liveness says only that the process answers; readiness that it can do real work.
        endpoints.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false })
            .AllowAnonymous().WithMetadata(new PlatformEndpointAttribute(), new UnlimitedEndpointAttribute());
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = WriteReadinessAsync })
            .AllowAnonymous().WithMetadata(new PlatformEndpointAttribute(), new UnlimitedEndpointAttribute());
    }

    /// <summary>
    /// The overall status on the first line, as before ("Healthy", "Degraded", "Unhealthy"), so
    /// load balancers and scripts keep working; then one line per check that is not healthy, with
    /// its reason (e.g. "redis: Redis onbereikbaar: limieten per node"). Degraded answers 200:
    /// the node still serves.
    /// </summary>
    private static Task WriteReadinessAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        var text = new System.Text.StringBuilder(report.Status.ToString());
        foreach (var (name, entry) in report.Entries)
        {
            if (entry.Status != HealthStatus.Healthy)
            {
                text.Append('\n').Append(name).Append(": ").Append(entry.Description ?? entry.Exception?.Message ?? entry.Status.ToString());
            }
        }

        return context.Response.WriteAsync(text.ToString(), context.RequestAborted);
    }
}

/// <summary>Ready only when every migration this build knows of has been applied.</summary>
internal sealed class MigrationsHealthCheck(IServiceScopeFactory scopes) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
        List<string> pending;
        try
        {
            pending = (await Microsoft.EntityFrameworkCore.RelationalDatabaseFacadeExtensions
                .GetPendingMigrationsAsync(db.Database, cancellationToken)).ToList();
        }
        catch (Exception e) when (TransientDatabaseFailure.Find(e) is { } cause)
        {
            // Not ready, and the "database" check says why. Thrown, it would log a stack trace
            // at every probe of the load balancer for as long as the database is away.
            return HealthCheckResult.Unhealthy($"The database cannot be reached: {cause.Message}");
        }

        return pending.Count == 0
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy($"{pending.Count} migration(s) not applied: {string.Join(", ", pending)}");
    }
}
