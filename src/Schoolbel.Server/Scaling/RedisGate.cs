using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Schoolbel.Server.Scaling;

/// <summary>Whether this node works with the shared state in Redis right now.</summary>
public enum RedisState
{
    /// <summary>No <c>Redis:Configuration</c>: one node, everything in its own memory.</summary>
    NotConfigured,

    /// <summary>Redis answers: limits are shared and invalidations reach every node.</summary>
    Available,

    /// <summary>Redis does not answer (in time): limits per node, invalidations stay on their node.</summary>
    Unavailable,
}

/// <summary>
/// Every Redis call of this node goes through here: bounded by <see cref="RedisOptions.OperationTimeout"/>
/// and behind a circuit breaker, so a dead or slow Redis costs a request nothing (it is not even
/// tried while the breaker is open) and the caller falls back to its per-node state. Never throws
/// to the caller. Also the state shown by the health check, the operator page and the metrics.
/// </summary>
public sealed partial class RedisGate : IDisposable
{
    public const string MeterName = "Schoolbel.Redis";

    private readonly IConnectionMultiplexer? _redis;
    private readonly RedisOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<RedisGate> _logger;
    private readonly Meter _meter;
    private readonly Counter<long> _fallbacks;
    private readonly Lock _gate = new();
    private int _failures;
    private long _openUntil;
    private bool _trialRunning;
    private RedisState _state;
    private DateTimeOffset _since;
    private string? _lastError;

    public RedisGate(IOptions<RedisOptions> options, TimeProvider time, ILogger<RedisGate> logger, IMeterFactory meters, IConnectionMultiplexer? redis = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(meters);
        _options = options.Value;
        _time = time;
        _logger = logger;
        _redis = redis;
        _since = time.GetUtcNow();

        // Until the first call answers, a configured Redis counts as unavailable: better to
        // report "per node" for a moment than to claim shared limits that are not there.
        _state = redis is null ? RedisState.NotConfigured : RedisState.Unavailable;
        if (redis is not null)
        {
            redis.ConnectionFailed += OnConnectionFailed;
            redis.ConnectionRestored += OnConnectionRestored;
            if (!redis.IsConnected)
            {
                _lastError = "Geen verbinding bij de start";
                LogUnavailable(logger, null, _options.BreakerOpenFor.TotalSeconds);
            }
        }

        _meter = meters.Create(MeterName);
        _meter.CreateObservableGauge("schoolbel.redis.available", () => State == RedisState.Available ? 1 : 0, description: "1 while this node shares limits and invalidations through Redis, 0 while it falls back to per-node limits (or has no Redis)");
        _fallbacks = _meter.CreateCounter<long>("schoolbel.redis.fallbacks", description: "Redis calls not made or failed, answered from this node's own state instead");
    }

    public bool IsConfigured => _redis is not null;

    public RedisState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    /// <summary>The state, since when, and the last error (for the operator page and the health check).</summary>
    public RedisStatus Status()
    {
        lock (_gate)
        {
            return new RedisStatus(_state, _since, _lastError);
        }
    }

    /// <summary>The key (or channel name) <paramref name="name"/> under this deployment's prefix.</summary>
    public string Name(string name) => _options.KeyPrefix + name;

    /// <summary>The multiplexer, for subscriptions; null without Redis.</summary>
    internal IConnectionMultiplexer? Multiplexer => _redis;

