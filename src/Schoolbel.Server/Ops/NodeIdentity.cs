using System.Globalization;
using Microsoft.Extensions.Options;

namespace Schoolbel.Server.Ops;

/// <summary>Configuration section <c>Node</c>: which of several identical servers this is.</summary>
public sealed class NodeOptions
{
    public const string Section = "Node";

    public const int MaxNameLength = 64;

    /// <summary>
    /// A short name for this node, shown on the operator pages, in the <c>X-Schoolbel-Node</c>
    /// header of health checks and as OpenTelemetry's <c>service.instance.id</c>. Empty: the
    /// machine name and the port it listens on (or the process id).
    /// </summary>
    public string? Name { get; set; }

    /// <summary>The name this node goes by, from the settings or made up from where it runs.</summary>
    public static string Resolve(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var configured = configuration[$"{Section}:{nameof(Name)}"];
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured.Trim();
        }

        // Several nodes on one machine differ by port; "urls" is where Kestrel listens
        // (also when set through ASPNETCORE_URLS), and our default when nothing is set.
        var urls = configuration["urls"] is { Length: > 0 } set ? set : SchoolbelApp.DefaultUrl;
        var first = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
        // Kestrel accepts wildcard hosts that Uri does not: http://*:8080, http://+:8080.
        var parsable = first.Replace("://*", "://any", StringComparison.Ordinal).Replace("://+", "://any", StringComparison.Ordinal);
        var suffix = Uri.TryCreate(parsable, UriKind.Absolute, out var uri) && !uri.IsDefaultPort && uri.Port > 0
            ? uri.Port.ToString(CultureInfo.InvariantCulture)
            : "pid" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        // A machine name may hold characters a header should not; the name must pass Problem().
        var machine = new string([.. Environment.MachineName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '-')]);
        var name = $"{machine}-{suffix}";
        return name.Length > MaxNameLength ? name[^MaxNameLength..] : name;
    }

    /// <summary>What is wrong with the name, or null. It goes into a header, so only plain characters.</summary>
    public static string? Problem(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Length is 0 or > MaxNameLength || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            ? $"Node:Name '{name}' must be 1 to {MaxNameLength} letters, digits, '-', '_' or '.'."
            : null;
    }
}

/// <summary>This node's name, resolved once at start.</summary>
public sealed class NodeIdentity(string name)
{
    public const string Header = "X-Schoolbel-Node";

    public string Name { get; } = name;
}

internal static class NodeServiceCollectionExtensions
{
    public static IServiceCollection AddSchoolbelNode(this IServiceCollection services, IConfiguration configuration)
    {
        var name = NodeOptions.Resolve(configuration);
        services.AddOptions<NodeOptions>()
            .Bind(configuration.GetSection(NodeOptions.Section))
            .Validate(_ => NodeOptions.Problem(name) is null, NodeOptions.Problem(name) ?? "Node:Name is not valid.")
            .ValidateOnStart();
        services.AddSingleton(new NodeIdentity(name));
        return services;
    }

    /// <summary>
    /// Names the node on health checks and operator pages, so an operator (or the cluster script)
    /// behind a load balancer can tell which node answered. Not on public pages: a machine name
    /// tells an outsider nothing useful, and a load balancer should stay one address to them.
    /// </summary>
    public static void UseSchoolbelNodeHeader(this IApplicationBuilder app)
    {
        var name = app.ApplicationServices.GetRequiredService<NodeIdentity>().Name;
        app.Use((HttpContext context, RequestDelegate next) =>
        {
            var path = context.Request.Path;
            if (path.StartsWithSegments("/health") || path.StartsWithSegments("/ops"))
            {
                context.Response.Headers[NodeIdentity.Header] = name;
            }

            return next(context);
        });
    }
}
