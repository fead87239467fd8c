using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Schoolbel.Server.Scaling;

internal static class ScalingServiceCollectionExtensions
{
    /// <summary>
    /// Redis for what several nodes share, when <c>Redis:Configuration</c> is set; without it the
    /// same services exist and do nothing, so callers need no "is there Redis" branches.
    /// </summary>
    public static IServiceCollection AddSchoolbelScaling(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RedisOptions>()
            .Bind(configuration.GetSection(RedisOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => RedisOptions.Problem(o) is null, "Redis:Configuration is not a valid StackExchange.Redis connection string (e.g. 'redis.internal:6379,password=…').")
            .ValidateOnStart();
        if (configuration.GetSection(RedisOptions.Section).Get<RedisOptions>() is { IsConfigured: true })
        {
            // One multiplexer for the process, as StackExchange.Redis intends. With
            // AbortOnConnectFail=false this returns even when Redis is down, and reconnects by itself.
            services.AddSingleton<IConnectionMultiplexer>(sp =>
                ConnectionMultiplexer.Connect(sp.GetRequiredService<IOptions<RedisOptions>>().Value.ToClientOptions()));
        }

        services.AddSingleton<RedisGate>();
        services.AddSingleton<ClusterBus>();
        services.AddHostedService<ClusterLinks>();
        services.AddHostedService(sp => sp.GetRequiredService<ClusterBus>());
        return services;
    }
}
