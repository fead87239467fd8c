namespace Schoolbel.Server.People;

internal static class PeopleServiceCollectionExtensions
{
    public static IServiceCollection AddSchoolbelPeople(this IServiceCollection services)
    {
        services.AddScoped<PeopleAdmin>();
        services.AddScoped<ClassesAdmin>();
        services.AddScoped<PeopleCsvImport>();
        return services;
    }
}
