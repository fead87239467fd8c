using System.Globalization;
using System.Net;
using System.Text;

namespace Schoolbel.Peak.Reports;

/// <summary>One line of a chart: a value per second, null where there is nothing to draw.</summary>
internal sealed record ChartSeries(string Name, string Color, IReadOnlyList<double?> Values);

/// <summary>
/// A line chart over the seconds of a run as inline SVG: the report must open from a file on a
/// machine without network, so no chart library, no script, no CDN.
/// </summary>
internal static class SvgChart
{
    private const int Width = 960;
    private const int Height = 280;
    private const int Left = 64;
    private const int Right = 16;
    private const int Top = 36;
    private const int Bottom = 36;

    /// <param name="logarithmic">Log scale from 1 upwards, for latencies that span 1 ms to seconds.</param>
    public static string Render(string title, string unit, IReadOnlyList<ChartSeries> series, bool logarithmic = false)
    {
        ArgumentNullException.ThrowIfNull(series);
        var seconds = Math.Max(1, series.Max(s => s.Values.Count));
        var max = series.SelectMany(s => s.Values).Where(v => v is > 0).Select(v => v!.Value).DefaultIfEmpty(1).Max();
        var ticks = logarithmic ? LogTicks(max) : LinearTicks(max);
        var top = ticks[^1];
        var plotWidth = Width - Left - Right;
        var plotHeight = Height - Top - Bottom;

        double X(double second) => Left + plotWidth * second / Math.Max(seconds - 1, 1);
        double Y(double value) => logarithmic
            ? Top + plotHeight * (1 - Math.Log10(Math.Max(value, 1)) / Math.Log10(top))
            : Top + plotHeight * (1 - value / top);

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture,
            $"""<svg class="chart" role="img" viewBox="0 0 {Width} {Height}" xmlns="http://www.w3.org/2000/svg" aria-label="{Encode(title)}">""");
        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Left}" y="18" class="chart-title">{Encode(title)} ({Encode(unit)})</text>""");

        // Legend on the title line, right-aligned.
        var legendX = Width - Right;
        for (var i = series.Count - 1; i >= 0; i--)
        {
            legendX -= 14 + 8 * series[i].Name.Length;
            svg.Append(CultureInfo.InvariantCulture, $"""<rect x="{legendX}" y="9" width="10" height="10" fill="{series[i].Color}"/>""");
            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{legendX + 13}" y="18" class="legend">{Encode(series[i].Name)}</text>""");
            legendX -= 10;
        }

        foreach (var tick in ticks)
        {
            var y = F(Y(tick));
            svg.Append(CultureInfo.InvariantCulture, $"""<line x1="{Left}" x2="{Width - Right}" y1="{y}" y2="{y}" class="grid"/>""");
            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Left - 6}" y="{y}" dy="4" text-anchor="end" class="axis">{Label(tick)}</text>""");
        }

        var step = NiceStep(seconds / 8.0);
        for (var s = 0.0; s < seconds; s += step)
        {
            svg.Append(CultureInfo.InvariantCulture,
                $"""<text x="{F(X(s))}" y="{Height - Bottom + 16}" text-anchor="middle" class="axis">{Label(s)}s</text>""");
        }

        svg.Append(CultureInfo.InvariantCulture,
            $"""<line x1="{Left}" x2="{Width - Right}" y1="{Height - Bottom}" y2="{Height - Bottom}" class="baseline"/>""");

        foreach (var line in series)
        {
            // A null (or, on a log scale, a zero) breaks the line rather than dropping it to 0.
            var points = new StringBuilder();
            void Flush()
            {
                if (points.Length > 0)
                {
                    svg.Append(CultureInfo.InvariantCulture,
                        $"""<polyline fill="none" stroke="{line.Color}" stroke-width="2" points="{points.ToString().TrimEnd()}"><title>{Encode(line.Name)}</title></polyline>""");
                    points.Clear();
                }
            }

            for (var i = 0; i < line.Values.Count; i++)
            {
                if (line.Values[i] is not { } value || (logarithmic && value <= 0))
                {
                    Flush();
                    continue;
                }

                points.Append(CultureInfo.InvariantCulture, $"{F(X(i))},{F(Y(value))} ");
            }

            Flush();
        }

        svg.Append("</svg>");
        return svg.ToString();
    }

    private static double[] LinearTicks(double max)
    {
        var step = NiceStep(max / 4);
        var ticks = new List<double>();
        for (var t = 0.0; t < max + step * 0.999; t += step)
        {
            ticks.Add(t);
        }

        return ticks.Count < 2 ? [0, step] : [.. ticks];
    }

    private static double[] LogTicks(double max)
    {
        var ticks = new List<double> { 1 };
        while (ticks[^1] < max)
        {
            ticks.Add(ticks[^1] * 10);
        }

        return ticks.Count < 2 ? [1, 10] : [.. ticks];
    }

    /// <summary>1, 2 or 5 times a power of ten, at least <paramref name="rough"/>.</summary>
    private static double NiceStep(double rough)
    {
        if (rough <= 0)
        {
            return 1;
        }

        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        foreach (var factor in new[] { 1.0, 2, 5, 10 })
        {
            if (factor * magnitude >= rough)
            {
                return factor * magnitude;
            }
        }

        return 10 * magnitude;
    }

    private static string Label(double value) =>
        value >= 1000 && value % 1000 == 0
            ? (value / 1000).ToString("0.#", CultureInfo.InvariantCulture) + "k"
            : value.ToString("0.##", CultureInfo.InvariantCulture);

    private static string F(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
