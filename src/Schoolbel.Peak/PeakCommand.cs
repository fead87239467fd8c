using System.Globalization;
using Schoolbel.Peak.Cli;
using Schoolbel.Peak.Load;
using Schoolbel.Peak.Population;
using Schoolbel.Peak.Reports;

namespace Schoolbel.Peak;

/// <summary>
/// The command line: parse, load the seeded population, then <c>run</c> one morning or search
/// the <c>capacity</c>. Reports and the summary go to standard output and files; progress and
/// errors to standard error.
/// </summary>
internal static class PeakCommand
{
    public static async Task<int> RunAsync(string[] args, TimeProvider time, TextWriter output, TextWriter progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(progress);
        var options = PeakOptionsParser.Parse(args, out var error, out var help);
        if (help)
        {
            await output.WriteLineAsync(PeakOptionsParser.Help);
            return 0;
        }

        if (options is null)
        {
            await progress.WriteLineAsync(error);
            await progress.WriteLineAsync("See Schoolbel.Peak --help.");
            return 2;
        }

        if (options.ResumeShare > 0 && options.WarmupSessions == 0)
        {
            await progress.WriteLineAsync("--resume-share above 0 needs --warmup-sessions of at least 1 (sessions to resume).");
            return 2;
        }

        try
        {
            var population = options.SeedSummaryPath is { } path
                ? await SeedPopulation.LoadAsync(path, cancellationToken)
                : SeedPopulation.FromPattern(options.Schools, options.PupilsPerSchool);
            var run = new PeakRun(options, time, progress);
            await run.ProbeAsync(population, cancellationToken);
            if (options.Command == PeakCommandKind.Capacity)
            {
                var capacity = await new CapacitySearch(options, run, output).RunAsync(population, cancellationToken);
                return capacity.Steps.Count > 0 ? 0 : 1;
            }

            return await RunMorningAsync(options, population, run, time, output, cancellationToken);
        }
        catch (PeakRunException e)
        {
            await progress.WriteLineAsync(e.Message);
            return 1;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or FormatException or System.Text.Json.JsonException or UnauthorizedAccessException)
        {
            await progress.WriteLineAsync($"Could not read the seed summary: {e.Message}");
            return 1;
        }
    }

    private static async Task<int> RunMorningAsync(
        PeakOptions options, SeedPopulation population, PeakRun run, TimeProvider time, TextWriter output, CancellationToken cancellationToken)
    {
        var profile = LoadProfile.Parse(options.ProfileText, options.Duration, options.Ramp, out _)!;
        DateTimeOffset? startAt = null;
        if (options.StartAt is { } at)
        {
            var now = time.GetLocalNow();
            var start = new DateTimeOffset(DateOnly.FromDateTime(now.DateTime).ToDateTime(at), now.Offset);
            if (start <= now)
            {
                throw new PeakRunException(string.Create(CultureInfo.InvariantCulture,
                    $"--start-at {at:HH:mm:ss} has already passed today (it is {now:HH:mm:ss})."));
            }

            startAt = start;
        }

        var report = await run.RunMorningAsync(population, profile, startAt, cancellationToken);
        await ReportWriter.WriteAsync(options.OutFolder, report, cancellationToken);
        await ConsoleReport.WriteAsync(output, report);
        await output.WriteLineAsync($"report: {Path.GetFullPath(Path.Combine(options.OutFolder, "report.html"))}");
        return 0;
    }
}
