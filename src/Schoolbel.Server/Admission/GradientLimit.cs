namespace Schoolbel.Server.Admission;

/// <summary>
/// The adaptive concurrency limit, after Netflix concurrency-limits' Gradient2 (the family Envoy's
/// adaptive concurrency filter also belongs to). By Little's law, in-flight = rate × latency: while
/// the server keeps up, more concurrency buys more throughput at the same latency; once it queues
/// internally, latency rises instead. So the limit follows the ratio of the long-term latency (what
/// "not queueing" looks like) to the recent latency: equal → grow a little, recent much higher →
/// shrink, at most halving per window so one outlier cannot shut the door.
/// Latencies under a floor count as the floor: at 0.3 ms (a flood of 304s) against 3 ms (the same
/// node sending files while teachers upload) the ratio says "ten times slower", yet nobody waits
/// for either, and shedding then turns 3 ms into a 500 ms wait and a 503.
/// Not thread-safe: the limiter calls it under its own lock.
/// </summary>
public sealed class GradientLimit
{
    // The long-term average follows roughly the last few hundred windows, so a slow minute does
    // not become the new normal, but a real change (a bigger node, a new mix) does in a few minutes.
    private const double LongTermWeight = 2.0 / (100 + 1);

    // Until this many windows were seen, the long-term latency is a plain mean: a cold start's
    // few samples should not be weighted like a settled history.
    private const int WarmupWindows = 10;

    private readonly double _tolerance;
    private readonly double _floorMs;
    private readonly double _smoothing;
    private readonly int _min;
    private readonly int _max;
    private double _estimate;
    private double _longRtt;
    private int _windows;

    public GradientLimit(int initial, int min, int max, double tolerance, double smoothing, double floorMs = 0)
    {
        _floorMs = Math.Max(0, floorMs);
        _min = Math.Max(1, min);
        _max = Math.Max(_min, max);
        _estimate = Math.Clamp(initial, _min, _max);
        _tolerance = tolerance;
        _smoothing = smoothing;
    }

    public int Limit => (int)_estimate;

    /// <summary>The latency that "not queueing" looks like, in milliseconds (0 before any sample).</summary>
    public double LongTermLatencyMs => _longRtt;

    /// <summary>
    /// Feeds one window: the mean latency of the requests that finished in it, and the most requests
    /// that were in flight at once. Returns the new limit.
    /// </summary>
    public int Update(double meanLatencyMs, int maxInFlight)
    {
        if (meanLatencyMs <= 0 || double.IsNaN(meanLatencyMs))
        {
            return Limit;
        }

        _windows++;
        _longRtt = _windows <= WarmupWindows
            ? _longRtt + ((meanLatencyMs - _longRtt) / _windows)
            : _longRtt + ((meanLatencyMs - _longRtt) * LongTermWeight);

        // After an overload the long-term latency is inflated; let it come down quickly once the
        // recent latency is far lower, or the limit would stay too generous for minutes.
        if (_longRtt / meanLatencyMs > 2)
        {
            _longRtt *= 0.95;
        }

        // Nobody pushed against the limit: latency says nothing about whether more would fit, so
        // neither grow (the limit would float up unbounded) nor shrink.
        if (maxInFlight < _estimate / 2)
        {
            return Limit;
        }

        var gradient = Math.Clamp(_tolerance * Math.Max(_longRtt, _floorMs) / Math.Max(meanLatencyMs, _floorMs), 0.5, 1.0);

        // The square root lets a small limit grow quickly and a large one by a few per window,
        // like the queue-size allowance in Gradient2.
        var allowance = Math.Sqrt(_estimate);
        var target = (_estimate * gradient) + allowance;
        _estimate = Math.Clamp((_estimate * (1 - _smoothing)) + (target * _smoothing), _min, _max);
        return Limit;
    }
}
