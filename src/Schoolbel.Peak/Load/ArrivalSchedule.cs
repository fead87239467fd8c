namespace Schoolbel.Peak.Load;

/// <summary>How arrivals are spread within the rate.</summary>
internal enum ArrivalProcess
{
    /// <summary>Independent arrivals (exponential gaps), as many unrelated pupils behave.</summary>
    Poisson,

    /// <summary>Evenly spaced arrivals: reproducible, used by tests and for smooth curves.</summary>
    Uniform,
}

/// <summary>
/// The intended start times of every journey, computed before the run begins. Because the list
/// is fixed in advance, how fast the server answers cannot change when pupils arrive: this is
/// what makes the model open and avoids coordinated omission.
/// </summary>
internal static class ArrivalSchedule
{
    // 1 ms steps integrate the rate exactly enough (the rate changes over seconds) and cost
    // 120,000 iterations for a two-minute run.
    private const double StepSeconds = 0.001;

    /// <summary>
    /// Arrival offsets for <paramref name="baseRate"/> journeys/s shaped by <paramref name="profile"/>
    /// over <paramref name="duration"/>: arrival k falls where the integral of the rate reaches the
    /// k-th threshold (k - 0.5 for uniform, a sum of unit exponentials for Poisson).
    /// </summary>
    public static IReadOnlyList<TimeSpan> Build(LoadProfile profile, double baseRate, TimeSpan duration, ArrivalProcess process, int seed)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentOutOfRangeException.ThrowIfNegative(baseRate);
        // CA5394: load-test randomness must be reproducible from --seed, not unpredictable.
#pragma warning disable CA5394
        var random = new Random(seed);
        double NextGap() => process == ArrivalProcess.Uniform ? 1.0 : -Math.Log(1.0 - random.NextDouble());
#pragma warning restore CA5394

        var arrivals = new List<TimeSpan>();
        var end = duration.TotalSeconds;
        var steps = (long)Math.Ceiling(end / StepSeconds);
        var threshold = process == ArrivalProcess.Uniform ? 0.5 : NextGap();
        var accumulated = 0.0;
        for (long i = 0; i < steps; i++)
        {
            var stepStart = i * StepSeconds;
            var stepEnd = Math.Min(stepStart + StepSeconds, end);
            var rate = baseRate * profile.MultiplierAt((stepStart + stepEnd) / 2);
            var remaining = rate * (stepEnd - stepStart);
            var cursor = stepStart;
            // Several arrivals can fall in one step at high rates; each is placed where the
            // integral crosses its threshold, assuming the rate is constant within the step.
            while (remaining > 0 && accumulated + remaining >= threshold)
            {
                var needed = threshold - accumulated;
                cursor += needed / rate;
                arrivals.Add(TimeSpan.FromSeconds(cursor));
                remaining -= needed;
                accumulated = 0;
                threshold = NextGap();
            }

            accumulated += remaining;
        }

        return arrivals;
    }
}
