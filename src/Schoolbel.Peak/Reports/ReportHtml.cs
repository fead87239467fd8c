using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Schoolbel.Peak.Results;

namespace Schoolbel.Peak.Reports;

/// <summary>
/// The run as one self-contained HTML file: figures first, then charts over time, then the
/// tables per step and per journey. Everything is inline (styles, SVG, the data as JSON) so
/// the file can be mailed or archived and still open years later without a network.
/// </summary>
internal static class ReportHtml
{
    internal const string Style = """
        :root { color-scheme: light; --ink: #1d2330; --muted: #5b6475; --line: #dfe3ea; --bad: #c0392b; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #f6f7f9; }
        main { max-width: 1000px; margin: 0 auto; padding: 24px 20px 48px; }
        h1 { font-size: 26px; margin: 0 0 4px; }
        h2 { font-size: 19px; margin: 32px 0 10px; }
        .meta { color: var(--muted); margin: 0 0 18px; }
        .tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 10px; }
        .tile { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
        .tile strong { display: block; font-size: 22px; }
        .tile span { color: var(--muted); font-size: 13px; }
        .tile.bad strong { color: var(--bad); }
        figure { margin: 0 0 14px; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 8px; }
        .chart { width: 100%; height: auto; display: block; }
        .chart-title { font-weight: 600; font-size: 14px; fill: var(--ink); }
        .legend, .axis { font-size: 12px; fill: var(--muted); }
        .grid { stroke: var(--line); stroke-width: 1; }
        .baseline { stroke: #9aa3b2; stroke-width: 1; }
        table { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid var(--line); font-size: 13px; }
        th, td { padding: 6px 8px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
        th:first-child, td:first-child, th:nth-child(2), td:nth-child(2) { text-align: left; }
        td.errors { text-align: left; white-space: normal; }
        .bad { color: var(--bad); }
        ul.notes li { margin-bottom: 6px; }
        """;

    public static string Render(RunReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var t = report.Totals;
        var s = report.Settings;
        var html = new StringBuilder();
        html.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">");
        html.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        html.Append(CultureInfo.InvariantCulture, $"<title>Schoolbel peak report: {E(s.Profile)} at {N(s.BaseRatePerSecond)}/s</title>");
        html.Append("<style>").Append(Style).Append("</style></head><body><main>");
        html.Append("<h1>The 08:30 morning: what pupils experienced</h1>");
        html.Append(CultureInfo.InvariantCulture,
            $"<p class=\"meta\">{E(s.Target)} · profile {E(s.Profile)} · baseline {N(s.BaseRatePerSecond)} journeys/s · {N(s.DurationSeconds)} s of arrivals · "
            + $"{N(s.ResumeShare * 100)}% resumed · think time {N(s.ThinkTimeSeconds)} s · started {report.StartedAt.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)}</p>");

        html.Append("<section class=\"tiles\" aria-label=\"Summary\">");
        Tile(html, N(t.Completed) + " / " + N(t.Arrivals), "journeys completed / arrived", t.Completed < t.Arrivals);
        Tile(html, N(t.GoodputPerSecond) + "/s", "goodput (peak " + N(t.PeakGoodputPerSecond) + "/s)", false);
        Tile(html, N(t.Within2sPerSecond) + "/s", "completed within 2 s", false);
        Tile(html, N(t.Within10sPerSecond) + "/s", "completed within 10 s", false);
        Tile(html, Ms(t.JourneyLatency.P99Ms), "journey p99 (p50 " + Ms(t.JourneyLatency.P50Ms) + ")", false);
        Tile(html, N(t.ErrorsByKind.Values.Sum()), "errors", t.ErrorsByKind.Count > 0);
        Tile(html, N(t.WaitingPagesShown) + " · " + N(t.SecondsInWaitingPages) + " s", "waiting pages shown · time in them", false);
        if (report.Cpu is { } cpu)
        {
            Tile(html, N(cpu.CpuMsPerCompletedJourney) + " ms", "server CPU per completed journey", false);
        }

        html.Append("</section>");

        var timeline = report.Timeline;
        html.Append("<h2>Over time</h2>");
        Figure(html, SvgChart.Render("Arrival rate", "journeys/s",
        [
            new("offered", "#8e9aaf", [.. timeline.Select(x => (double?)x.OfferedRate)]),
            new("arrived", "#2a6fdb", [.. timeline.Select(x => (double?)x.Arrivals)]),
        ]));
        Figure(html, SvgChart.Render("Goodput", "journeys completed/s",
        [
            new("completed", "#2a6fdb", [.. timeline.Select(x => (double?)x.Completed)]),
            new("within 10 s", "#16a085", [.. timeline.Select(x => (double?)x.Within10s)]),
            new("within 2 s", "#27ae60", [.. timeline.Select(x => (double?)x.Within2s)]),
        ]));
        Figure(html, SvgChart.Render("Journey latency by completion second", "ms, log scale",
        [
            new("p50", "#27ae60", [.. timeline.Select(x => Positive(x.P50Ms))]),
            new("p90", "#f39c12", [.. timeline.Select(x => Positive(x.P90Ms))]),
            new("p99", "#c0392b", [.. timeline.Select(x => Positive(x.P99Ms))]),
        ], logarithmic: true));
        Figure(html, SvgChart.Render("Errors and waiting pages", "per second",
        [
            new("errors", "#c0392b", [.. timeline.Select(x => (double?)x.Errors)]),
            new("waiting pages", "#8e44ad", [.. timeline.Select(x => (double?)x.WaitingPagesShown)]),
        ]));
        if (timeline.Any(x => x.ServerCpuCores is not null))
        {
            Figure(html, SvgChart.Render("Server CPU", "cores busy",
            [
                new("server", "#34495e", [.. timeline.Select(x => x.ServerCpuCores)]),
            ]));
        }

