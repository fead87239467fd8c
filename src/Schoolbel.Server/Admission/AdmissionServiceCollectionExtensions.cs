namespace Schoolbel.Server.Admission;

internal static class AdmissionServiceCollectionExtensions
{
    public static IServiceCollection AddSchoolbelAdmission(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AdmissionOptions>()
            .Bind(configuration.GetSection(AdmissionOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => o.MinLimit <= o.MaxLimit, "Admission:MinLimit must not exceed Admission:MaxLimit.")
            .Validate(o => o.InitialLimit >= o.MinLimit && o.InitialLimit <= o.MaxLimit, "Admission:InitialLimit must lie between MinLimit and MaxLimit.")
            .Validate(o => o.ReservedForCritical + o.ReservedForNormal < 1, "Admission:ReservedForCritical + ReservedForNormal must stay below 1.")
            .Validate(o => o.QueueTimeout > TimeSpan.Zero && o.CriticalQueueTimeout > TimeSpan.Zero, "Admission queue timeouts must be positive.")
            .Validate(o => o.SampleWindow > TimeSpan.Zero && o.WaitingRoomTick > TimeSpan.Zero, "Admission:SampleWindow and WaitingRoomTick must be positive.")
            .ValidateOnStart();
        services.AddSingleton<AdaptiveConcurrencyLimiter>();
        services.AddSingleton<WaitingRoom>();
        services.AddSingleton<BrownOut>();
        services.AddSingleton<AbuseBudgets>();
        services.AddSingleton<AdmissionCookies>();
        services.AddSingleton<AdmissionHeartbeat>();
        services.AddSingleton<IAdmissionState>(sp => sp.GetRequiredService<AdmissionHeartbeat>());
        services.AddHostedService(sp => sp.GetRequiredService<AdmissionHeartbeat>());
        services.AddSingleton<AdmissionMetrics>();
        return services;
    }

    public static IApplicationBuilder UseSchoolbelAdmission(this IApplicationBuilder app) => app.UseMiddleware<AdmissionMiddleware>();
}
