using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Schoolbel.Server.Admission;
using Schoolbel.Server.Data;

namespace Schoolbel.Server.Web;

/// <summary>
/// A database that is away for a moment (a restart, a failover, no free connection, a locked
/// SQLite file) is not a bug: the request gets 503 with Retry-After, as problem+json for API
/// clients and as a short Dutch page for browsers, instead of a 500. The load balancer's health
/// checks take the node out soon after; this covers the requests in flight until then.
/// </summary>
/// <remarks>
/// Only exceptions are mapped, so a request that committed and then answered normally is never
/// turned into a 503. One case stays honest but uncertain: a connection that breaks during the
/// COMMIT itself, where nobody can know whether it landed; hand-ins carry an idempotency key, so
/// sending them again is safe, and the page says so.
/// </remarks>
internal sealed partial class DatabaseUnavailableExceptionHandler(
    IProblemDetailsService problems,
    TimeProvider time,
    ILogger<DatabaseUnavailableExceptionHandler> logger) : IExceptionHandler
{
    public const string ProblemType = "https://schoolbel.be/problems/database-unavailable";

    // During an outage every request of every user fails the same way; one line a second with a
    // count says as much as a thousand, and no stack trace is needed for "the database is away".
    private static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(1);

    private long _nextLogAt;
    private int _unlogged;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (TransientDatabaseFailure.Find(exception) is not { } cause || httpContext.Response.HasStarted)
        {
            return false;
        }

        Log(httpContext.Request, cause);

        // A few seconds, spread a little so the clients do not all come back in the same instant.
        var retryAfter = 2 + Random.Shared.Next(3);
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        response.Headers.CacheControl = "no-store";

        if (RequestClassifier.WantsJson(httpContext.Request))
        {
            var problem = new ProblemDetails
            {
                Type = ProblemType,
                Title = "Service unavailable",
                Status = StatusCodes.Status503ServiceUnavailable,
                Detail = "Schoolbel cannot reach its database for a moment. Send the request again after Retry-After seconds; "
                    + "a hand-in with the same Idempotency-Key is never stored twice.",
                Extensions = { ["retryAfterSeconds"] = retryAfter },
            };
            if (!await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem }))
            {
                // The client's Accept header rules out JSON; it still gets the problem, as the API promises.
                response.ContentType = "application/problem+json";
                await response.WriteAsJsonAsync(problem, (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json", cancellationToken);
            }

            return true;
        }

        await WritePageAsync(httpContext, retryAfter, cancellationToken);
        return true;
    }

    private static Task WritePageAsync(HttpContext context, int retryAfter, CancellationToken cancellationToken)
    {
        var request = context.Request;
        var isGet = HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method);
        var seconds = retryAfter.ToString(CultureInfo.InvariantCulture);

        // A meta refresh needs no script (so no CSP exception) and asks for the same page again.
        // A form is never sent again by itself: the person decides, after reading what happened.
        var target = WebUtility.HtmlEncode(request.PathBase + request.Path + request.QueryString);
        var refresh = isGet ? $"""<meta http-equiv="refresh" content="{seconds};url={target}">""" : string.Empty;
        var what = isGet
            ? "Deze pagina laadt vanzelf opnieuw over enkele seconden."
            : "Je formulier is misschien niet verwerkt. Ga terug en verstuur het over enkele seconden opnieuw; een inzending wordt nooit dubbel bewaard.";
        var whatEn = isGet
            ? "This page reloads by itself in a few seconds."
            : "Your form may not have been processed. Go back and send it again in a few seconds; a hand-in is never stored twice.";

        context.Response.ContentType = "text/html; charset=utf-8";
        var page = $"""
            <!doctype html><html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            {refresh}<meta name="robots" content="noindex">
            <title>Even niet bereikbaar · Schoolbel</title><link rel="stylesheet" href="/css/site.css"></head>
            <body><main class="narrow waiting" data-retry-after="{seconds}">
            <h1>Schoolbel is even niet bereikbaar</h1>
            <p>Probeer het zo opnieuw. {what}</p>
            <p lang="en">Schoolbel cannot be reached for a moment. {whatEn}</p>
            </main></body></html>
            """;
        return context.Response.WriteAsync(page, cancellationToken);
    }

    private void Log(HttpRequest request, Exception cause)
    {
        var now = time.GetTimestamp();
        var next = Interlocked.Read(ref _nextLogAt);
        if (now < next || Interlocked.CompareExchange(ref _nextLogAt, now + (long)(LogInterval.TotalSeconds * time.TimestampFrequency), next) != next)
        {
            Interlocked.Increment(ref _unlogged);
            return;
        }

        var reason = cause is Npgsql.PostgresException postgres ? $"{postgres.SqlState} {postgres.MessageText}" : cause.Message;
        LogUnavailable(logger, request.Method, request.Path, cause.GetType().Name, reason, Interlocked.Exchange(ref _unlogged, 0));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database unavailable, answered 503 to {Method} {Path}: {ExceptionType}: {Reason} ({Unlogged} more 503s since the last of these lines)")]
    private static partial void LogUnavailable(ILogger logger, string method, PathString path, string exceptionType, string reason, int unlogged);
}
