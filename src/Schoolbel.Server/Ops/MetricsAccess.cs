using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Schoolbel.Server.Ops;

/// <summary>
/// Configuration section <c>Ops</c>: who may read <c>/metrics</c>. Metrics name every school and
/// show how loaded the node is, so they are not public: by default only this machine may scrape.
/// </summary>
public sealed class MetricsOptions
{
    public const string Section = "Ops";

    /// <summary>
    /// A secret a scraper may send as <c>Authorization: Bearer …</c>, from any address. At least
    /// 32 characters. Empty: no token is accepted.
    /// </summary>
    public string? MetricsToken { get; set; }

    /// <summary>
    /// Networks whose scrapers need no token, in CIDR notation (<c>10.0.0.0/8</c>,
    /// <c>fd00::/8</c>) or single addresses (<c>10.1.2.3</c>).
    /// </summary>
    public List<string> MetricsNetworks { get; set; } = [];

    /// <summary>
    /// This machine (loopback, and transports without an address such as a Unix socket) may scrape
    /// without a token. Turn off when a reverse proxy on this machine forwards outside traffic.
    /// </summary>
    public bool MetricsAllowLoopback { get; set; } = true;
}

/// <summary>What a <c>/metrics</c> request gets.</summary>
internal enum MetricsAccessResult
{
    Allowed,

    /// <summary>A token is configured, and the request did not bring it (or brought a wrong one).</summary>
    Unauthorized,

    /// <summary>No token is configured and the address is not allowed: as if there were no such page.</summary>
    NotFound,
}

/// <summary>Decides who may read <c>/metrics</c>, from <see cref="MetricsOptions"/>.</summary>
internal sealed class MetricsAccess
{
    public const int MinimumTokenLength = 32;

    private readonly byte[]? _tokenHash;
    private readonly IPNetwork[] _networks;
    private readonly bool _allowLoopback;

    public MetricsAccess(IOptions<MetricsOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var value = options.Value;
        _tokenHash = string.IsNullOrEmpty(value.MetricsToken) ? null : Hash(value.MetricsToken);
        _networks = value.MetricsNetworks.Select(n => ParseNetwork(n) ?? throw new OptionsValidationException(
            MetricsOptions.Section, typeof(MetricsOptions), [Problem(value)!])).ToArray();
        _allowLoopback = value.MetricsAllowLoopback;
    }

    /// <summary>Null when <paramref name="options"/> are usable, else what is wrong with them.</summary>
    public static string? Problem(MetricsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!string.IsNullOrEmpty(options.MetricsToken) && options.MetricsToken.Length < MinimumTokenLength)
        {
            return $"Ops:MetricsToken must be at least {MinimumTokenLength} characters (or empty for none).";
        }

        var bad = options.MetricsNetworks.Where(n => ParseNetwork(n) is null).ToList();
        return bad.Count == 0
            ? null
            : $"Ops:MetricsNetworks has entries that are neither a network in CIDR notation (10.0.0.0/8) " +
              $"nor an address: {string.Join(", ", bad)}.";
    }

    /// <summary>A network (<c>10.0.0.0/8</c>) or a single address (<c>10.1.2.3</c>); null when it is neither.</summary>
    private static IPNetwork? ParseNetwork(string? text)
    {
        text = text?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (IPNetwork.TryParse(text, out var network))
        {
            return network;
        }

        return IPAddress.TryParse(text, out var address) && !text.Contains('/', StringComparison.Ordinal)
            ? new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128)
            : null;
    }

    public MetricsAccessResult Check(IPAddress? remote, string? authorization)
    {
        if (_tokenHash is not null && authorization is not null
            && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            // Hashing first makes the comparison constant-time whatever the length sent.
            var sent = Hash(authorization["Bearer ".Length..].Trim());
            return CryptographicOperations.FixedTimeEquals(sent, _tokenHash)
                ? MetricsAccessResult.Allowed
                : MetricsAccessResult.Unauthorized;
        }

        if (remote is { IsIPv4MappedToIPv6: true })
        {
            remote = remote.MapToIPv4();
        }

        // No address: the in-process test server, a Unix socket or a named pipe, all on this machine.
        var local = remote is null || IPAddress.IsLoopback(remote);
        if ((local && _allowLoopback) || (remote is not null && _networks.Any(n => n.Contains(remote))))
        {
            return MetricsAccessResult.Allowed;
        }

        return _tokenHash is null ? MetricsAccessResult.NotFound : MetricsAccessResult.Unauthorized;
    }

    /// <summary>Runs in front of the Prometheus exporter on its endpoint.</summary>
    public async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        switch (Check(context.Connection.RemoteIpAddress, context.Request.Headers.Authorization.ToString() is { Length: > 0 } h ? h : null))
        {
            case MetricsAccessResult.Allowed:
                await next();
                return;
            case MetricsAccessResult.Unauthorized:
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = "Bearer realm=\"metrics\"";
                return;
            default:
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
        }
    }

    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
