using System.Globalization;
using Schoolbel.Peak.Results;

namespace Schoolbel.Peak.Reports;

/// <summary>The end-of-run summary for a terminal: the figures that answer "did 08:30 hold?".</summary>
internal static class ConsoleReport
{
    public static async Task WriteAsync(TextWriter output, RunReport report)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(report);
        var t = report.Totals;
        var lines = new List<string>
        {
            I($"Schoolbel.Peak · {report.Settings.Profile} · baseline {report.Settings.BaseRatePerSecond:0.##}/s · {report.Settings.DurationSeconds:0} s · {report.Settings.ResumeShare:P0} resumed · {report.Settings.Target}"),
            I($"journeys: {t.Arrivals} arrived, {t.Completed} completed, {t.Failed} failed, {t.DroppedAtMaxUsers} dropped at --max-users"),
            I($"goodput:  {t.GoodputPerSecond:0.##}/s (peak {t.PeakGoodputPerSecond:0.##}/s), within 2 s {t.Within2sPerSecond:0.##}/s, within 10 s {t.Within10sPerSecond:0.##}/s"),
            I($"journey latency: p50 {t.JourneyLatency.P50Ms:0.0} ms, p90 {t.JourneyLatency.P90Ms:0.0}, p99 {t.JourneyLatency.P99Ms:0.0}, p99.9 {t.JourneyLatency.P999Ms:0.0}, max {t.JourneyLatency.MaxMs:0.0}"),
            I($"waiting pages: {t.WaitingPagesShown} shown, {t.SecondsInWaitingPages:0.#} s spent in them"),
            "errors: " + (t.ErrorsByKind.Count == 0 ? "none" : string.Join(", ", t.ErrorsByKind.Select(e => I($"{e.Key} {e.Value}")))),
        };
        if (report.Cpu is { } cpu)
        {
            lines.Add(I($"server CPU: {cpu.CpuSeconds:0.##} s over {cpu.WallSeconds:0.#} s ({cpu.AverageCoresBusy:0.##} cores), {cpu.CpuMsPerJourney:0.##} ms per journey, {cpu.CpuMsPerCompletedJourney:0.##} ms per completed journey"));
            if (cpu.PasswordChecks is { } checks)
            {
                lines.Add(I($"password checks: {checks} in the window") + (cpu.HashCpuMsPerCheck is { } each ? I($", {each:0.##} ms of CPU each (the hash's own cost, on its thread)") : "")
                    + I($"; server CPU beyond them: {cpu.CpuMsPerJourneyBeyondHash:0.##} ms per journey"));
            }
        }

        lines.Add("");
        lines.Add(I($"{"role",-8} {"step",-12} {"count",7} {"ok",7} {"p50 ms",9} {"p90 ms",9} {"p99 ms",9} {"p99.9 ms",9} {"max ms",9} {"waits",6}  errors"));
        foreach (var s in report.Steps)
        {
            var l = s.Latency;
            lines.Add(I($"{s.Role,-8} {s.Step,-12} {s.Count,7} {s.Ok,7} {l.P50Ms,9:0.0} {l.P90Ms,9:0.0} {l.P99Ms,9:0.0} {l.P999Ms,9:0.0} {l.MaxMs,9:0.0} {s.WaitingPagesShown,6}  ")
                + (s.Errors.Count == 0 ? "-" : string.Join(", ", s.Errors.Select(e => I($"{e.Key} {e.Value}")))));
        }

        lines.Add("");
        foreach (var j in report.Journeys)
        {
            lines.Add(I($"{j.Role,-8} {j.Kind,-9} started {j.Started,6} completed {j.Completed,6} failed {j.Failed,5}  p50 {j.Latency.P50Ms,8:0.0} ms  p99 {j.Latency.P99Ms,8:0.0} ms  max {j.Latency.MaxMs,8:0.0} ms"));
        }

        foreach (var note in report.Notes)
        {
            lines.Add("note: " + note);
        }

        foreach (var line in lines)
        {
            await output.WriteLineAsync(line);
        }
    }

    private static string I(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
