using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Schoolbel.Server.Admission;

/// <summary>
/// The honest answers: written from memory within milliseconds, no database, no view engine. Each
/// carries Retry-After (so browsers, scripts and the peak simulator can tell waiting from failing)
/// and <c>Cache-Control: no-store</c>. Pages refresh themselves after that many seconds; the
/// caller adds jitter so a line of thousands does not come back in the same second.
/// </summary>
internal static class WaitingAnswers
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The waiting room: a visitor's place in line and an estimate.</summary>
    public static Task WriteWaitingRoomAsync(HttpContext context, WaitingPlace place, int retryAfterSeconds)
    {
        var estimate = place.EstimatedWait is { } wait ? (int?)Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : null;
        if (RequestClassifier.WantsJson(context.Request))
        {
            return WriteProblemAsync(context, StatusCodes.Status429TooManyRequests, retryAfterSeconds, new WaitingProblem(
                "https://schoolbel.be/problems/waiting-room",
                "Waiting room",
                StatusCodes.Status429TooManyRequests,
                "Schoolbel is very busy. You have a place in line; try again after Retry-After seconds.",
                retryAfterSeconds,
                place.Position,
                estimate));
        }

        var waitText = estimate is { } seconds
            ? string.Create(CultureInfo.InvariantCulture, $"Geschatte wachttijd: {Describe(seconds)}.")
            : "We schatten je wachttijd zodra de eerste mensen weer binnen mogen.";
        var waitTextEn = estimate is { } s2
            ? string.Create(CultureInfo.InvariantCulture, $"Estimated wait: {DescribeEn(s2)}.")
            : "We can estimate your wait as soon as people are let in again.";
        var body = string.Create(CultureInfo.InvariantCulture, $"""
            <h1>Even geduld, je bent in de rij</h1>
            <p class="waiting-place">Je plaats in de rij: <strong>{place.Position}</strong></p>
            <p class="waiting-estimate">{waitText}</p>
            <p>Iedereen begint tegelijk aan de schooldag. Deze pagina ververst vanzelf en laat je binnen zodra er plaats is.
            Vernieuw niet zelf: je plaats blijft bewaard.</p>
            <p lang="en">Everyone is starting the school day at once. You are number {place.Position} in line. {waitTextEn}
            This page refreshes by itself.</p>
            """);
        return WritePageAsync(context, StatusCodes.Status503ServiceUnavailable, retryAfterSeconds, "Even geduld", body);
    }

    /// <summary>The server is full right now for someone already in (signed in or admitted).</summary>
    public static Task WriteBusyAsync(HttpContext context, int retryAfterSeconds)
    {
        if (RequestClassifier.WantsJson(context.Request))
        {
            return WriteProblemAsync(context, StatusCodes.Status429TooManyRequests, retryAfterSeconds, new WaitingProblem(
                "https://schoolbel.be/problems/busy",
                "Busy",
                StatusCodes.Status429TooManyRequests,
                "Schoolbel is at capacity for a moment. Nothing was changed; send the same request again after Retry-After seconds.",
                retryAfterSeconds,
                null,
                retryAfterSeconds));
        }

        var isGet = HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method);
        var what = isGet
            ? "Deze pagina laadt vanzelf opnieuw binnen enkele seconden."
            : "Je formulier is niet verstuurd en er is niets gewijzigd. Ga terug en verstuur het over enkele seconden opnieuw.";
        var whatEn = isGet
            ? "This page reloads by itself in a few seconds."
            : "Your form was not sent and nothing was changed. Go back and send it again in a few seconds.";
        var body = $"""
            <h1>Even druk</h1>
            <p>Schoolbel is heel even vol. {what}</p>
            <p lang="en">Schoolbel is full for a moment. {whatEn}</p>
            """;
        return WritePageAsync(context, StatusCodes.Status503ServiceUnavailable, retryAfterSeconds, "Even druk", body, refresh: isGet);
    }

    /// <summary>One address or user sent far more than a person would.</summary>
    public static Task WriteTooManyAsync(HttpContext context, int retryAfterSeconds)
    {
        if (RequestClassifier.WantsJson(context.Request))
        {
            return WriteProblemAsync(context, StatusCodes.Status429TooManyRequests, retryAfterSeconds, new WaitingProblem(
                "https://schoolbel.be/problems/too-many-requests",
                "Too many requests",
                StatusCodes.Status429TooManyRequests,
                "Too many requests from this address or account. Slow down and try again after Retry-After seconds.",
                retryAfterSeconds,
                null,
                retryAfterSeconds));
        }

        const string Body = """
            <h1>Te veel verzoeken</h1>
            <p>Er komen van jouw toestel of account veel meer verzoeken dan iemand kan klikken. Wacht even en probeer het dan opnieuw.</p>
            <p lang="en">Too many requests from your device or account. Wait a moment and try again.</p>
            """;
        return WritePageAsync(context, StatusCodes.Status429TooManyRequests, retryAfterSeconds, "Te veel verzoeken", Body, refresh: false);
    }

    private static void SetHeaders(HttpContext context, int status, int retryAfterSeconds)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.Headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        response.Headers.CacheControl = "no-store";
    }

    private static async Task WriteProblemAsync(HttpContext context, int status, int retryAfterSeconds, WaitingProblem problem)
    {
        SetHeaders(context, status, retryAfterSeconds);
        context.Response.ContentType = "application/problem+json";
        await JsonSerializer.SerializeAsync(context.Response.Body, problem, Json, context.RequestAborted);
    }

    private static Task WritePageAsync(HttpContext context, int status, int retryAfterSeconds, string title, string body, bool refresh = true)
    {
        SetHeaders(context, status, retryAfterSeconds);
        context.Response.ContentType = "text/html; charset=utf-8";

        // A meta refresh needs no script (so no CSP exception), and comes back to the same address.
        var target = WebUtility.HtmlEncode(context.Request.PathBase + context.Request.Path + context.Request.QueryString);
        var meta = refresh
            ? string.Create(CultureInfo.InvariantCulture, $"""<meta http-equiv="refresh" content="{retryAfterSeconds};url={target}">""")
            : string.Empty;
        var page = $"""
            <!doctype html><html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            {meta}<meta name="robots" content="noindex">
            <title>{title} · Schoolbel</title><link rel="stylesheet" href="/css/site.css"></head>
            <body><main class="narrow waiting" data-retry-after="{retryAfterSeconds.ToString(CultureInfo.InvariantCulture)}">
            {body}
            </main></body></html>
            """;
        return context.Response.WriteAsync(page, context.RequestAborted);
    }

    private static string Describe(int seconds) => seconds switch
    {
        < 60 => "minder dan een minuut",
        < 90 => "ongeveer 1 minuut",
        _ => string.Create(CultureInfo.InvariantCulture, $"ongeveer {(int)Math.Round(seconds / 60.0)} minuten"),
    };

    private static string DescribeEn(int seconds) => seconds switch
    {
        < 60 => "less than a minute",
        < 90 => "about 1 minute",
        _ => string.Create(CultureInfo.InvariantCulture, $"about {(int)Math.Round(seconds / 60.0)} minutes"),
    };

    /// <summary>RFC 9457 problem details with the waiting fields an API client needs.</summary>
    private sealed record WaitingProblem(
        string Type,
        string Title,
        int Status,
        string Detail,
        int RetryAfterSeconds,
        long? Position,
        int? EstimatedWaitSeconds);
}