        html.Append("<h2>Steps</h2><table><thead><tr><th>Role</th><th>Step</th><th>Count</th><th>OK</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>Max</th>"
            + "<th>Waiting pages</th><th>Bytes</th><th>Errors</th></tr></thead><tbody>");
        foreach (var step in report.Steps)
        {
            var l = step.Latency;
            html.Append(CultureInfo.InvariantCulture,
                $"<tr><td>{E(step.Role)}</td><td>{E(step.Step)}</td><td>{N(step.Count)}</td><td>{N(step.Ok)}</td><td>{Ms(l.P50Ms)}</td><td>{Ms(l.P90Ms)}</td>"
                + $"<td>{Ms(l.P99Ms)}</td><td>{Ms(l.P999Ms)}</td><td>{Ms(l.MaxMs)}</td><td>{N(step.WaitingPagesShown)} ({N(step.SecondsInWaitingPages)} s)</td>"
                + $"<td>{N(step.BytesReceived)}</td><td class=\"errors{(step.Errors.Count > 0 ? " bad" : "")}\">{E(Errors(step.Errors))}</td></tr>");
        }

        html.Append("</tbody></table>");

        html.Append("<h2>Journeys</h2><table><thead><tr><th>Role</th><th>Kind</th><th>Started</th><th>Completed</th><th>Failed</th><th>≤ 2 s</th><th>≤ 10 s</th>"
            + "<th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>Max</th></tr></thead><tbody>");
        foreach (var journey in report.Journeys)
        {
            var l = journey.Latency;
            html.Append(CultureInfo.InvariantCulture,
                $"<tr><td>{E(journey.Role)}</td><td>{E(journey.Kind)}</td><td>{N(journey.Started)}</td><td>{N(journey.Completed)}</td>"
                + $"<td{(journey.Failed > 0 ? " class=\"bad\"" : "")}>{N(journey.Failed)}</td><td>{N(journey.CompletedWithin2s)}</td><td>{N(journey.CompletedWithin10s)}</td>"
                + $"<td>{Ms(l.P50Ms)}</td><td>{Ms(l.P90Ms)}</td><td>{Ms(l.P99Ms)}</td><td>{Ms(l.P999Ms)}</td><td>{Ms(l.MaxMs)}</td></tr>");
        }

        html.Append("</tbody></table>");

        if (report.NotAvailable.Count > 0)
        {
            html.Append("<h2>Not available on this server yet</h2><table><thead><tr><th>Role</th><th>Step</th><th>Journeys that skipped it</th></tr></thead><tbody>");
            foreach (var skipped in report.NotAvailable)
            {
                html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(skipped.Role)}</td><td>{E(skipped.Step)}</td><td>{N(skipped.Journeys)}</td></tr>");
            }

            html.Append("</tbody></table>");
        }

        if (report.Cpu is { } c)
        {
            html.Append(CultureInfo.InvariantCulture,
                $"<h2>Server CPU</h2><p>Process {c.Pid}: {N(c.CpuSeconds)} CPU s in {N(c.WallSeconds)} s ({N(c.AverageCoresBusy)} cores busy on average); "
                + $"{N(c.CpuMsPerJourney)} ms per journey, {N(c.CpuMsPerCompletedJourney)} ms per completed journey.</p>");
            if (c.PasswordChecks is { } checks)
            {
                html.Append("<p>Password checks in the window: ").Append(N(checks));
                if (c.HashCpuMsPerCheck is { } each)
                {
                    html.Append(", ").Append(N(each)).Append(" ms of CPU each (the hash's own cost, on its thread)");
                }

                html.Append("; server CPU beyond them: ").Append(N(c.CpuMsPerJourneyBeyondHash ?? 0)).Append(" ms per journey.</p>");
            }
        }

        if (report.Notes.Count > 0)
        {
            html.Append("<h2>Notes</h2><ul class=\"notes\">");
            foreach (var note in report.Notes)
            {
                html.Append("<li>").Append(E(note)).Append("</li>");
            }

            html.Append("</ul>");
        }

        // The full data, for anyone who wants to chart it differently. The default encoder
        // escapes '<', so the JSON cannot close the script element early.
        html.Append("<script type=\"application/json\" id=\"report-data\">")
            .Append(JsonSerializer.Serialize(report, ReportJsonContext.Default.RunReport))
            .Append("</script></main></body></html>\n");
        return html.ToString();
    }

    private static void Tile(StringBuilder html, string value, string label, bool bad) =>
        html.Append(CultureInfo.InvariantCulture, $"<div class=\"tile{(bad ? " bad" : "")}\"><strong>{E(value)}</strong><span>{E(label)}</span></div>");

    private static void Figure(StringBuilder html, string svg) => html.Append("<figure>").Append(svg).Append("</figure>");

    private static double? Positive(double value) => value > 0 ? value : null;

    private static string Errors(IReadOnlyDictionary<string, long> errors) =>
        errors.Count == 0 ? "none" : string.Join(", ", errors.Select(e => e.Key + ": " + N(e.Value)));

    private static string N(double value) => value.ToString("#,0.##", CultureInfo.InvariantCulture);

    private static string Ms(double value) =>
        value >= 1000 ? (value / 1000).ToString("0.00", CultureInfo.InvariantCulture) + " s" : value.ToString("0.0", CultureInfo.InvariantCulture) + " ms";

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
