using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Schoolbel.Server.Admission;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Ops;

/// <summary>
/// Metrics: OpenTelemetry, exported in Prometheus text format on <c>/metrics</c>, and the
/// operator's live page <c>/ops/live</c> with its data at <c>/ops/live/data</c>.
/// </summary>
internal static class TelemetryServiceCollectionExtensions
{
    public const string MetricsPath = "/metrics";
    public const string LiveDataPath = "/ops/live/data";

    /// <summary>Every meter of our own, now and later (the admission layer's among them).</summary>
    private const string SchoolbelMeters = "Schoolbel.*";

    /// <summary>
    /// Per-school series can outnumber OpenTelemetry's default of 2,000 per instrument (schools
    /// times priorities times reasons); past the limit they would be lumped into one overflow series.
    /// </summary>
    private const int AdmissionCardinalityLimit = 20_000;

    public static IServiceCollection AddSchoolbelTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MetricsOptions>()
            .Bind(configuration.GetSection(MetricsOptions.Section))
            .Validate(o => MetricsAccess.Problem(o) is null, "Ops:MetricsToken or Ops:MetricsNetworks is not valid; see docs/operations.md (Metrics).")
            .ValidateOnStart();
        services.AddSingleton<MetricsAccess>();
        services.AddSingleton<LiveMetrics>();
        services.AddHostedService(sp => sp.GetRequiredService<LiveMetrics>());

        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("schoolbel", serviceInstanceId: NodeOptions.Resolve(configuration)))
            .WithMetrics(metrics => metrics
                // Request rate and latency (http.server.request.duration), Kestrel's connections
                // and queues, routing, exceptions, rate limiting.
                .AddAspNetCoreInstrumentation()
                // GC, heap, thread pool queue and lock contention: the first place to look when latency climbs.
                .AddRuntimeInstrumentation()
                .AddMeter(AdmissionMetrics.MeterName, SchoolbelMeters)
                // PostgreSQL connection pool use and command durations.
                .AddMeter("Npgsql")
                .AddView(AdmissionView)
                .AddView(PasswordCheckView)
                .AddPrometheusExporter());
        return services;
    }

    /// <summary>Buckets in seconds around one password check's CPU: Argon2id's 20-60 ms, PBKDF2 up to 200 ms.</summary>
    private static MetricStreamConfiguration? PasswordCheckView(Instrument instrument) =>
        instrument.Name == PasswordCheckPool.CheckCpuTimeInstrument
            ? new ExplicitBucketHistogramConfiguration { Boundaries = [0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.2, 0.5, 1] }
            : null;

    private static MetricStreamConfiguration? AdmissionView(Instrument instrument)
    {
        if (instrument.Meter.Name != AdmissionMetrics.MeterName)
        {
            return null;
        }

        return instrument.Name == "schoolbel.admission.queue_wait"
            ? new ExplicitBucketHistogramConfiguration
            {
                // Seconds; OpenTelemetry's default buckets are meant for milliseconds.
                Boundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
                CardinalityLimit = AdmissionCardinalityLimit,
            }
            : new MetricStreamConfiguration { CardinalityLimit = AdmissionCardinalityLimit };
    }

    public static void MapSchoolbelTelemetry(this IEndpointRouteBuilder endpoints)
    {
        var access = endpoints.ServiceProvider.GetRequiredService<MetricsAccess>();
        // Anonymous to the sign-in system: MetricsAccess decides (address or scrape token).
        endpoints.MapPrometheusScrapingEndpoint(MetricsPath, meterProvider: null, configureBranchedPipeline: branch => branch.Use(access.InvokeAsync), optionsName: null)
            .AllowAnonymous()
            .WithMetadata(new PlatformEndpointAttribute(), new UnlimitedEndpointAttribute())
            .DisableHttpMetrics();

        endpoints.MapGet(LiveDataPath, (LiveMetrics live, HttpContext context, long? since) =>
            {
                context.Response.Headers.CacheControl = "no-store";
                return TypedResults.Json(live.Read(since ?? 0));
            })
            .RequireAuthorization(SchoolbelPolicies.Operator)
            // The operator must see the overload while it happens: admitted last of all, like a save.
            .WithMetadata(new PlatformEndpointAttribute(), new Admission.AdmissionPriorityAttribute(Admission.RequestPriority.Critical))
            // Polled every two seconds while the page is open: not traffic worth counting.
            .DisableHttpMetrics()
            .ExcludeFromDescription();
    }
}
