using System.Net;

namespace Schoolbel.Peak.Targeting;

/// <summary>A request the simulator refused to send because it would leave the target.</summary>
internal sealed class OffTargetRequestException : Exception
{
    public OffTargetRequestException()
    {
    }

    public OffTargetRequestException(string message)
        : base(message)
    {
    }

    public OffTargetRequestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The one place that decides which server the simulator may talk to. A load generator that
/// follows a link or a redirect to another host is a denial-of-service tool, so every request
/// passes through <see cref="TargetGuardHandler"/> and the target itself must be loopback
/// unless the operator says otherwise.
/// </summary>
internal static class TargetGuard
{
    /// <summary>Checks a <c>--target</c> value; returns an error message or null.</summary>
    public static string? Validate(Uri target, bool allowRemote)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (!target.IsAbsoluteUri || (target.Scheme != Uri.UriSchemeHttp && target.Scheme != Uri.UriSchemeHttps))
        {
            return $"--target must be an absolute http:// or https:// URL, not '{target}'.";
        }

        if (!allowRemote && !IsLoopback(target))
        {
            return $"--target {target.Host} is not a loopback address; pass --allow-remote to load-test a server you operate elsewhere.";
        }

        return null;
    }

    public static bool IsLoopback(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (uri.IsLoopback)
        {
            return true;
        }

        return IPAddress.TryParse(uri.IdnHost, out var address) && IPAddress.IsLoopback(address);
    }

    /// <summary>Same scheme, host and port as the target: the only requests ever sent.</summary>
    public static bool IsOnTarget(Uri target, Uri request)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(request);
        return request.IsAbsoluteUri
            && string.Equals(request.Scheme, target.Scheme, StringComparison.OrdinalIgnoreCase)
            && string.Equals(request.IdnHost, target.IdnHost, StringComparison.OrdinalIgnoreCase)
            && request.Port == target.Port;
    }
}

/// <summary>Refuses, before any byte is sent, every request whose host is not the target's.</summary>
internal sealed class TargetGuardHandler(Uri target, HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.RequestUri is null || !TargetGuard.IsOnTarget(target, request.RequestUri))
        {
            throw new OffTargetRequestException($"Refused {request.RequestUri}: only {target.GetLeftPart(UriPartial.Authority)} may be contacted.");
        }

        return base.SendAsync(request, cancellationToken);
    }
}
