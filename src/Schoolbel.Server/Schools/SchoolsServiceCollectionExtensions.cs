namespace Schoolbel.Server.Schools;

internal static class SchoolsServiceCollectionExtensions
{
    public static IServiceCollection AddSchoolbelSchools(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TenancyOptions>()
            .Bind(configuration.GetSection(TenancyOptions.Section))
            .Validate(o => o.Domain is null || !o.Domain.StartsWith('.'), "Tenancy:Domain is a domain such as 'schoolbel.be', without a leading dot.")
            .ValidateOnStart();
        services.AddSingleton<SchoolDirectory>();
        services.AddScoped<SchoolsAdmin>();
        return services;
    }
}
