using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Schoolbel.Peak.Overload;

/// <summary>One criterion of a benchmark and whether this run met it.</summary>
/// <param name="Goal">The criterion in words.</param>
/// <param name="Detail">The figures it was judged on.</param>
internal sealed record Criterion(string Name, string Goal, bool Passed, string Detail);

/// <summary>The options an <c>overload</c> run used (what is needed to repeat it).</summary>
/// <param name="CapacitySource">"given" (--capacity) or "measured" (capacity search first).</param>
internal sealed record OverloadSettings(
    string Target,
    double CapacityPerSecond,
    string CapacitySource,
    IReadOnlyList<double> Factors,
    double DurationSeconds,
    double WarmupSeconds,
    double CooldownSeconds,
    double ResumeShare,
    double TeacherShare,
    double ParentShare,
    double ThinkTimeSeconds,
    double TimeoutSeconds,
    double MaxWaitSeconds,
    string Arrivals,
    int Seed,
    int MaxUsers,
    int WarmupSessions,
    string? SeedSummary);

/// <summary>One offered load: its figures (window basis) and how they compare with 1x.</summary>
internal sealed record FactorResult(double Factor, LoadResult Load, double? GoodputRatioTo1x, double? AdmittedP99RatioTo1x);

/// <summary>Everything an <c>overload</c> run measured, as written to <c>overload.json</c> (camelCase).</summary>
/// <param name="CapacitySearch">The capacity search that measured the capacity; null with --capacity.</param>
internal sealed record OverloadReport(
    string Tool,
    OverloadSettings Settings,
    DateTimeOffset StartedAt,
    Schoolbel.Peak.CapacityReport? CapacitySearch,
    IReadOnlyList<FactorResult> Factors,
    IReadOnlyList<Criterion> Criteria,
    bool Passed,
    IReadOnlyList<PhaseSecond> Timeline,
    IReadOnlyList<string> Notes);

/// <summary>The options a <c>fairness</c> run used.</summary>
internal sealed record FairnessSettings(
    string Target,
    string QuietSchool,
    string NoisySchool,
    double QuietRatePerSecond,
    double NoisyFactor,
    double NoisyRatePerSecond,
    double DurationSeconds,
    double WarmupSeconds,
    double CooldownSeconds,
    double DrainSeconds,
    double ResumeShare,
    double TeacherShare,
    double ParentShare,
    double ThinkTimeSeconds,
    double TimeoutSeconds,
    double MaxWaitSeconds,
    string Arrivals,
    int Seed,
    int WarmupSessions,
    string? SeedSummary);

/// <summary>Everything a <c>fairness</c> run measured, as written to <c>fairness.json</c> (camelCase).</summary>
/// <param name="QuietAlone">Phase 1: the quiet school alone (arrivals basis).</param>
/// <param name="QuietWithNoisy">Phase 2: the quiet school with the noisy one (arrivals basis, same arrival schedule as phase 1).</param>
/// <param name="Noisy">Phase 2: the noisy school (window basis).</param>
internal sealed record FairnessReport(
    string Tool,
    FairnessSettings Settings,
    DateTimeOffset StartedAt,
    LoadResult QuietAlone,
    LoadResult QuietWithNoisy,
    LoadResult Noisy,
    double? AdmittedP99Ratio,
    double? JourneyP99Ratio,
    Criterion Criterion,
    IReadOnlyList<PhaseSecond> QuietTimeline,
    IReadOnlyList<PhaseSecond> NoisyTimeline,
    IReadOnlyList<string> Notes);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(OverloadReport))]
[JsonSerializable(typeof(FairnessReport))]
internal sealed partial class OverloadJsonContext : JsonSerializerContext;

/// <summary>
/// The benchmark of issue 6 (overload protection), judged from one run's figures:
/// goodput at the higher loads at least 90% of 1x (no collapse); zero 5xx, timeouts and
/// connection errors at every load (the excess gets waiting answers instead); the p99 of
/// admitted requests at the higher loads at most 3x the 1x p99; and, with a noisy neighbour,
/// the quiet school's p99 within 2x of its p99 alone.
/// </summary>
internal static class OverloadVerdict
{
    public const double MinGoodputRatio = 0.9;
    public const double MaxAdmittedP99Ratio = 3;
    public const double MaxQuietP99Ratio = 2;

    /// <summary>Adds each load's ratios to the 1x load (null where there is no 1x, or it has nothing to compare with).</summary>
    public static IReadOnlyList<FactorResult> Compare(IReadOnlyList<(double Factor, LoadResult Load)> loads)
    {
        ArgumentNullException.ThrowIfNull(loads);
        var baseline = loads.FirstOrDefault(l => l.Factor == 1).Load;
        return [.. loads.Select(l => new FactorResult(
            l.Factor, l.Load,
            Ratio(l.Load.GoodputPerSecond, baseline?.GoodputPerSecond),
            Ratio(l.Load.AdmittedLatency.P99Ms, baseline is { AdmittedLatency.Count: > 0 } ? baseline.AdmittedLatency.P99Ms : null)))];
    }

