namespace Schoolbel.Server.HotReads;

internal static class HotReadsServiceCollectionExtensions
{
    public static IServiceCollection AddSchoolbelHotReads(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HotReadsOptions>().Bind(configuration.GetSection(HotReadsOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => o.Lifetime > o.WarmUpLead, "HotReads:Lifetime must be longer than HotReads:WarmUpLead.")
            .ValidateOnStart();
        services.AddHybridCache();
        services.AddSingleton<HotCache>();
        services.AddSingleton<WarmUpStatus>();
        services.AddScoped<MorningWarmUp>();
        services.AddScoped<SchoolWarmUp>();
        services.AddScoped<MorningForecast>();
        services.AddHostedService<MorningWarmUpService>();
        return services;
    }
}
