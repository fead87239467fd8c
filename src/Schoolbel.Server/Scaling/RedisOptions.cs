using System.ComponentModel.DataAnnotations;
using StackExchange.Redis;

namespace Schoolbel.Server.Scaling;

/// <summary>
/// Configuration section <c>Redis</c>: the state that several nodes share (abuse budgets) and the
/// channel over which they tell each other to forget cached data. Optional: without
/// <see cref="Configuration"/> a node keeps everything in its own memory, as a single node should.
/// </summary>
public sealed class RedisOptions
{
    public const string Section = "Redis";

    /// <summary>A StackExchange.Redis connection string, e.g. <c>redis.internal:6379,password=…</c>; empty for one node.</summary>
    public string? Configuration { get; set; }

    /// <summary>Put in front of every key and channel, so several deployments (or tests) can share one Redis.</summary>
    [Required(AllowEmptyStrings = false)]
    public string KeyPrefix { get; set; } = "schoolbel:";

    /// <summary>
    /// The longest any Redis call may take. Every request waits for one (its abuse budget), so
    /// this is short: past it the node decides alone rather than make the pupil wait.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:10")]
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>This many failed or slow calls in a row open the circuit breaker.</summary>
    [Range(1, 1_000)]
    public int FailuresToOpen { get; set; } = 3;

    /// <summary>
    /// While open, no request even tries Redis (a dead Redis costs nothing per request); after
    /// this long one call tries again and closes the breaker when it answers.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan BreakerOpenFor { get; set; } = TimeSpan.FromSeconds(5);

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Configuration);

    /// <summary>The client's options: never fail the start, never queue commands while disconnected, short timeouts.</summary>
    public ConfigurationOptions ToClientOptions()
    {
        var options = ConfigurationOptions.Parse(Configuration ?? string.Empty);

        // A node must start, and keep serving, while Redis is down; the client reconnects by itself.
        options.AbortOnConnectFail = false;

        // Commands sent while disconnected fail at once instead of waiting in a backlog: the
        // caller falls back to per-node state rather than hold a request.
        options.BacklogPolicy = BacklogPolicy.FailFast;
        var timeout = (int)Math.Ceiling(OperationTimeout.TotalMilliseconds);
        options.AsyncTimeout = timeout;
        options.SyncTimeout = timeout;
        return options;
    }

    /// <summary>Null when the connection string is usable (or absent), else why not.</summary>
    internal static string? Problem(RedisOptions options)
    {
        if (!options.IsConfigured)
        {
            return null;
        }

        try
        {
            return options.ToClientOptions().EndPoints.Count == 0 ? "Redis:Configuration names no server." : null;
        }
        catch (ArgumentException e)
        {
            return "Redis:Configuration is not a valid StackExchange.Redis connection string: " + e.Message;
        }
    }
}
