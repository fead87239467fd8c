using System.Globalization;
using System.Text.Json;
using Schoolbel.Peak.Cli;
using Schoolbel.Peak.Load;
using Schoolbel.Peak.Population;

namespace Schoolbel.Peak.Overload;

/// <summary>
/// The <c>overload</c> command: the capacity (given, or found by a capacity search), then the
/// same morning at each of --factors times that capacity, one phase each (a short warm-up, the
/// measured window, journeys still under way cut off at its end, a cool-down before the next),
/// judged against issue 6's benchmark. Sessions for resumed journeys are signed in once, first.
/// </summary>
internal sealed class OverloadRun(PeakOptions options, PeakRun run, TimeProvider time, TextWriter output, TextWriter progress)
{
    public async Task<OverloadReport> RunAsync(SeedPopulation population, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(population);
        var startedAt = time.GetUtcNow();
        var notes = new List<string>();
        var pool = CapacitySearch.PlanSessions(options, population);
        await run.WarmUpAsync(pool, cancellationToken);

        Schoolbel.Peak.CapacityReport? search = null;
        double capacity;
        if (options.Capacity is { } given)
        {
            capacity = given;
        }
        else
        {
            await output.WriteLineAsync("measuring the capacity first (a capacity search; --capacity skips it)");
            var searchOptions = options with { OutFolder = Path.Combine(options.OutFolder, "capacity") };
            search = await new CapacitySearch(searchOptions, run, output).SearchAsync(population, pool, cancellationToken);
            capacity = search.SustainableRatePerSecond
                ?? throw new PeakRunException($"The capacity search sustained no rate ({search.Criteria}); start lower with --rate, or give --capacity.");
        }

        var shares = MorningPlan.RoleShares(options.TeacherShare, options.ParentShare);
        var phases = new PhaseRunner(options, time, progress);
        var measured = new List<(double Factor, LoadResult Load)>();
        var timeline = new List<PhaseSecond>();
        for (var k = 0; k < options.Factors.Count && !cancellationToken.IsCancellationRequested; k++)
        {
            if (k > 0 && options.Cooldown > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(options.Cooldown, time, cancellationToken);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    break;
                }
            }

            var factor = options.Factors[k];
            var rate = factor * capacity;
            var label = OverloadVerdict.X(factor);
            var plan = new PhasePlan(label, options.PhaseWarmup, options.Duration, TimeSpan.Zero);
            var offsets = ArrivalSchedule.Build(LoadProfile.Steady(), rate, plan.WindowEnd, options.Arrivals, options.Seed + 100 + k);
            var arrivals = MorningPlan.PlanArrivals(offsets, population, options.ResumeShare, shares, options.Seed + 200 + k);
            await output.WriteLineAsync(I(
                $"{label}: {rate:0.##} journeys/s ({arrivals.Count} arrivals), {plan.Warmup.TotalSeconds:0.#} s warm-up + {plan.Duration.TotalSeconds:0.#} s measured"));
            var outcome = await phases.RunAsync(plan, [new PhaseLoad("all", arrivals, pool, FollowToEnd: false)], cancellationToken);
            if (outcome.Stopped)
            {
                notes.Add($"Stopped by the operator during {label}; that load and the ones after it were not measured.");
                break;
            }

            var load = LoadSummary.Summarize(outcome.Events, "all", static _ => true, MeasureBasis.Window, outcome.WindowStart, outcome.WindowEnd, rate)
                with { ServerCores = outcome.ServerCores };
            measured.Add((factor, load));
            var end = plan.WindowEnd.TotalSeconds;
            timeline.AddRange(LoadSummary.Timeline(outcome.Events, static _ => true, label, timeline.Count, outcome.Ended, s => s < end ? rate : 0));
            await output.WriteLineAsync(
                I($"  goodput {load.GoodputPerSecond:0.##}/s, admitted p99 {load.AdmittedLatency.P99Ms:0.#} ms, waiting answers {load.WaitingAnswers}, ")
                + I($"5xx {load.ServerErrors}, timeouts {load.Timeouts}, connection errors {load.ConnectionErrors}, unfinished {load.UnfinishedJourneys}"));
        }

        var factors = OverloadVerdict.Compare(measured);
        var criteria = OverloadVerdict.Judge(factors);
        notes.AddRange(StandardNotes(factors, pool.Total));
        var settings = new OverloadSettings(
            options.Target.ToString(), Math.Round(capacity, 3), options.Capacity is null ? "measured" : "given", options.Factors,
            options.Duration.TotalSeconds, options.PhaseWarmup.TotalSeconds, options.Cooldown.TotalSeconds, options.ResumeShare,
            options.TeacherShare, options.ParentShare, options.ThinkTime.TotalSeconds, options.Timeout.TotalSeconds, options.MaxWait.TotalSeconds,
            options.Arrivals.ToString().ToLowerInvariant(), options.Seed, options.MaxUsers, pool.Total, options.SeedSummaryPath);
        return new OverloadReport(
            "Schoolbel.Peak overload", settings, startedAt, search, factors, criteria, criteria.All(c => c.Passed), timeline, notes);
    }

    public static async Task WriteAsync(string folder, OverloadReport report, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(
            Path.Combine(folder, "overload.json"), JsonSerializer.Serialize(report, OverloadJsonContext.Default.OverloadReport), cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(folder, "overload.html"), OverloadHtml.Render(report), cancellationToken);
    }

    private static IEnumerable<string> StandardNotes(IReadOnlyList<FactorResult> factors, int sessions)
    {
        yield return "Goodput counts journeys completed within each measured window, per second of the window. A journey served after "
            + "waiting answers continues and can complete; one still under way when the window ends (in a request, thinking, or waiting "
            + "out a Retry-After) is unfinished: neither completed nor an error.";
        yield return "Admitted requests are the answers without Retry-After, whatever their status; their latency runs from the attempt's "
            + "intended start (a retry's is the end of its Retry-After) to the end of the answer, so time in the server's queue counts.";
        foreach (var f in factors.Where(f => f.Load.DroppedAtMaxUsers > 0))
        {
            yield return I($"At {OverloadVerdict.X(f.Factor)}, {f.Load.DroppedAtMaxUsers} arrivals were dropped at --max-users: the simulator did not offer the full load.");
        }

        foreach (var f in factors.Where(f => f.Factor > 1 && f.Load.WaitingAnswers == 0 && f.Load.AdmittedLatency.Count > 0))
        {
            yield return I($"At {OverloadVerdict.X(f.Factor)} the server gave no waiting answers: it served (or queued) all of that load.");
        }

        if (factors.Any(f => f.Load.AdmittedLatency.Count is > 0 and < 1000))
        {
            yield return "Fewer than 1,000 admitted requests in a window make its p99.9 the maximum, and fewer than 100 its p99 too: lengthen --duration for firmer tails.";
        }

        if (sessions > 0)
        {
            yield return I($"Resumed journeys reuse {sessions} sessions signed in before the first load (not measured).");
        }

        yield return "The simulator runs on the machine it measures when the target is local: its own CPU is taken from the server's cores.";
    }

    private static string I(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
