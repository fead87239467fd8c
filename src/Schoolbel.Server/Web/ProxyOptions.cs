using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Schoolbel.Server.Web;

/// <summary>
/// Configuration section <c>ForwardedHeaders</c>: which load balancers or reverse proxies may tell
/// us the client's address (<c>X-Forwarded-For</c>) and scheme (<c>X-Forwarded-Proto</c>). Empty
/// by default, and then the headers are ignored: anyone can send them, so believing them from
/// everyone would let a script pick a fresh address for every request and escape the per-address
/// budgets and sign-in throttling.
/// </summary>
public sealed class ProxyOptions
{
    public const string Section = "ForwardedHeaders";

    /// <summary>Addresses of the proxies in front of this node (<c>10.0.0.5</c>, <c>::1</c>).</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Networks the proxies live in, in CIDR notation (<c>10.0.0.0/24</c>).</summary>
    public List<string> KnownNetworks { get; set; } = [];

    /// <summary>
    /// How many proxies' entries are taken from the right of <c>X-Forwarded-For</c>. 1: one load
    /// balancer; anything further left was written by the client and is not believed.
    /// </summary>
    public int ForwardLimit { get; set; } = 1;

    public bool TrustsAnyProxy => KnownProxies.Count > 0 || KnownNetworks.Count > 0;

    /// <summary>What is wrong with the settings, or null.</summary>
    public static string? Problem(ProxyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ForwardLimit < 1)
        {
            return "ForwardedHeaders:ForwardLimit must be at least 1.";
        }

        if (options.KnownProxies.FirstOrDefault(p => !IPAddress.TryParse(p, out _)) is { } proxy)
        {
            return $"ForwardedHeaders:KnownProxies has '{proxy}', which is not an IP address.";
        }

        return options.KnownNetworks.FirstOrDefault(n => !System.Net.IPNetwork.TryParse(n, out _)) is { } network
            ? $"ForwardedHeaders:KnownNetworks has '{network}', which is not a network in CIDR notation (10.0.0.0/8)."
            : null;
    }
}

internal static class ProxyServiceCollectionExtensions
{
    public static IServiceCollection AddSchoolbelProxies(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ProxyOptions>()
            .Bind(configuration.GetSection(ProxyOptions.Section))
            .Validate(o => ProxyOptions.Problem(o) is null, "ForwardedHeaders is not valid; see docs/operations.md (Behind a load balancer).")
            .ValidateOnStart();
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ProxyOptions>>((forwarded, proxies) =>
        {
            var o = proxies.Value;
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            forwarded.ForwardLimit = o.ForwardLimit;
            // The defaults trust loopback. Ours trust only what the operator lists: a reverse proxy
            // on this machine must be listed too, so that it is a decision and not an accident.
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var proxy in o.KnownProxies)
            {
                forwarded.KnownProxies.Add(IPAddress.Parse(proxy));
            }

            foreach (var network in o.KnownNetworks)
            {
                forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });
        return services;
    }

    /// <summary>
    /// First in the pipeline, so every later step (admission's per-address budget, sign-in
    /// throttling, the QR sign-in networks, who may read /metrics, the logs) sees the client's
    /// address. Left out entirely when no proxy is trusted: the middleware believes every sender
    /// when its lists are empty, which is the opposite of what an empty setting should mean.
    /// </summary>
    public static void UseSchoolbelForwardedHeaders(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<ProxyOptions>>().Value.TrustsAnyProxy)
        {
            app.UseForwardedHeaders();
        }
    }
}
