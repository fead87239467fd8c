using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Schoolbel.Peak.Reports;

namespace Schoolbel.Peak.Overload;

/// <summary>
/// <c>overload.html</c> and <c>fairness.html</c>: the verdict first, then the figures per load
/// (or per school), then charts over the run and the notes. Self-contained like the run report
/// (inline styles, inline SVG, the data as JSON), so it opens offline years later.
/// </summary>
internal static class OverloadHtml
{
    private const string ExtraStyle = """
        .verdict { margin: 0 0 12px; font-size: 18px; font-weight: 600; }
        .verdict.ok, .tile.ok strong { color: #1e8449; }
        .criteria li { margin-bottom: 8px; }
        .criteria .detail { display: block; color: var(--muted); font-size: 13px; }
        .scroll { overflow-x: auto; }
        table.numbers th:nth-child(2), table.numbers td:nth-child(2) { text-align: right; }
        """;

    public static string Render(OverloadReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var s = report.Settings;
        var html = Start("Schoolbel overload report: " + string.Join(", ", s.Factors.Select(OverloadVerdict.X)) + " capacity");
        html.Append("<h1>Overload: ").Append(E(string.Join(", ", s.Factors.Select(OverloadVerdict.X)))).Append(" measured capacity</h1>");
        html.Append(CultureInfo.InvariantCulture,
            $"<p class=\"meta\">{E(s.Target)} · capacity {N(s.CapacityPerSecond)} journeys/s ({E(s.CapacitySource)}) · {N(s.DurationSeconds)} s measured per load after "
            + $"{N(s.WarmupSeconds)} s warm-up, {N(s.CooldownSeconds)} s cool-down between · {N(s.ResumeShare * 100)}% resumed · think time {N(s.ThinkTimeSeconds)} s · "
            + $"started {report.StartedAt.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)}</p>");
        Verdict(html, report.Passed, report.Criteria);

        html.Append("<h2>Goodput</h2><div class=\"scroll\"><table class=\"numbers\"><thead><tr><th>Load</th><th>Offered</th><th>Goodput</th><th>≤ 2 s</th><th>≤ 10 s</th><th>vs 1x</th>"
            + "<th>Completed</th><th>Failed</th><th>Unfinished (waiting)</th><th>Dropped</th><th>Server CPU</th></tr></thead><tbody>");
        foreach (var f in report.Factors)
        {
            var l = f.Load;
            html.Append(CultureInfo.InvariantCulture,
                $"<tr><td>{OverloadVerdict.X(f.Factor)}</td><td>{N(l.OfferedRatePerSecond)}/s</td><td>{N(l.GoodputPerSecond)}/s</td><td>{N(l.Within2sPerSecond)}/s</td>"
                + $"<td>{N(l.Within10sPerSecond)}/s</td><td{Bad(f.GoodputRatioTo1x < OverloadVerdict.MinGoodputRatio && f.Factor > 1)}>{Percent(f.GoodputRatioTo1x)}</td>"
                + $"<td>{N(l.Completed)}</td><td{Bad(l.FailedJourneys > 0)}>{N(l.FailedJourneys)}</td><td>{N(l.UnfinishedJourneys)} ({N(l.UnfinishedWhileWaiting)})</td>"
                + $"<td{Bad(l.DroppedAtMaxUsers > 0)}>{N(l.DroppedAtMaxUsers)}</td><td>{Cores(l.ServerCores)}</td></tr>");
        }

        html.Append("</tbody></table></div>");

        html.Append("<h2>Admitted requests</h2><div class=\"scroll\"><table class=\"numbers\"><thead><tr><th>Load</th><th>Admitted</th><th>p50</th><th>p90</th>"
            + "<th>p99</th><th>p99.9</th><th>Max</th><th>p99 vs 1x</th></tr></thead><tbody>");
        foreach (var f in report.Factors)
        {
            var a = f.Load.AdmittedLatency;
            html.Append(CultureInfo.InvariantCulture,
                $"<tr><td>{OverloadVerdict.X(f.Factor)}</td><td>{N(a.Count)}</td><td>{Ms(a.P50Ms)}</td><td>{Ms(a.P90Ms)}</td><td>{Ms(a.P99Ms)}</td><td>{Ms(a.P999Ms)}</td>"
                + $"<td>{Ms(a.MaxMs)}</td><td{Bad(f.AdmittedP99RatioTo1x > OverloadVerdict.MaxAdmittedP99Ratio)}>{Times(f.AdmittedP99RatioTo1x)}</td></tr>");
        }

        html.Append("</tbody></table></div>");

        html.Append("<h2>Waiting answers and errors</h2><div class=\"scroll\"><table><thead><tr><th>Load</th><th>Waiting answers (by status)</th><th>Time waiting</th>"
            + "<th>5xx</th><th>Timeouts</th><th>Connection errors</th><th>Other errors</th><th>Gave up waiting</th></tr></thead><tbody>");
        foreach (var f in report.Factors)
        {
            var l = f.Load;
            html.Append(CultureInfo.InvariantCulture,
                $"<tr><td>{OverloadVerdict.X(f.Factor)}</td><td>{E(OverloadConsole.Waiting(l))}</td><td>{N(l.SecondsWaiting)} s</td>"
                + $"<td{Bad(l.ServerErrors > 0)}>{N(l.ServerErrors)}</td><td{Bad(l.Timeouts > 0)}>{N(l.Timeouts)}</td><td{Bad(l.ConnectionErrors > 0)}>{N(l.ConnectionErrors)}</td>"
                + $"<td{Bad(l.OtherErrors > 0)}>{N(l.OtherErrors)}</td><td>{N(l.GaveUpWaiting)}</td></tr>");
        }

        html.Append("</tbody></table></div>");

        var t = report.Timeline;
        html.Append("<h2>Over the run</h2><p class=\"meta\">The loads one after another (")
            .Append(E(string.Join(", ", report.Factors.Select(f => OverloadVerdict.X(f.Factor) + " from " + N(t.FirstOrDefault(x => x.Phase == OverloadVerdict.X(f.Factor))?.Second ?? 0) + " s"))))
            .Append("), each with its warm-up; cool-downs left out.</p>");
        Charts(html, t);
        Notes(html, report.Notes);
        return End(html, JsonSerializer.Serialize(report, OverloadJsonContext.Default.OverloadReport));
    }

