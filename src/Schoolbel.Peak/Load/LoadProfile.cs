using System.Globalization;

namespace Schoolbel.Peak.Load;

/// <summary>
/// The shape of a morning as a multiplier of the baseline arrival rate over time: straight
/// lines between points, the last value held to the end. Presets cover the usual questions;
/// a list of <c>seconds:multiplier</c> points covers the rest.
/// </summary>
internal sealed class LoadProfile
{
    /// <summary>How much busier the first online school day was than a normal one (DESIGN.md §1).</summary>
    public const double FirstDayPeakMultiplier = 40;

    private readonly (double Seconds, double Multiplier)[] _points;

    private LoadProfile(string name, (double Seconds, double Multiplier)[] points)
    {
        Name = name;
        _points = points;
    }

    public string Name { get; }

    public IReadOnlyList<(double Seconds, double Multiplier)> Points => _points;

    /// <summary>1x rising to 40x over <paramref name="ramp"/>, then held: the 08:30 bell after a holiday.</summary>
    public static LoadProfile FirstDay(TimeSpan ramp) =>
        new("first-day", [(0, 1), (Math.Max(ramp.TotalSeconds, 0.001), FirstDayPeakMultiplier)]);

    /// <summary>The baseline rate throughout; what capacity mode steps with.</summary>
    public static LoadProfile Steady() => new("steady", [(0, 1)]);

    /// <summary>
    /// Baseline, then a jump to 40x within one second a quarter into the run, held for
    /// <paramref name="hold"/>, then back to baseline: shows whether the server recovers
    /// (queues drain, goodput returns) after a burst it could not absorb.
    /// </summary>
    public static LoadProfile Spike(TimeSpan duration, TimeSpan hold)
    {
        var start = duration.TotalSeconds / 4;
        var end = start + 1 + Math.Max(hold.TotalSeconds, 1);
        return new("spike", [(0, 1), (start, 1), (start + 1, FirstDayPeakMultiplier), (end, FirstDayPeakMultiplier), (end + 1, 1)]);
    }

    /// <summary>Parses a preset name or <c>0:1,60:40,90:40,91:1</c> (seconds:multiplier, increasing seconds).</summary>
    public static LoadProfile? Parse(string text, TimeSpan duration, TimeSpan ramp, out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        error = null;
        switch (text)
        {
            case "first-day":
                return FirstDay(ramp);
            case "steady":
                return Steady();
            case "spike":
                return Spike(duration, ramp);
        }

        var points = new List<(double, double)>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pair = part.Split(':');
            if (pair.Length != 2
                || !double.TryParse(pair[0].TrimEnd('s'), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
                || !double.TryParse(pair[1].TrimEnd('x'), NumberStyles.Float, CultureInfo.InvariantCulture, out var multiplier)
                || seconds < 0 || multiplier < 0
                || (points.Count > 0 && seconds <= points[^1].Item1))
            {
                error = $"--profile '{text}' is not first-day, steady, spike or a list like 0:1,60:40 (increasing seconds:multiplier).";
                return null;
            }

            points.Add((seconds, multiplier));
        }

        if (points.Count == 0)
        {
            error = "--profile is empty.";
            return null;
        }

        return new LoadProfile("custom " + text, [.. points]);
    }

    /// <summary>The multiplier at <paramref name="seconds"/> into the run.</summary>
    public double MultiplierAt(double seconds)
    {
        if (seconds <= _points[0].Seconds)
        {
            return _points[0].Multiplier;
        }

        for (var i = 1; i < _points.Length; i++)
        {
            var (t1, m1) = _points[i];
            if (seconds <= t1)
            {
                var (t0, m0) = _points[i - 1];
                return m0 + (m1 - m0) * (seconds - t0) / (t1 - t0);
            }
        }

        return _points[^1].Multiplier;
    }

    public override string ToString() => Name;
}
