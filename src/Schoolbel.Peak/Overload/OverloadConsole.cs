using System.Globalization;

namespace Schoolbel.Peak.Overload;

/// <summary>The end-of-run tables of <c>overload</c> and <c>fairness</c> for a terminal.</summary>
internal static class OverloadConsole
{
    public static async Task WriteAsync(TextWriter output, OverloadReport report)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(report);
        var s = report.Settings;
        var lines = new List<string>
        {
            I($"Overload · capacity {s.CapacityPerSecond:0.##} journeys/s ({s.CapacitySource}) · {s.DurationSeconds:0.#} s measured per load after {s.WarmupSeconds:0.#} s warm-up · {s.ResumeShare * 100:0}% resumed · {s.Target}"),
            "",
            I($"{"load",-6} {"offered/s",9} {"goodput/s",9} {"<=2s/s",8} {"<=10s/s",8} {"vs 1x",7} {"completed",9} {"failed",7} {"unfinished (waiting)",21}"),
        };
        foreach (var f in report.Factors)
        {
            var l = f.Load;
            lines.Add(I($"{OverloadVerdict.X(f.Factor),-6} {l.OfferedRatePerSecond,9:0.##} {l.GoodputPerSecond,9:0.##} {l.Within2sPerSecond,8:0.##} {l.Within10sPerSecond,8:0.##} {Ratio(f.GoodputRatioTo1x * 100, "0'%'"),7} {l.Completed,9} {l.FailedJourneys,7} {I($"{l.UnfinishedJourneys} ({l.UnfinishedWhileWaiting})"),21}"));
        }

        lines.Add("");
        lines.Add(I($"{"load",-6} {"admitted",9} {"p50 ms",8} {"p99 ms",8} {"p99.9 ms",9} {"p99 vs 1x",9} {"waiting answers (by status)",28} {"waited s",9} {"5xx",5} {"timeouts",8} {"conn",5} {"other",6} {"gave up",7}"));
        foreach (var f in report.Factors)
        {
            var l = f.Load;
            var a = l.AdmittedLatency;
            lines.Add(I($"{OverloadVerdict.X(f.Factor),-6} {a.Count,9} {a.P50Ms,8:0.0} {a.P99Ms,8:0.0} {a.P999Ms,9:0.0} {Ratio(f.AdmittedP99RatioTo1x, "0.00'x'"),9} {Waiting(l),28} {l.SecondsWaiting,9:0.#} {l.ServerErrors,5} {l.Timeouts,8} {l.ConnectionErrors,5} {l.OtherErrors,6} {l.GaveUpWaiting,7}"));
        }

        lines.Add("");
        foreach (var c in report.Criteria)
        {
            lines.Add($"{(c.Passed ? "[met]    " : "[NOT met]")} {c.Goal}");
            lines.Add("          " + c.Detail);
        }

        lines.Add(report.Passed ? "=> benchmark met" : "=> benchmark NOT met");
        lines.AddRange(report.Notes.Select(n => "note: " + n));
        foreach (var line in lines)
        {
            await output.WriteLineAsync(line);
        }
    }

    public static async Task WriteAsync(TextWriter output, FairnessReport report)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(report);
        var s = report.Settings;
        var lines = new List<string>
        {
            I($"Fairness · quiet {s.QuietSchool} at {s.QuietRatePerSecond:0.##}/s · noisy {s.NoisySchool} at {s.NoisyRatePerSecond:0.##}/s ({s.NoisyFactor:0.##}x) · {s.DurationSeconds:0.#} s measured after {s.WarmupSeconds:0.#} s warm-up · {s.Target}"),
            "",
            I($"{"",-24} {"arrived",7} {"completed",9} {"goodput/s",9} {"unfinished",10} {"waiting",7} {"5xx",4} {"timeouts",8} {"conn",4} {"admitted",8} {"p50 ms",8} {"p99 ms",8} {"journey p50",11} {"journey p99",11}"),
            Row($"{s.QuietSchool} alone", report.QuietAlone),
            Row($"{s.QuietSchool} with neighbour", report.QuietWithNoisy),
            Row($"{s.NoisySchool} (neighbour)", report.Noisy),
            "",
            I($"=> quiet school p99 with / without the neighbour: admitted requests {Ratio(report.AdmittedP99Ratio, "0.00'x'")}, journeys {Ratio(report.JourneyP99Ratio, "0.00'x'")} (goal <= {OverloadVerdict.MaxQuietP99Ratio:0}x): {(report.Criterion.Passed ? "met" : "NOT met")}"),
            "   " + report.Criterion.Detail,
            I($"   neighbour: goodput {report.Noisy.GoodputPerSecond:0.##}/s of {report.Noisy.OfferedRatePerSecond:0.##}/s offered, waiting answers {Waiting(report.Noisy)}, {report.Noisy.SecondsWaiting:0.#} s waited"),
        };
        lines.AddRange(report.Notes.Select(n => "note: " + n));
        foreach (var line in lines)
        {
            await output.WriteLineAsync(line);
        }
    }

    private static string Row(string name, LoadResult l) =>
        I($"{name,-24} {l.Arrivals,7} {l.Completed,9} {l.GoodputPerSecond,9:0.##} {l.UnfinishedJourneys,10} {l.WaitingAnswers,7} {l.ServerErrors,4} {l.Timeouts,8} {l.ConnectionErrors,4} {l.AdmittedLatency.Count,8} {l.AdmittedLatency.P50Ms,8:0.0} {l.AdmittedLatency.P99Ms,8:0.0} {l.JourneyLatency.P50Ms,11:0.0} {l.JourneyLatency.P99Ms,11:0.0}");

    internal static string Waiting(LoadResult l) =>
        l.WaitingAnswersByStatus.Count == 0
            ? I($"{l.WaitingAnswers}")
            : I($"{l.WaitingAnswers} (") + string.Join(", ", l.WaitingAnswersByStatus.Select(w => I($"{w.Key}: {w.Value}"))) + ")";

    private static string Ratio(double? ratio, string format) =>
        ratio is { } r ? r.ToString(format, CultureInfo.InvariantCulture) : "-";

    private static string I(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
