using System.Threading.RateLimiting;

namespace Schoolbel.Server.Admission;

/// <summary>
/// A slot in the limiter, or the reason there is none. Disposing an acquired lease frees the slot
/// and reports how long the server took to start answering: the time to the first byte is the
/// server's own work, while the rest of a large download is the pupil's network.
/// </summary>
public sealed class AdmissionLease : RateLimitLease
{
    public const string ReasonMetadata = "SCHOOLBEL_SHED_REASON";

    internal static readonly AdmissionLease Available = new(ShedReason.QueueFull) { Acquired = true };

    private readonly AdaptiveConcurrencyLimiter? _limiter;
    private readonly long _admittedAt;
    private long _firstByteAt;
    private int _released;

    internal AdmissionLease(ShedReason reason)
    {
        Reason = reason;
    }

    internal AdmissionLease(AdaptiveConcurrencyLimiter limiter, AdmissionRequest request, long admittedAt)
    {
        _limiter = limiter;
        Request = request;
        _admittedAt = admittedAt;
        Acquired = true;
    }

    public override bool IsAcquired => Acquired;

    /// <summary>Why the request was not admitted; meaningless when <see cref="IsAcquired"/>.</summary>
    public ShedReason Reason { get; }

    public AdmissionRequest Request { get; }

    /// <summary>How long the request waited in the queue before it was admitted.</summary>
    public TimeSpan QueuedFor { get; internal set; }

    public override IEnumerable<string> MetadataNames => IsAcquired ? [] : [ReasonMetadata];

    private bool Acquired { get; init; }

    public override bool TryGetMetadata(string metadataName, out object? metadata)
    {
        if (!IsAcquired && metadataName == ReasonMetadata)
        {
            metadata = Reason;
            return true;
        }

        metadata = null;
        return false;
    }

    /// <summary>Marks the moment the response started; the latency sample ends here.</summary>
    public void ResponseStarted(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        Interlocked.CompareExchange(ref _firstByteAt, time.GetTimestamp(), 0);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (_limiter is null || Interlocked.Exchange(ref _released, 1) != 0)
        {
            return;
        }

        double? latencyMs = null;
        if (Request.MeasureLatency)
        {
            var end = Interlocked.Read(ref _firstByteAt);
            var time = _limiter.Time;
            latencyMs = (end == 0 ? time.GetElapsedTime(_admittedAt) : time.GetElapsedTime(_admittedAt, end)).TotalMilliseconds;
        }

        _limiter.Release(this, latencyMs);
    }
}
