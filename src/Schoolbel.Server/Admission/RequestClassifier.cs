namespace Schoolbel.Server.Admission;

/// <summary>Decides a request's priority from its endpoint, its purpose and who sends it.</summary>
internal static class RequestClassifier
{
    /// <summary>Clients mark refreshes, counters and prefetches with this header (value <c>background</c>).</summary>
    public const string PriorityHeader = "X-Schoolbel-Priority";

    public static RequestPriority PriorityOf(HttpContext context, bool signedIn)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<AdmissionPriorityAttribute>() is { } declared)
        {
            return declared.Priority;
        }

        var request = context.Request;
        if (IsBackground(request))
        {
            return RequestPriority.Sheddable;
        }

        // "A signed-in user submitting work or saving": losing it costs the most, so it goes last.
        var writes = !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && !HttpMethods.IsOptions(request.Method);
        return signedIn && writes ? RequestPriority.Critical : RequestPriority.Normal;
    }

    public static bool IsLoadSignal(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<NotALoadSignalAttribute>() is null;

    /// <summary>Answers for API clients are JSON; everything else gets a page.</summary>
    public static bool WantsJson(HttpRequest request)
    {
        if (request.Path.StartsWithSegments("/api"))
        {
            return true;
        }

        var accept = request.Headers.Accept.ToString();
        return accept.Length > 0 && !accept.Contains("text/html", StringComparison.OrdinalIgnoreCase)
            && accept.Contains("json", StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsBackground(HttpRequest request)
    {
        var declared = request.Headers[PriorityHeader].ToString();
        if (declared.Equals("background", StringComparison.OrdinalIgnoreCase) || declared.Equals("sheddable", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        // Browsers mark speculative loads; nobody looks at them yet.
        return request.Headers["Sec-Purpose"].ToString().Contains("prefetch", StringComparison.OrdinalIgnoreCase)
            || request.Headers["Purpose"].ToString().Contains("prefetch", StringComparison.OrdinalIgnoreCase);
    }
}
