using System.Globalization;
using System.Text.Json;
using Schoolbel.Peak.Cli;
using Schoolbel.Peak.Journeys;
using Schoolbel.Peak.Load;
using Schoolbel.Peak.Population;

namespace Schoolbel.Peak.Overload;

/// <summary>
/// The <c>fairness</c> command. Phase 1: the quiet school alone at --rate. Phase 2: the very
/// same arrivals of the quiet school (same times, same accounts) while the noisy school arrives
/// at --noisy-factor times that rate. Every figure of a school comes from the virtual users whose
/// accounts belong to it. The quiet school's journeys that arrived in the window are followed to
/// their end (up to --drain, the noisy school still loading), so none of its slow mornings escape
/// the p99; the noisy school is measured within the window.
/// </summary>
internal sealed class FairnessRun(PeakOptions options, PeakRun run, TimeProvider time, TextWriter output, TextWriter progress)
{
    public async Task<FairnessReport> RunAsync(SeedPopulation population, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(population);
        var startedAt = time.GetUtcNow();
        var quietCode = options.QuietSchool ?? population.Schools[0];
        var noisyCode = options.NoisySchool ?? population.Schools.FirstOrDefault(s => s != quietCode)
            ?? throw new PeakRunException("The fairness run needs two schools; the population has one (seed --schools 2 or more).");
        foreach (var code in new[] { quietCode, noisyCode })
        {
            if (!population.Schools.Contains(code, StringComparer.Ordinal))
            {
                throw new PeakRunException($"School '{code}' is not in the population ({string.Join(", ", population.Schools.Take(10))}...).");
            }
        }

        var quiet = population.OnlySchool(quietCode);
        var noisy = population.OnlySchool(noisyCode);
        var shares = MorningPlan.RoleShares(options.TeacherShare, options.ParentShare);
        var quietRate = options.Rate;
        var noisyRate = options.Rate * options.NoisyFactor;
        var alonePlan = new PhasePlan("alone", options.PhaseWarmup, options.Duration, options.Drain);
        var togetherPlan = alonePlan with { Name = "with neighbour" };
        var quietOffsets = ArrivalSchedule.Build(LoadProfile.Steady(), quietRate, alonePlan.WindowEnd, options.Arrivals, options.Seed + 100);
        var quietArrivals = MorningPlan.PlanArrivals(quietOffsets, quiet, options.ResumeShare, shares, options.Seed + 200);
        // The neighbour keeps arriving while the quiet school's last journeys finish.
        var noisyOffsets = ArrivalSchedule.Build(LoadProfile.Steady(), noisyRate, alonePlan.WindowEnd + options.Drain, options.Arrivals, options.Seed + 300);
        var noisyArrivals = MorningPlan.PlanArrivals(noisyOffsets, noisy, options.ResumeShare, shares, options.Seed + 400);
        var quietPool = Sessions(quiet, quietArrivals, options.Seed + 2);
        var noisyPool = Sessions(noisy, noisyArrivals, options.Seed + 3);
        await run.WarmUpAsync(quietPool, cancellationToken);
        await run.WarmUpAsync(noisyPool, cancellationToken);

        var phases = new PhaseRunner(options, time, progress);
        await output.WriteLineAsync(I($"phase 1: {quietCode} alone at {quietRate:0.##} journeys/s ({quietArrivals.Count} arrivals)"));
        var alone = await phases.RunAsync(alonePlan, [new PhaseLoad(quietCode, quietArrivals, quietPool, FollowToEnd: true)], cancellationToken);
        if (alone.Stopped)
        {
            throw new PeakRunException("Stopped by the operator in phase 1; nothing was written.");
        }

        try
        {
            await Task.Delay(options.Cooldown, time, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new PeakRunException("Stopped by the operator before phase 2; nothing was written.");
        }

        await output.WriteLineAsync(I(
            $"phase 2: {quietCode} at {quietRate:0.##} journeys/s (the same arrivals) with {noisyCode} at {noisyRate:0.##} journeys/s ({options.NoisyFactor:0.##}x)"));
        var together = await phases.RunAsync(
            togetherPlan,
            [new PhaseLoad(quietCode, quietArrivals, quietPool, FollowToEnd: true), new PhaseLoad(noisyCode, noisyArrivals, noisyPool, FollowToEnd: false)],
            cancellationToken);
        if (together.Stopped)
        {
            throw new PeakRunException("Stopped by the operator in phase 2; nothing was written.");
        }

        bool IsQuiet(JourneyTag j) => string.Equals(j.School, quietCode, StringComparison.Ordinal);
        bool IsNoisy(JourneyTag j) => string.Equals(j.School, noisyCode, StringComparison.Ordinal);
        var quietAlone = LoadSummary.Summarize(alone.Events, quietCode, IsQuiet, MeasureBasis.Arrivals, alone.WindowStart, alone.WindowEnd, quietRate)
            with { ServerCores = alone.ServerCores };
        var quietWith = LoadSummary.Summarize(together.Events, quietCode, IsQuiet, MeasureBasis.Arrivals, together.WindowStart, together.WindowEnd, quietRate)
            with { ServerCores = together.ServerCores };
        var noisyResult = LoadSummary.Summarize(together.Events, noisyCode, IsNoisy, MeasureBasis.Window, together.WindowStart, together.WindowEnd, noisyRate)
            with { ServerCores = together.ServerCores };
        var (admittedRatio, journeyRatio, criterion) = OverloadVerdict.JudgeFairness(quietAlone, quietWith);

        var aloneTimeline = LoadSummary.Timeline(alone.Events, IsQuiet, "alone", 0, alone.Ended, s => s < alonePlan.WindowEnd.TotalSeconds ? quietRate : 0);
        var quietTimeline = aloneTimeline
            .Concat(LoadSummary.Timeline(together.Events, IsQuiet, "with neighbour", aloneTimeline.Count, together.Ended, s => s < alonePlan.WindowEnd.TotalSeconds ? quietRate : 0))
            .ToList();
        var noisyTimeline = aloneTimeline.Select(s => new PhaseSecond(s.Second, s.Phase, 0, 0, 0, 0, 0, null))
            .Concat(LoadSummary.Timeline(together.Events, IsNoisy, "with neighbour", aloneTimeline.Count, together.Ended, _ => noisyRate))
            .ToList();

        var settings = new FairnessSettings(
            options.Target.ToString(), quietCode, noisyCode, quietRate, options.NoisyFactor, noisyRate, options.Duration.TotalSeconds,
            options.PhaseWarmup.TotalSeconds, options.Cooldown.TotalSeconds, options.Drain.TotalSeconds, options.ResumeShare, options.TeacherShare,
            options.ParentShare, options.ThinkTime.TotalSeconds, options.Timeout.TotalSeconds, options.MaxWait.TotalSeconds,
            options.Arrivals.ToString().ToLowerInvariant(), options.Seed, quietPool.Total + noisyPool.Total, options.SeedSummaryPath);
        return new FairnessReport(
            "Schoolbel.Peak fairness", settings, startedAt, quietAlone, quietWith, noisyResult, admittedRatio, journeyRatio, criterion,
            quietTimeline, noisyTimeline, [.. Notes(quietAlone, quietWith)]);
    }

    public static async Task WriteAsync(string folder, FairnessReport report, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(
            Path.Combine(folder, "fairness.json"), JsonSerializer.Serialize(report, OverloadJsonContext.Default.FairnessReport), cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(folder, "fairness.html"), OverloadHtml.Render(report), cancellationToken);
    }

    /// <summary>Sessions for one school's resumed journeys: as many as it has, at most --warmup-sessions.</summary>
    private SessionPool Sessions(SeedPopulation school, IReadOnlyList<Arrival> arrivals, int seed)
    {
        var resumed = MorningPlan.ResumedPerRole(arrivals);
        return MorningPlan.PlanSessions(school, options.WarmupSessions, [.. resumed.Select(r => (r.Key, (double)r.Value))], resumed, seed);
    }

    private static IEnumerable<string> Notes(LoadResult alone, LoadResult together)
    {
        yield return "Every figure of a school comes from the virtual users whose accounts belong to that school. The quiet school's "
            + "journeys that arrived in the window are followed to their end (up to --drain after it, while the neighbour keeps arriving) "
            + "with every request they made; any still going after that count in the journey p99 at the time they had taken. The noisy "
            + "school is measured within the window: journeys completed in it, answers received in it.";
        if (Math.Min(alone.JourneyLatency.Count, together.JourneyLatency.Count) < 100)
        {
            yield return "Fewer than 100 quiet-school journeys in a phase make their p99 the slowest journey: raise --rate or --duration for a firmer comparison.";
        }

        if (together.WaitingAnswers > 0)
        {
            yield return I($"The quiet school got {together.WaitingAnswers} waiting answers next to its neighbour ({alone.WaitingAnswers} alone).");
        }

        yield return "The simulator runs on the machine it measures when the target is local: its own CPU is taken from the server's cores.";
    }

    private static string I(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
