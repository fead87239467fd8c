namespace Schoolbel.Server.Jobs;

internal static class JobsServiceCollectionExtensions
{
    public static IServiceCollection AddSchoolbelJobs(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<JobsOptions>().Bind(configuration.GetSection(JobsOptions.Section))
            .Validate(o => o.PollInterval > TimeSpan.Zero, "Jobs:PollInterval must be positive.")
            .Validate(o => o.Lease >= TimeSpan.FromSeconds(3), "Jobs:Lease must be at least 3 seconds.")
            .Validate(o => o.MaxAttempts >= 1, "Jobs:MaxAttempts must be at least 1.")
            .Validate(o => o.RetryDelay > TimeSpan.Zero && o.MaxRetryDelay >= o.RetryDelay, "Jobs:RetryDelay must be positive and at most Jobs:MaxRetryDelay.")
            .Validate(o => o.NodeName is null || o.NodeName.Length <= 200, "Jobs:NodeName has at most 200 characters.")
            .ValidateOnStart();
        services.AddScoped<JobQueue>();
        services.AddScoped<JobsOverview>();
        services.AddSingleton<JobRunner>();
        services.AddSingleton<IJobHandler, JobHousekeeping>();
        services.AddSingleton(new RecurringJob(JobHousekeeping.JobKind, JobHousekeeping.Interval));
        services.AddHostedService<JobRunnerService>();
        return services;
    }
}
