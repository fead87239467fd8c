using System.Collections.Frozen;
using System.Net;
using Microsoft.Extensions.Options;

namespace Schoolbel.Server.Schools;

/// <summary>Configuration section <c>Tenancy</c>.</summary>
public sealed class TenancyOptions
{
    public const string Section = "Tenancy";

    /// <summary>
    /// When set (e.g. <c>schoolbel.be</c>) the school comes from the host name
    /// <c>{code}.schoolbel.be</c>; otherwise from the first path segment <c>/{code}/...</c>.
    /// </summary>
    public string? Domain { get; set; }
}

/// <summary>
/// Resolves the school once per request, before anything else looks at it. In path mode the
/// <c>/{code}</c> prefix moves into <see cref="HttpRequest.PathBase"/>, so pages and links are
/// written once without the code, and cookies are scoped to the school's path by default.
/// </summary>
internal sealed class TenancyMiddleware(RequestDelegate next, SchoolDirectory directory, IOptions<TenancyOptions> options)
{
    /// <summary>First path segments that belong to the platform, never to a school. School codes may not use them.</summary>
    public static readonly FrozenSet<string> PlatformSegments = FrozenSet.ToFrozenSet(
        ["api", "health", "metrics", "openapi", "scalar", "ops", "welcome", "language", "css", "js", "favicon.ico", "_framework", "_content"],
        StringComparer.OrdinalIgnoreCase);

    public async Task InvokeAsync(HttpContext context, SchoolScope scope)
    {
        var domain = options.Value.Domain;
        if (!string.IsNullOrEmpty(domain))
        {
            var host = context.Request.Host.Host;
            if (host.EndsWith("." + domain, StringComparison.OrdinalIgnoreCase))
            {
                var code = host[..^(domain.Length + 1)].ToLowerInvariant();
                var school = await directory.FindByCodeAsync(code, context.RequestAborted);
                if (school is null)
                {
                    await WriteUnknownSchoolAsync(context, code);
                    return;
                }

                scope.Enter(school);
            }

            await next(context);
            return;
        }

        var path = context.Request.Path.Value ?? "/";
        var segmentEnd = path.IndexOf('/', 1);
        var segment = segmentEnd < 0 ? path[1..] : path[1..segmentEnd];
        if (segment.Length == 0)
        {
            context.Response.Redirect(context.Request.PathBase + "/welcome");
            return;
        }

        if (PlatformSegments.Contains(segment))
        {
            await next(context);
            return;
        }

        var found = await directory.FindByCodeAsync(segment, context.RequestAborted);
        if (found is null)
        {
            await WriteUnknownSchoolAsync(context, segment);
            return;
        }

        if (segmentEnd < 0)
        {
            // "/sint-jan" -> "/sint-jan/" so relative links and the cookie path line up.
            context.Response.Redirect(context.Request.PathBase + path + "/" + context.Request.QueryString);
            return;
        }

        scope.Enter(found);
        var originalBase = context.Request.PathBase;
        var originalPath = context.Request.Path;
        context.Request.PathBase = originalBase.Add("/" + found.Code);
        context.Request.Path = path[segmentEnd..];
        try
        {
            await next(context);
        }
        finally
        {
            context.Request.PathBase = originalBase;
            context.Request.Path = originalPath;
        }
    }

    private static async Task WriteUnknownSchoolAsync(HttpContext context, string code)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        if (context.Request.Path.StartsWithSegments("/api") || !AcceptsHtml(context.Request))
        {
            await Results.Problem(statusCode: 404, title: "Unknown school", detail: $"There is no school with code '{code}'.")
                .ExecuteAsync(context);
            return;
        }

        context.Response.ContentType = "text/html; charset=utf-8";
        var safe = WebUtility.HtmlEncode(code);
        await context.Response.WriteAsync($$"""
            <!doctype html><html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>School niet gevonden · Schoolbel</title><link rel="stylesheet" href="/css/site.css"></head>
            <body><main class="narrow"><h1>School niet gevonden</h1>
            <p>Er is geen school met de code <strong>{{safe}}</strong>. Controleer de link die je school gaf.</p>
            <p lang="en">There is no school with the code <strong>{{safe}}</strong>.</p>
            <p><a href="/welcome">Naar de startpagina</a></p></main></body></html>
            """);
    }

    private static bool AcceptsHtml(HttpRequest request) =>
        request.Headers.Accept.Count == 0 || request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);
}
