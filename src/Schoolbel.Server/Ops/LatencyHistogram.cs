namespace Schoolbel.Server.Ops;

/// <summary>
/// Request latencies of one second, in fixed buckets that grow by 10% from 0.1 ms to past
/// 2 minutes: a percentile read from it is at most 10% high. Safe to record from many threads.
/// </summary>
internal sealed class LatencyHistogram
{
    private const double Smallest = 0.1;
    private const double Growth = 1.1;

    /// <summary>Upper bound of each bucket in milliseconds; one more bucket holds anything slower.</summary>
    internal static readonly double[] Bounds = MakeBounds();

    private readonly long[] _counts = new long[Bounds.Length + 1];

    public void Record(double milliseconds) => Interlocked.Increment(ref _counts[IndexOf(milliseconds)]);

    /// <summary>A copy of the counts per bucket, for <see cref="Percentile"/>.</summary>
    public long[] Counts()
    {
        var copy = new long[_counts.Length];
        for (var i = 0; i < copy.Length; i++)
        {
            copy[i] = Interlocked.Read(ref _counts[i]);
        }

        return copy;
    }

    /// <summary>
    /// The <paramref name="quantile"/> (0.5 for the median) over several seconds' counts, in
    /// milliseconds: the upper bound of the bucket it falls in. Null when nothing was recorded.
    /// </summary>
    public static double? Percentile(IReadOnlyList<long[]> counts, double quantile)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var merged = new long[Bounds.Length + 1];
        foreach (var second in counts)
        {
            for (var i = 0; i < merged.Length && i < second.Length; i++)
            {
                merged[i] += second[i];
            }
        }

        var total = merged.Sum();
        if (total == 0)
        {
            return null;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(quantile * total));
        long seen = 0;
        for (var i = 0; i < merged.Length; i++)
        {
            seen += merged[i];
            if (seen >= rank)
            {
                return Bounds[Math.Min(i, Bounds.Length - 1)];
            }
        }

        return Bounds[^1];
    }

    internal static int IndexOf(double milliseconds)
    {
        if (!(milliseconds > Smallest))
        {
            return 0; // also NaN and negative values
        }

        var guess = (int)Math.Ceiling(Math.Log(milliseconds / Smallest) / Math.Log(Growth));
        var i = Math.Clamp(guess, 0, Bounds.Length);
        // Correct the rounding of the logarithm at the bucket edges.
        while (i < Bounds.Length && milliseconds > Bounds[i])
        {
            i++;
        }

        while (i > 0 && milliseconds <= Bounds[i - 1])
        {
            i--;
        }

        return i;
    }

    private static double[] MakeBounds()
    {
        var bounds = new List<double>();
        for (var bound = Smallest; bound < 150_000; bound *= Growth)
        {
            bounds.Add(bound);
        }

        return [.. bounds];
    }
}
