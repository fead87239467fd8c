using System.Collections.Concurrent;
using System.Text.Json;
using StackExchange.Redis;

namespace Schoolbel.Server.Scaling;

/// <summary>
/// Tells the other nodes to forget what they cached: one Redis pub/sub channel, messages of a
/// kind (cache tags, ended sessions, the list of schools) with a list of items. The node that
/// sends has already forgotten locally (synchronously, before it answered); the others follow
/// within a round trip. Pub/sub keeps nothing: a node that was cut off from Redis cannot know what
/// it missed, so whenever its subscription comes back it calls the <see cref="Resynced"/> handlers,
/// which drop everything that could be stale. Without Redis every call here does nothing.
/// </summary>
public sealed partial class ClusterBus : IHostedService, IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // How often the bus checks that it is subscribed: after a start without Redis, or a lost connection.
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    private readonly RedisGate _redis;
    private readonly TimeProvider _time;
    private readonly ILogger<ClusterBus> _logger;
    private readonly string _node = Guid.NewGuid().ToString("N");
    private readonly RedisChannel _channel;
    private readonly ConcurrentDictionary<string, Action<IReadOnlyList<string>>> _handlers = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<Action> _resynced = [];
    private readonly SemaphoreSlim _checking = new(1, 1);
    private ITimer? _timer;
    private volatile bool _subscribed;
    private int _lost;

    public ClusterBus(RedisGate redis, TimeProvider time, ILogger<ClusterBus> logger)
    {
        ArgumentNullException.ThrowIfNull(redis);
        _redis = redis;
        _time = time;
        _logger = logger;
        _channel = RedisChannel.Literal(redis.Name("invalidate"));
        if (redis.Multiplexer is { } multiplexer)
        {
            multiplexer.ConnectionFailed += OnConnectionFailed;
        }
    }

    /// <summary>True while this node hears the other nodes' messages.</summary>
    public bool IsListening => _subscribed && _redis.State == RedisState.Available;

    /// <summary>Handles messages of <paramref name="kind"/> from other nodes (one handler per kind).</summary>
    public void On(string kind, Action<IReadOnlyList<string>> handler) => _handlers[kind] = handler;

    /// <summary>Runs after this node may have missed messages (its subscription came back).</summary>
    public void Resynced(Action handler) => _resynced.Add(handler);

    /// <summary>Sends to the other nodes, in the background: the caller (a write) never waits or fails for it.</summary>
    public void Publish(string kind, IReadOnlyCollection<string> items)
    {
        if (!_redis.IsConfigured || items.Count == 0)
        {
            return;
        }

        var message = JsonSerializer.Serialize(new BusMessage(_node, kind, [.. items]), Json);
        _ = PublishAsync(message);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_redis.IsConfigured)
        {
            _timer = _time.CreateTimer(_ => _ = CheckAsync(), null, TimeSpan.Zero, CheckInterval);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _timer?.Dispose();
        if (_redis.Multiplexer is { } multiplexer)
        {
            multiplexer.ConnectionFailed -= OnConnectionFailed;
        }

        _checking.Dispose();
    }

    /// <summary>Subscribes when not yet subscribed, and resyncs after a lost connection; the timer calls it, tests may too.</summary>
    internal async Task CheckAsync()
    {
        if (_redis.Multiplexer is not { IsConnected: true } multiplexer || !await _checking.WaitAsync(0))
        {
            return;
        }

        try
        {
            if (!_subscribed)
            {
                await multiplexer.GetSubscriber().SubscribeAsync(_channel, (_, value) => Receive(value)).WaitAsync(TimeSpan.FromSeconds(5), _time);
                _subscribed = true;
                Interlocked.Exchange(ref _lost, 0);
                LogSubscribed(_logger);
                Resync();
            }
            else if (Interlocked.Exchange(ref _lost, 0) == 1)
            {
                // The client restores the subscription by itself; what was sent meanwhile is gone.
                Resync();
            }
        }
#pragma warning disable CA1031 // Tried again on the next check; meanwhile caches expire by their lifetime.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogSubscribeFailed(_logger, e);
        }
        finally
        {
            _checking.Release();
        }
    }

    private async Task PublishAsync(string message)
    {
        var sent = await _redis.TryAsync("publish", db => db.PublishAsync(_channel, message));
        if (sent is null)
        {
            LogPublishFailed(_logger);
        }
    }

    private void Receive(RedisValue value)
    {
        try
        {
            var message = JsonSerializer.Deserialize<BusMessage>(value.ToString(), Json);
            if (message is null || message.Node == _node || !_handlers.TryGetValue(message.Kind, out var handler))
            {
                return;
            }

            handler(message.Items);
        }
#pragma warning disable CA1031 // A bad message (another version, another deployment on the same prefix) must not stop the others.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogBadMessage(_logger, e);
        }
    }

    private void Resync()
    {
        foreach (var handler in _resynced)
        {
            handler();
        }
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e) => Interlocked.Exchange(ref _lost, 1);

    private sealed record BusMessage(string Node, string Kind, string[] Items);

    [LoggerMessage(Level = LogLevel.Information, Message = "Listening for other nodes' cache invalidations on Redis")]
    private static partial void LogSubscribed(ILogger logger);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Subscribing to Redis failed; trying again")]
    private static partial void LogSubscribeFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "An invalidation did not reach the other nodes (Redis unavailable); they see the change when their entries expire")]
    private static partial void LogPublishFailed(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignored a message from another node that could not be read")]
    private static partial void LogBadMessage(ILogger logger, Exception exception);
}