    public static string Render(FairnessReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var s = report.Settings;
        var html = Start($"Schoolbel fairness report: {s.QuietSchool} next to {s.NoisySchool}");
        html.Append("<h1>Fairness: a quiet school next to a noisy one</h1>");
        html.Append(CultureInfo.InvariantCulture,
            $"<p class=\"meta\">{E(s.Target)} · quiet {E(s.QuietSchool)} at {N(s.QuietRatePerSecond)} journeys/s · noisy {E(s.NoisySchool)} at {N(s.NoisyRatePerSecond)} journeys/s "
            + $"({N(s.NoisyFactor)}x) · {N(s.DurationSeconds)} s measured after {N(s.WarmupSeconds)} s warm-up · {N(s.ResumeShare * 100)}% resumed · "
            + $"started {report.StartedAt.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)}</p>");
        Verdict(html, report.Criterion.Passed, [report.Criterion]);
        html.Append("<section class=\"tiles\" aria-label=\"Summary\">");
        Tile(html, Times(report.AdmittedP99Ratio), "quiet school's admitted p99, with / without the neighbour", report.AdmittedP99Ratio is not <= OverloadVerdict.MaxQuietP99Ratio);
        Tile(html, Times(report.JourneyP99Ratio), "quiet school's journey p99, with / without the neighbour", report.JourneyP99Ratio is not <= OverloadVerdict.MaxQuietP99Ratio);
        Tile(html, N(report.Noisy.GoodputPerSecond) + "/s", "neighbour's goodput (" + N(report.Noisy.OfferedRatePerSecond) + "/s offered)", null);
        Tile(html, N(report.Noisy.WaitingAnswers), "neighbour's waiting answers", null);
        html.Append("</section>");

        html.Append("<h2>Journeys per school</h2><p class=\"meta\">The quiet school: its journeys that arrived in the window, followed to their end. The neighbour: what completed within the window. Unfinished: still under way at the end (in brackets: of those, waiting out a Retry-After). p50 and p99 are of whole journeys.</p><div class=\"scroll\"><table><thead><tr><th>School</th><th>Phase</th><th>Arrived</th><th>Completed</th>"
            + "<th>Goodput</th><th>Unfinished (waiting)</th><th>Failed</th><th>p50</th><th>p99</th><th>Server CPU</th></tr></thead><tbody>");
        foreach (var (school, phase, l) in Rows(report))
        {
            html.Append(CultureInfo.InvariantCulture,
                $"<tr><td>{E(school)}</td><td>{E(phase)}</td><td>{N(l.Arrivals)}</td><td>{N(l.Completed)}</td><td>{N(l.GoodputPerSecond)}/s</td>"
                + $"<td>{N(l.UnfinishedJourneys)} ({N(l.UnfinishedWhileWaiting)})</td><td{Bad(l.FailedJourneys > 0)}>{N(l.FailedJourneys)}</td>"
                + $"<td>{Ms(l.JourneyLatency.P50Ms)}</td><td>{Ms(l.JourneyLatency.P99Ms)}</td><td>{Cores(l.ServerCores)}</td></tr>");
        }

        html.Append("</tbody></table></div>");

        html.Append("<h2>Answers per school</h2><div class=\"scroll\"><table><thead><tr><th>School</th><th>Phase</th><th>Admitted</th><th>p50</th><th>p99</th>"
            + "<th>Waiting answers</th><th>Time waiting</th><th>5xx</th><th>Timeouts</th><th>Conn. errors</th></tr></thead><tbody>");
        foreach (var (school, phase, l) in Rows(report))
        {
            var a = l.AdmittedLatency;
            html.Append(CultureInfo.InvariantCulture,
                $"<tr><td>{E(school)}</td><td>{E(phase)}</td><td>{N(a.Count)}</td><td>{Ms(a.P50Ms)}</td><td>{Ms(a.P99Ms)}</td>"
                + $"<td>{E(OverloadConsole.Waiting(l))}</td><td>{N(l.SecondsWaiting)} s</td><td{Bad(l.ServerErrors > 0)}>{N(l.ServerErrors)}</td>"
                + $"<td{Bad(l.Timeouts > 0)}>{N(l.Timeouts)}</td><td{Bad(l.ConnectionErrors > 0)}>{N(l.ConnectionErrors)}</td></tr>");
        }

        html.Append("</tbody></table></div>");

        html.Append("<h2>Over the run</h2><p class=\"meta\">Phase 1 (the quiet school alone), then phase 2 (with the neighbour); cool-down left out.</p>");
        var quiet = report.QuietTimeline;
        var noisy = report.NoisyTimeline;
        Figure(html, SvgChart.Render("Admitted requests p99 by second", "ms, log scale",
        [
            new(s.QuietSchool, "#2a6fdb", [.. quiet.Select(x => x.AdmittedP99Ms)]),
            new(s.NoisySchool, "#c0392b", [.. noisy.Select(x => x.AdmittedP99Ms)]),
        ], logarithmic: true));
        Figure(html, SvgChart.Render("Journeys completed", "per second",
        [
            new(s.QuietSchool, "#2a6fdb", [.. quiet.Select(x => (double?)x.Completed)]),
            new(s.NoisySchool, "#c0392b", [.. noisy.Select(x => (double?)x.Completed)]),
        ]));
        Figure(html, SvgChart.Render("Waiting answers", "per second",
        [
            new(s.QuietSchool, "#2a6fdb", [.. quiet.Select(x => (double?)x.WaitingAnswers)]),
            new(s.NoisySchool, "#c0392b", [.. noisy.Select(x => (double?)x.WaitingAnswers)]),
        ]));
        Notes(html, report.Notes);
        return End(html, JsonSerializer.Serialize(report, OverloadJsonContext.Default.FairnessReport));
    }

