using System.Text.Json;
using Schoolbel.Peak.Results;

namespace Schoolbel.Peak.Reports;

/// <summary>Writes <c>report.json</c> and <c>report.html</c> of one run into a folder.</summary>
internal static class ReportWriter
{
    public static async Task WriteAsync(string folder, RunReport report, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "report.json"), JsonSerializer.Serialize(report, ReportJsonContext.Default.RunReport), cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(folder, "report.html"), ReportHtml.Render(report), cancellationToken);
    }
}
