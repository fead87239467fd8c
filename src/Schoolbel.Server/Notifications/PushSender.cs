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
/// </summary>
public sealed partial class PushSender
{
    private readonly PushServiceClient? _client;
    private readonly ILogger<PushSender> _logger;

    public PushSender(IOptions<NotificationsOptions> options, ILogger<PushSender> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _logger = logger;
        var settings = options.Value;
        if (!string.IsNullOrEmpty(settings.PushPublicKey) && !string.IsNullOrEmpty(settings.PushPrivateKey))
        {
            PublicKey = settings.PushPublicKey;
            _client = new PushServiceClient
            {
                DefaultAuthentication = new VapidAuthentication(settings.PushPublicKey, settings.PushPrivateKey) { Subject = settings.PushSubject },
            };
        }
    }

    public bool Enabled => _client is not null;

    /// <summary>The VAPID public key browsers subscribe with (null when push is off).</summary>
    public string? PublicKey { get; }

    public async Task<PushOutcome> SendAsync(PushSubscriptionRecord subscription, string title, string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        if (_client is null)
        {
            return PushOutcome.Failed;
        }

        var target = new PushSubscription { Endpoint = subscription.Endpoint };
        target.SetKey(PushEncryptionKeyName.P256DH, subscription.P256dh);
        target.SetKey(PushEncryptionKeyName.Auth, subscription.Auth);
        var payload = JsonSerializer.Serialize(new { title, url = path });
        try
        {
            await _client.RequestPushMessageDeliveryAsync(target, new PushMessage(payload) { TimeToLive = 24 * 3600, Urgency = PushMessageUrgency.Normal }, cancellationToken);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Web push to {Host} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string host, string reason);
}