    private static void Charts(StringBuilder html, IReadOnlyList<PhaseSecond> t)
    {
        Figure(html, SvgChart.Render("Offered and completed journeys", "journeys/s",
        [
            new("offered", "#8e9aaf", [.. t.Select(x => (double?)x.OfferedRate)]),
            new("arrived", "#2a6fdb", [.. t.Select(x => (double?)x.Arrivals)]),
            new("completed", "#27ae60", [.. t.Select(x => (double?)x.Completed)]),
        ]));
        Figure(html, SvgChart.Render("Admitted requests p99 by second", "ms, log scale",
        [
            new("p99", "#c0392b", [.. t.Select(x => x.AdmittedP99Ms)]),
        ], logarithmic: true));
        Figure(html, SvgChart.Render("Waiting answers and failed steps", "per second",
        [
            new("waiting answers", "#8e44ad", [.. t.Select(x => (double?)x.WaitingAnswers)]),
            new("failed steps", "#c0392b", [.. t.Select(x => (double?)x.FailedSteps)]),
        ]));
    }

    private static IEnumerable<(string School, string Phase, LoadResult Load)> Rows(FairnessReport report)
    {
        yield return (report.Settings.QuietSchool, "alone", report.QuietAlone);
        yield return (report.Settings.QuietSchool, "with neighbour", report.QuietWithNoisy);
        yield return (report.Settings.NoisySchool, "neighbour", report.Noisy);
    }

