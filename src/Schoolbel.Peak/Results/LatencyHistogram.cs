using HdrHistogram;

namespace Schoolbel.Peak.Results;

/// <summary>
/// Latencies in an HdrHistogram: microsecond resolution, values up to an hour, and relative
/// error bounded by the significant digits (3 digits: 0.1%), however skewed the distribution.
/// Averages of percentiles are meaningless, so histograms are merged, never their summaries.
/// Thread-safe: journeys record from many threads.
/// </summary>
internal sealed class LatencyHistogram
{
    /// <summary>One hour in microseconds; anything slower is recorded as an hour.</summary>
    public const long HighestMicroseconds = 3_600_000_000;

    private readonly LongHistogram _histogram;
    private readonly Lock _lock = new();

    public LatencyHistogram(int significantDigits = 3) =>
        _histogram = new LongHistogram(1, HighestMicroseconds, significantDigits);

    public long Count
    {
        get
        {
            lock (_lock)
            {
                return _histogram.TotalCount;
            }
        }
    }

    public void Record(TimeSpan latency)
    {
        var micros = Math.Clamp((long)latency.TotalMicroseconds, 1, HighestMicroseconds);
        lock (_lock)
        {
            _histogram.RecordValue(micros);
        }
    }

    /// <summary>The latency at <paramref name="percentile"/> (0–100) in milliseconds; 0 when empty.</summary>
    public double PercentileMs(double percentile)
    {
        lock (_lock)
        {
            return _histogram.TotalCount == 0 ? 0 : _histogram.GetValueAtPercentile(percentile) / 1000.0;
        }
    }

    public LatencySummary Summarize()
    {
        lock (_lock)
        {
            if (_histogram.TotalCount == 0)
            {
                return LatencySummary.Empty;
            }

            return new LatencySummary(
                _histogram.TotalCount,
                Ms(_histogram.GetValueAtPercentile(50)),
                Ms(_histogram.GetValueAtPercentile(90)),
                Ms(_histogram.GetValueAtPercentile(99)),
                Ms(_histogram.GetValueAtPercentile(99.9)),
                Ms(_histogram.GetMaxValue()),
                Math.Round(_histogram.GetMean() / 1000.0, 3));
        }
    }

    private static double Ms(long micros) => Math.Round(micros / 1000.0, 3);
}

/// <summary>Count and percentiles of one histogram, in milliseconds.</summary>
internal sealed record LatencySummary(long Count, double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs, double MeanMs)
{
    public static readonly LatencySummary Empty = new(0, 0, 0, 0, 0, 0, 0);
}
