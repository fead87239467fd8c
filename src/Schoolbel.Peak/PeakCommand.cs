using System.Globalization;
using Schoolbel.Peak.Cli;
using Schoolbel.Peak.Load;
using Schoolbel.Peak.Overload;
using Schoolbel.Peak.Population;
using Schoolbel.Peak.Reports;
using Schoolbel.Peak.SignInBench;

namespace Schoolbel.Peak;

/// <summary>
/// The command line: parse, load the seeded population, then <c>run</c> one morning, search
/// the <c>capacity</c>, measure <c>overload</c> at multiples of it or <c>fairness</c> between two
/// schools, or measure <c>signin</c> under the storm. Reports and the summary go to standard output and files; progress and
/// errors to standard error.
/// </summary>
internal static class PeakCommand
{
    public static async Task<int> RunAsync(string[] args, TimeProvider time, TextWriter output, TextWriter progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(progress);
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length > 0 && args[0] == "signin")
        {
            return await RunSignInAsync(args[1..], time, output, progress, cancellationToken);
        }

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

            if (options.Command == PeakCommandKind.Overload)
            {
                var overload = await new OverloadRun(options, run, time, output, progress).RunAsync(population, cancellationToken);
                await OverloadRun.WriteAsync(options.OutFolder, overload, cancellationToken);
                await OverloadConsole.WriteAsync(output, overload);
                await output.WriteLineAsync($"report: {Path.GetFullPath(Path.Combine(options.OutFolder, "overload.html"))}");
                return 0;
            }

            if (options.Command == PeakCommandKind.Fairness)
            {
                var fairness = await new FairnessRun(options, run, time, output, progress).RunAsync(population, cancellationToken);
                await FairnessRun.WriteAsync(options.OutFolder, fairness, cancellationToken);
                await OverloadConsole.WriteAsync(output, fairness);
                await output.WriteLineAsync($"report: {Path.GetFullPath(Path.Combine(options.OutFolder, "fairness.html"))}");
                return 0;
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

    /// <summary>The <c>signin</c> command: sign-in capacity against the raw hash rate, and the today page under a storm.</summary>
    private static async Task<int> RunSignInAsync(string[] args, TimeProvider time, TextWriter output, TextWriter progress, CancellationToken cancellationToken)
    {
        var options = SignInBenchOptionsParser.Parse(args, out var error, out var help);
        if (help)
        {
            await output.WriteLineAsync(SignInBenchOptionsParser.Help);
            return 0;
        }

        if (options is null)
        {
            await progress.WriteLineAsync(error);
            await progress.WriteLineAsync("See Schoolbel.Peak signin --help.");
            return 2;
        }

        try
        {
            var population = options.SeedSummaryPath is { } path
                ? await SeedPopulation.LoadAsync(path, cancellationToken)
                : SeedPopulation.FromPattern(options.Schools, options.PupilsPerSchool);
            var report = await new SignInBenchRun(options, time, progress).RunAsync(population, cancellationToken);
            await SignInBenchRun.WriteAsync(options.OutFolder, report, cancellationToken);
            await SignInBenchConsole.WriteAsync(output, report);
            await output.WriteLineAsync($"report: {Path.GetFullPath(Path.Combine(options.OutFolder, "signin.json"))}");
            return 0;
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
