using Microsoft.Extensions.Options;

namespace Schoolbel.Server.Storage;

/// <summary>
/// How many bytes per second this node takes in from uploads, all uploads together
/// (<see cref="StorageOptions.UploadBytesPerSecond"/>). Every uploaded byte costs CPU on the way
/// in (the socket, SHA-256, the write), and on a fast network five teachers' videos arrive as
/// fast as the cores can take them: the downloads beside them then wait for a core. With a
/// budget, an upload that has used its share stops reading for a moment and TCP holds the
/// teacher's computer back, so what uploads cost the node stays bounded however many there are.
/// Reads are served in the order they ask; a single upload on a quiet node goes at the full budget.
/// </summary>
/// <remarks>
/// A token bucket kept as the time at which the budget is next free (the generic cell rate
/// algorithm): each read books the time its bytes take at the budget's rate, and waits until
/// its booking minus the allowed burst. A few lines on the injected clock, where
/// System.Threading.RateLimiting's bucket counts real time and could not be tested on a fake one.
/// </remarks>
public sealed class UploadBandwidth
{
    /// <summary>The largest single read staged at once (see <see cref="BlobStaging"/>).</summary>
    internal const int MaxRead = 81920;

    /// <summary>How far ahead of its rate the budget may run (a burst of this much time's bytes).</summary>
    internal static readonly TimeSpan Burst = TimeSpan.FromMilliseconds(100);

    private readonly long _bytesPerSecond;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private DateTimeOffset _free = DateTimeOffset.MinValue;

    public UploadBandwidth(IOptions<StorageOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _bytesPerSecond = options.Value.UploadBytesPerSecond;
        _time = time;
    }

    /// <summary>No budget: uploads go as fast as they arrive (seeding, tools, or <c>UploadBytesPerSecond = 0</c>).</summary>
    public static UploadBandwidth Unlimited { get; } = new(Options.Create(new StorageOptions { UploadBytesPerSecond = 0 }), TimeProvider.System);

    /// <summary>Spends <paramref name="bytes"/> of the budget, first waiting until they fit.</summary>
    public async ValueTask TakeAsync(int bytes, CancellationToken cancellationToken)
    {
        if (_bytesPerSecond <= 0 || bytes <= 0)
        {
            return;
        }

        var cost = TimeSpan.FromTicks(Math.Max(1, bytes * TimeSpan.TicksPerSecond / _bytesPerSecond));
        TimeSpan wait;
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            // Time the budget was not used is not saved up beyond the burst.
            if (_free < now)
            {
                _free = now;
            }

            wait = _free - Burst - now;
            _free += cost;
        }

        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, _time, cancellationToken);
        }
    }
}