    private static StringBuilder Start(string title)
    {
        var html = new StringBuilder();
        html.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">");
        html.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        html.Append("<title>").Append(E(title)).Append("</title>");
        html.Append("<style>").Append(ReportHtml.Style).Append(ExtraStyle).Append("</style></head><body><main>");
        return html;
    }

    private static string End(StringBuilder html, string json) =>
        // The default encoder escapes '<', so the JSON cannot close the script element early.
        html.Append("<script type=\"application/json\" id=\"report-data\">").Append(json).Append("</script></main></body></html>\n").ToString();

    private static void Verdict(StringBuilder html, bool passed, IReadOnlyList<Criterion> criteria)
    {
        html.Append(CultureInfo.InvariantCulture, $"<p class=\"verdict {(passed ? "ok" : "bad")}\">{(passed ? "Benchmark met" : "Benchmark not met")}</p>");
        html.Append("<ul class=\"criteria\">");
        foreach (var c in criteria)
        {
            html.Append(CultureInfo.InvariantCulture,
                $"<li><strong class=\"{(c.Passed ? "ok" : "bad")}\">{(c.Passed ? "met" : "not met")}</strong> {E(c.Goal)}<span class=\"detail\">{E(c.Detail)}</span></li>");
        }

        html.Append("</ul>");
    }

    private static void Notes(StringBuilder html, IReadOnlyList<string> notes)
    {
        if (notes.Count == 0)
        {
            return;
        }

        html.Append("<h2>Notes</h2><ul class=\"notes\">");
        foreach (var note in notes)
        {
            html.Append("<li>").Append(E(note)).Append("</li>");
        }

        html.Append("</ul>");
    }

    /// <param name="bad">True: fails the goal; false: meets it; null: for information.</param>
    private static void Tile(StringBuilder html, string value, string label, bool? bad) =>
        html.Append(CultureInfo.InvariantCulture,
            $"<div class=\"tile{(bad switch { true => " bad", false => " ok", null => "" })}\"><strong>{E(value)}</strong><span>{E(label)}</span></div>");

    private static void Figure(StringBuilder html, string svg) => html.Append("<figure>").Append(svg).Append("</figure>");

    private static string Bad(bool bad) => bad ? " class=\"bad\"" : "";

    private static string Percent(double? ratio) => ratio is { } r ? (r * 100).ToString("0", CultureInfo.InvariantCulture) + "%" : "–";

    private static string Times(double? ratio) => ratio is { } r ? r.ToString("0.00", CultureInfo.InvariantCulture) + "x" : "–";

    private static string Cores(double? cores) => cores is { } c ? c.ToString("0.00", CultureInfo.InvariantCulture) + " cores" : "–";

    private static string N(double value) => value.ToString("#,0.##", CultureInfo.InvariantCulture);

    private static string Ms(double value) =>
        value >= 1000 ? (value / 1000).ToString("0.00", CultureInfo.InvariantCulture) + " s" : value.ToString("0.0", CultureInfo.InvariantCulture) + " ms";

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