    /// <summary>
    /// Runs <paramref name="call"/> against Redis unless the breaker is open; null when it was not
    /// run, failed or took too long (then <paramref name="use"/> is counted as a fallback).
    /// </summary>
    public async ValueTask<T?> TryAsync<T>(string use, Func<IDatabase, Task<T>> call)
        where T : struct
    {
        ArgumentNullException.ThrowIfNull(call);
        if (_redis is null)
        {
            return null;
        }

        if (!TryEnter(out var trial))
        {
            CountFallback(use);
            return null;
        }

        try
        {
            // The client's own timeout (set from the same option) covers a hung socket; this one
            // also covers time spent before the command is even written.
            var answer = await call(_redis.GetDatabase()).WaitAsync(_options.OperationTimeout, _time);
            Succeeded();
            return answer;
        }
#pragma warning disable CA1031 // Any failure of Redis means "decide on this node"; a request must never fail for it.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Failed(e, trial);
            CountFallback(use);
            return null;
        }
    }

    /// <summary>One PING (through the breaker): refreshes the state without traffic, for the health check.</summary>
    public async ValueTask<RedisState> ProbeAsync()
    {
        if (_redis is null)
        {
            return RedisState.NotConfigured;
        }

        await TryAsync("probe", static async db => await db.PingAsync());
        return State;
    }

    public void Dispose()
    {
        if (_redis is not null)
        {
            _redis.ConnectionFailed -= OnConnectionFailed;
            _redis.ConnectionRestored -= OnConnectionRestored;
        }

        _meter.Dispose();
    }

    private bool TryEnter(out bool trial)
    {
        trial = false;
        if (_redis is null || !_redis.IsConnected)
        {
            // Not connected: the client is reconnecting on its own; a command would only fail.
            lock (_gate)
            {
                MarkUnavailable("Geen verbinding");
            }

            return false;
        }

        lock (_gate)
        {
            if (_state != RedisState.Unavailable)
            {
                return true;
            }

            // Open: nobody tries until the pause is over, then exactly one call tries (half-open).
            if (_trialRunning || _time.GetTimestamp() < _openUntil)
            {
                return false;
            }

            _trialRunning = true;
            trial = true;
            return true;
        }
    }

    private void Succeeded()
    {
        bool restored;
        lock (_gate)
        {
            _failures = 0;
            _trialRunning = false;
            restored = _state != RedisState.Available;
            if (restored)
            {
                _state = RedisState.Available;
                _since = _time.GetUtcNow();
                _lastError = null;
            }
        }

        if (restored)
        {
            LogAvailable(_logger);
        }
    }

    private void Failed(Exception error, bool trial)
    {
        bool opened;
        lock (_gate)
        {
            _trialRunning = false;
            _failures++;
            _lastError = error is TimeoutException ? "Te traag (time-out)" : error.GetType().Name + ": " + error.Message;
            opened = _state == RedisState.Available && _failures >= _options.FailuresToOpen;
            if (opened || trial || _state == RedisState.Unavailable)
            {
                MarkUnavailable(_lastError);
            }
        }

        if (opened)
        {
            LogUnavailable(_logger, error, _options.BreakerOpenFor.TotalSeconds);
        }
        else
        {
            LogCallFailed(_logger, error);
        }
    }

    // Under _gate.
    private void MarkUnavailable(string reason)
    {
        if (_state != RedisState.Unavailable)
        {
            _state = RedisState.Unavailable;
            _since = _time.GetUtcNow();
        }

        _lastError = reason;
        _openUntil = _time.GetTimestamp() + (long)(_options.BreakerOpenFor.TotalSeconds * _time.TimestampFrequency);
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        bool wasAvailable;
        lock (_gate)
        {
            wasAvailable = _state == RedisState.Available;
            MarkUnavailable("Verbinding verbroken: " + e.FailureType);
        }

        if (wasAvailable)
        {
            LogUnavailable(_logger, e.Exception, _options.BreakerOpenFor.TotalSeconds);
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        // The connection is back: let the next call try at once instead of waiting out the pause.
        lock (_gate)
        {
            _openUntil = 0;
        }
    }

    private void CountFallback(string use) => _fallbacks.Add(1, new TagList { { "use", use } });

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis unreachable: limits per node, cache invalidations stay on their node; trying again every {Seconds} s")]
    private static partial void LogUnavailable(ILogger logger, Exception? exception, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis available: limits shared between nodes")]
    private static partial void LogAvailable(ILogger logger);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Redis call failed; answered on this node")]
    private static partial void LogCallFailed(ILogger logger, Exception exception);
}

/// <summary>What the operator page and the health check show about Redis.</summary>
public sealed record RedisStatus(RedisState State, DateTimeOffset Since, string? LastError)
{
    /// <summary>One Dutch line for people.</summary>
    public string Describe() => State switch
    {
        RedisState.NotConfigured => "Redis niet ingesteld: limieten en cache per node (één node)",
        RedisState.Available => "Redis bereikbaar: limieten en wachtrij gedeeld tussen de nodes",
        _ => "Redis onbereikbaar: limieten per node (ook de wachtrij)",
    };
}
