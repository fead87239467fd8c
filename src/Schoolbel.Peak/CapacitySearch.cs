using System.Globalization;
using System.Text.Json;
using Schoolbel.Peak.Cli;
using Schoolbel.Peak.Journeys;
using Schoolbel.Peak.Load;
using Schoolbel.Peak.Population;
using Schoolbel.Peak.Reports;
using Schoolbel.Peak.Results;

namespace Schoolbel.Peak;

/// <summary>One rate tried by capacity mode and whether the server sustained it.</summary>
internal sealed record CapacityStep(
    double RatePerSecond,
    double GoodputPerSecond,
    double P99Ms,
    double FailedShare,
    double WaitingPagesPerJourney,
    double? CpuMsPerJourney,
    bool Sustained,
    string Verdict,
    string ReportFolder);

/// <summary>The result of capacity mode, written to <c>capacity.json</c>.</summary>
internal sealed record CapacityReport(string Target, string Criteria, double? SustainableRatePerSecond, IReadOnlyList<CapacityStep> Steps);

/// <summary>
/// Capacity mode: steady load at a rising rate (each step <c>--step-factor</c> times the last)
/// until a step breaks a threshold: journey p99, the share of failed journeys, or waiting pages
/// per journey. The highest rate that held is the sustainable rate. Sessions for resumed journeys
/// are signed in once, before the first step.
/// </summary>
internal sealed class CapacitySearch(PeakOptions options, PeakRun run, TextWriter output)
{
    public async Task<CapacityReport> RunAsync(SeedPopulation population, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(population);
        var pool = PlanSessions(options, population);
        await run.WarmUpAsync(pool, cancellationToken);
        return await SearchAsync(population, pool, cancellationToken);
    }

    /// <summary>The sessions capacity mode (and the overload command after it) resumes: --warmup-sessions when any journey resumes.</summary>
    public static SessionPool PlanSessions(PeakOptions options, SeedPopulation population)
    {
        ArgumentNullException.ThrowIfNull(options);
        var shares = MorningPlan.RoleShares(options.TeacherShare, options.ParentShare);
        return MorningPlan.PlanSessions(population, options.ResumeShare > 0 ? options.WarmupSessions : 0, shares, caps: null, options.Seed);
    }

    /// <summary>The search itself, with sessions already signed in.</summary>
    public async Task<CapacityReport> SearchAsync(SeedPopulation population, SessionPool pool, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(population);
        ArgumentNullException.ThrowIfNull(pool);
        var shares = MorningPlan.RoleShares(options.TeacherShare, options.ParentShare);
        var criteria = string.Create(CultureInfo.InvariantCulture,
            $"p99 <= {options.MaxP99.TotalMilliseconds:0} ms, failed share <= {options.MaxErrorRate:0.###}, waiting pages per journey <= {options.MaxWaitingShare:0.###}, no arrivals dropped");
        var steps = new List<CapacityStep>();
        double? sustainable = null;
        var rate = options.Rate;
        for (var k = 0; k < options.MaxSteps && !cancellationToken.IsCancellationRequested; k++)
        {
            var profile = LoadProfile.Steady();
            var offsets = ArrivalSchedule.Build(profile, rate, options.StepDuration, options.Arrivals, options.Seed + k);
            var arrivals = MorningPlan.PlanArrivals(offsets, population, options.ResumeShare, shares, options.Seed + 1000 + k);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"capacity step {k + 1}: {rate:0.##} journeys/s for {options.StepDuration.TotalSeconds:0} s"));
            var report = await run.MeasureAsync(arrivals, pool, profile, rate, options.StepDuration, null, [], cancellationToken);

            var folder = Path.Combine(options.OutFolder, string.Create(CultureInfo.InvariantCulture, $"step-{k + 1:D2}-{rate:0.##}-per-s"));
            await ReportWriter.WriteAsync(folder, report, cancellationToken);
            var step = Judge(report, rate, folder);
            steps.Add(step);
            var cpuText = step.CpuMsPerJourney is { } cpu ? string.Create(CultureInfo.InvariantCulture, $", {cpu:0.#} CPU-ms/journey") : "";
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"  goodput {step.GoodputPerSecond:0.##}/s, p99 {step.P99Ms:0} ms, failed {step.FailedShare:P1}, waiting pages/journey {step.WaitingPagesPerJourney:0.###}{cpuText}: {step.Verdict}"));
            if (!step.Sustained)
            {
                break;
            }

            sustainable = rate;
            rate *= options.StepFactor;
        }

        var result = new CapacityReport(options.Target.ToString(), criteria, sustainable, steps);
        Directory.CreateDirectory(options.OutFolder);
        await File.WriteAllTextAsync(
            Path.Combine(options.OutFolder, "capacity.json"),
            JsonSerializer.Serialize(result, ReportJsonContext.Default.CapacityReport),
            cancellationToken);
        await output.WriteLineAsync(sustainable is { } best
            ? string.Create(CultureInfo.InvariantCulture, $"highest sustainable rate: {best:0.##} journeys/s ({criteria})")
            : $"no step was sustainable ({criteria}); try a lower --rate");
        return result;
    }

    private CapacityStep Judge(RunReport report, double rate, string folder)
    {
        var t = report.Totals;
        var started = Math.Max(t.Started, 1);
        var failedShare = (double)t.Failed / started;
        var waitingPerJourney = (double)t.WaitingPagesShown / started;
        var verdict = "sustained";
        if (t.DroppedAtMaxUsers > 0)
        {
            verdict = "simulator limit: arrivals dropped at --max-users";
        }
        else if (t.JourneyLatency.P99Ms > options.MaxP99.TotalMilliseconds)
        {
            verdict = "p99 over threshold";
        }
        else if (failedShare > options.MaxErrorRate)
        {
            verdict = "too many failed journeys";
        }
        else if (waitingPerJourney > options.MaxWaitingShare)
        {
            verdict = "too many waiting pages";
        }

        return new CapacityStep(rate, t.GoodputPerSecond, t.JourneyLatency.P99Ms, Math.Round(failedShare, 5), Math.Round(waitingPerJourney, 5),
            report.Cpu?.CpuMsPerJourney, verdict == "sustained", verdict, folder);
    }
}
