using System.Net;
using System.Text.Json;
using Lib.Net.Http.WebPush;
using Lib.Net.Http.WebPush.Authentication;
using Microsoft.Extensions.Options;

namespace Schoolbel.Server.Notifications;

public enum PushOutcome
{
    Sent,
    Failed,

    /// <summary>The browser unsubscribed (404/410): the subscription should be forgotten.</summary>
    Gone,
}

/// <summary>
/// Web push (RFC 8030, encrypted per RFC 8291, VAPID per RFC 8292) with Lib.Net.Http.WebPush.
/// Off unless both VAPID keys are configured. The payload is a title and a path, never a message body.
/// The HTTP client comes from the factory (named <see cref="HttpClientName"/>), so its connections
/// are recycled and its timeout and TLS settings are configured in one place.
/// </summary>
public sealed partial class PushSender : IDisposable
{
    public const string HttpClientName = "WebPush";

    private readonly VapidAuthentication? _vapid;
    private readonly IHttpClientFactory _clients;
    private readonly ILogger<PushSender> _logger;

    public PushSender(IOptions<NotificationsOptions> options, IHttpClientFactory clients, ILogger<PushSender> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _clients = clients;
        _logger = logger;
        var settings = options.Value;
        if (!string.IsNullOrEmpty(settings.PushPublicKey) && !string.IsNullOrEmpty(settings.PushPrivateKey))
        {
            PublicKey = settings.PushPublicKey;
            _vapid = new VapidAuthentication(settings.PushPublicKey, settings.PushPrivateKey) { Subject = settings.PushSubject };
        }
    }

    public bool Enabled => _vapid is not null;

    /// <summary>The VAPID public key browsers subscribe with (null when push is off).</summary>
    public string? PublicKey { get; }

    public async Task<PushOutcome> SendAsync(PushSubscriptionRecord subscription, string title, string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        if (_vapid is null)
        {
            return PushOutcome.Failed;
        }

        // The "vapid" scheme of RFC 8292 (one Authorization header with the token and the key), which every push service takes.
        var client = new PushServiceClient(_clients.CreateClient(HttpClientName))
        {
            DefaultAuthentication = _vapid,
            DefaultAuthenticationScheme = VapidAuthenticationScheme.Vapid,
        };

        var target = new PushSubscription { Endpoint = subscription.Endpoint };
        target.SetKey(PushEncryptionKeyName.P256DH, subscription.P256dh);
        target.SetKey(PushEncryptionKeyName.Auth, subscription.Auth);
        var payload = JsonSerializer.Serialize(new { title, url = path });
        try
        {
            await client.RequestPushMessageDeliveryAsync(target, new PushMessage(payload) { TimeToLive = 24 * 3600, Urgency = PushMessageUrgency.Normal }, cancellationToken);
            return PushOutcome.Sent;
        }
        catch (PushServiceClientException e) when (e.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone)
        {
            return PushOutcome.Gone;
        }
        catch (Exception e) when (e is PushServiceClientException or HttpRequestException or TaskCanceledException)
        {
            LogFailed(_logger, new Uri(subscription.Endpoint).Host, e.Message);
            return PushOutcome.Failed;
        }
    }

    public void Dispose() => _vapid?.Dispose();

    /// <summary>The "t=..., k=..." parameter of a VAPID Authorization header for <paramref name="audience"/> (an origin).</summary>
    internal string? VapidParameter(string audience) => _vapid?.GetVapidSchemeAuthenticationHeaderValueParameter(audience);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Web push to {Host} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string host, string reason);
}

/// <summary>
/// Puts the push service's whole origin in the VAPID token's audience. RFC 8292 §2 asks for the
/// origin (RFC 6454: scheme, host and a non-default port), but Lib.Net.Http.WebPush 3.3 writes
/// only scheme and host, so a push service on another port than 443 would refuse the token. The
/// big push services (FCM, Mozilla, Apple) are on 443 and see no change.
/// </summary>
internal sealed class VapidAudienceHandler(PushSender sender) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.RequestUri is { IsDefaultPort: false } uri
            && string.Equals(request.Headers.Authorization?.Scheme, "vapid", StringComparison.OrdinalIgnoreCase)
            && sender.VapidParameter(uri.GetLeftPart(UriPartial.Authority)) is { } parameter)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("vapid", parameter);
        }

        return base.SendAsync(request, cancellationToken);
    }
}