    public static IReadOnlyList<Criterion> Judge(IReadOnlyList<FactorResult> factors)
    {
        ArgumentNullException.ThrowIfNull(factors);
        var baseline = factors.FirstOrDefault(f => f.Factor == 1);
        var higher = factors.Where(f => f.Factor > 1).ToList();
        var criteria = new List<Criterion>();

        const string goodputGoal = "Goodput at every load above 1x is at least 90% of the goodput at 1x (no collapse).";
        if (baseline is null || higher.Count == 0 || baseline.Load.GoodputPerSecond <= 0)
        {
            criteria.Add(new Criterion("goodput", goodputGoal, false, baseline is null ? "no 1x load was measured"
                : higher.Count == 0 ? "no load above 1x was measured" : "no journey completed at 1x"));
        }
        else
        {
            criteria.Add(new Criterion("goodput", goodputGoal,
                higher.All(f => f.GoodputRatioTo1x >= MinGoodputRatio),
                I($"1x {baseline.Load.GoodputPerSecond:0.##}/s; ")
                + string.Join("; ", higher.Select(f => I($"{X(f.Factor)} {f.Load.GoodputPerSecond:0.##}/s = {f.GoodputRatioTo1x * 100:0}%")))));
        }

        const string errorGoal = "Zero 5xx, zero timeouts (and zero connection errors) at every load; the excess sees the waiting page or 429/503.";
        criteria.Add(new Criterion("errors", errorGoal,
            factors.Count > 0 && factors.All(f => f.Load is { ServerErrors: 0, Timeouts: 0, ConnectionErrors: 0 }),
            factors.Count == 0 ? "no load was measured" : string.Join("; ", factors.Select(f => I(
                $"{X(f.Factor)}: {f.Load.ServerErrors} 5xx, {f.Load.Timeouts} timeouts, {f.Load.ConnectionErrors} connection errors, {f.Load.WaitingAnswers} waiting answers")))));

        const string latencyGoal = "The p99 of admitted requests at every load above 1x is at most 3x the p99 at 1x.";
        if (baseline is null || higher.Count == 0 || baseline.Load.AdmittedLatency.Count == 0)
        {
            criteria.Add(new Criterion("admitted-p99", latencyGoal, false, baseline is null ? "no 1x load was measured"
                : higher.Count == 0 ? "no load above 1x was measured" : "no request was admitted at 1x"));
        }
        else
        {
            criteria.Add(new Criterion("admitted-p99", latencyGoal,
                higher.All(f => f.Load.AdmittedLatency.Count > 0 && f.AdmittedP99RatioTo1x <= MaxAdmittedP99Ratio),
                I($"1x {baseline.Load.AdmittedLatency.P99Ms:0.#} ms; ")
                + string.Join("; ", higher.Select(f => f.Load.AdmittedLatency.Count == 0
                    ? I($"{X(f.Factor)}: no request admitted")
                    : I($"{X(f.Factor)} {f.Load.AdmittedLatency.P99Ms:0.#} ms = {f.AdmittedP99RatioTo1x:0.00}x")))));
        }

        return criteria;
    }

    /// <summary>
    /// The quiet school's p99, of admitted requests and of whole journeys, with the noisy
    /// neighbour against alone: both within 2x. Whole journeys count because a quiet school sent
    /// to the waiting room has fast admitted requests and slow mornings.
    /// </summary>
    public static (double? AdmittedRatio, double? JourneyRatio, Criterion Criterion) JudgeFairness(LoadResult alone, LoadResult withNoisy)
    {
        ArgumentNullException.ThrowIfNull(alone);
        ArgumentNullException.ThrowIfNull(withNoisy);
        var admitted = Ratio(withNoisy.AdmittedLatency.P99Ms, alone.AdmittedLatency.Count > 0 ? alone.AdmittedLatency.P99Ms : null);
        var journeys = Ratio(withNoisy.JourneyLatency.P99Ms, alone.JourneyLatency.Count > 0 ? alone.JourneyLatency.P99Ms : null);
        const string goal = "With the noisy neighbour, the quiet school's p99 (admitted requests and whole journeys) is at most 2x its p99 alone.";
        string detail;
        bool passed;
        if (admitted is null || journeys is null)
        {
            passed = false;
            detail = "the quiet school completed nothing alone, so there is nothing to compare with";
        }
        else if (withNoisy.AdmittedLatency.Count == 0 || withNoisy.JourneyLatency.Count == 0)
        {
            passed = false;
            detail = "the quiet school completed nothing next to the noisy one";
        }
        else
        {
            passed = admitted <= MaxQuietP99Ratio && journeys <= MaxQuietP99Ratio;
            detail = I($"admitted requests p99 {alone.AdmittedLatency.P99Ms:0.#} ms alone, {withNoisy.AdmittedLatency.P99Ms:0.#} ms with the neighbour = {admitted:0.00}x; ")
                + I($"journeys p99 {alone.JourneyLatency.P99Ms:0.#} ms alone, {withNoisy.JourneyLatency.P99Ms:0.#} ms with the neighbour = {journeys:0.00}x");
        }

        return (admitted, journeys, new Criterion("quiet-school-p99", goal, passed, detail));
    }

    /// <summary>"1x", "2x", "2.5x".</summary>
    public static string X(double factor) => factor.ToString("0.##", CultureInfo.InvariantCulture) + "x";

    private static double? Ratio(double value, double? baseline) =>
        baseline is > 0 ? Math.Round(value / baseline.Value, 4) : null;

    private static string I(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
