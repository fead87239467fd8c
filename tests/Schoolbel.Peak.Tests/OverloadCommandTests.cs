using System.Text.Json;
using System.Text.RegularExpressions;
using Schoolbel.Peak.Overload;

namespace Schoolbel.Peak.Tests;

/// <summary>The overload and fairness commands end to end, against the tiny in-process server.</summary>
// Alone, after the parallel tests: they judge what happened inside 3-4 s wall-clock windows (who
// was still waiting at the end), which other test classes loading the two cores at the same time
// can shift.
[Collection(nameof(OverloadCommandTests))]
public sealed class OverloadCommandTests
{
    // One school of 22 pupils, every journey a resumed session (today → course), no think time,
    // evenly spaced arrivals: every figure below follows from the server's behaviour alone.
    private static readonly string[] Morning =
    [
        "--pupils-per-school", "22", "--resume-share", "1", "--teacher-share", "0", "--parent-share", "0", "--think-time", "0",
        "--warmup-sessions", "5", "--arrivals", "uniform", "--timeout", "10s", "--quiet",
    ];

    [Fact]
    public async Task Requests_over_the_servers_limit_get_503_with_retry_after_and_show_as_waiting_answers_not_as_errors()
    {
        // The server serves two requests at a time (50 ms each) and answers every other one at
        // once with 503 + Retry-After: 2. At 5 journeys/s that is enough; at 25/s it is not.
        await using var server = await TinySchoolServer.StartAsync(new TinySchoolBehaviour
        {
            AdmissionLimitPerSchool = 2,
            AdmissionRetryAfterSeconds = 2,
            PageDelays = new Dictionary<string, TimeSpan> { [TinySchoolServer.School] = TimeSpan.FromMilliseconds(50) },
        });

        // 4 s windows: time enough for journeys sent away early in the 5x window to be served and complete in it.
        var (report, output) = await RunOverloadAsync(server, "--capacity", "5", "--factors", "1,2,5", "--duration", "4s", "--phase-warmup", "1s", "--cooldown", "500ms");

        Assert.Equal("given", report.Settings.CapacitySource);
        Assert.Equal([1.0, 2.0, 5.0], report.Factors.Select(f => f.Factor));
        Assert.Equal([5.0, 10.0, 25.0], report.Factors.Select(f => f.Load.OfferedRatePerSecond));
        var five = report.Factors[2].Load;
        Assert.True(server.WaitingAnswersSent.GetValueOrDefault(TinySchoolServer.School) > 0, "The server turned requests away.");
        Assert.True(five.WaitingAnswers > 0, "The 503s with Retry-After were seen as waiting answers.");
        Assert.Equal(["503"], five.WaitingAnswersByStatus.Keys);
        Assert.True(five.SecondsWaiting > 0);
        foreach (var f in report.Factors)
        {
            var l = f.Load;
            Assert.Equal(0, l.ServerErrors + l.Timeouts + l.ConnectionErrors + l.OtherErrors + l.FailedJourneys);
            Assert.Empty(l.ErrorsByKind);
            Assert.True(l.Completed > 0);
        }

        Assert.True(report.Criteria.Single(c => c.Name == "errors").Passed, report.Criteria.Single(c => c.Name == "errors").Detail);
        // Admitted requests are the 50 ms pages; a journey that was sent away waited 2 s. The
        // wait is in the journey's latency and never in the admitted requests' latency.
        Assert.True(five.AdmittedLatency.P99Ms < 2_000, $"admitted p99 {five.AdmittedLatency.P99Ms} ms");
        Assert.True(five.JourneyLatency.MaxMs >= 2_000, $"journey max {five.JourneyLatency.MaxMs} ms");
        Assert.True(five.JourneysThatWaited > 0);
        Assert.NotNull(report.Factors[2].GoodputRatioTo1x);
        Assert.Contains("5x", output, StringComparison.Ordinal);
        Assert.Matches(@"\[(met|NOT met)\]", output);
    }

    [Fact]
    public async Task A_journey_served_after_waiting_completes_and_one_still_waiting_at_the_end_of_the_window_is_unfinished_not_an_error()
    {
        // Every browser's first today page is a 503 with Retry-After: 1; the retry is served.
        await using var server = await TinySchoolServer.StartAsync(new TinySchoolBehaviour { WaitingPageSeconds = 1 });

        var (report, _) = await RunOverloadAsync(server, "--capacity", "5", "--factors", "1", "--duration", "3s", "--phase-warmup", "1500ms");

        var load = Assert.Single(report.Factors).Load;
        // 15 arrivals in the window; those that arrived a second before its end are still waiting.
        Assert.Equal(15, load.Arrivals);
        Assert.InRange(load.Completed, 10, 17);
        Assert.True(load.JourneyLatency.P50Ms >= 1_000, "Each completed journey waited a second first.");
        Assert.True(load.AdmittedLatency.P99Ms < 1_000, $"admitted p99 {load.AdmittedLatency.P99Ms} ms excludes the waiting");
        Assert.InRange(load.JourneysThatWaited, load.Completed - 6, load.Completed + 6);
        // Those that arrived in the window's last second cannot have finished (each waits a second
        // after its arrival time): about 5. Which of them were caught waiting (rather than not yet
        // answered at all) depends on wall-clock timing that a loaded 2-core machine shifts by
        // hundreds of milliseconds (seen in CI: 2 of 5), so only "some were" is asserted here;
        // the exact classification is OverloadSummaryTests' job, on fixed timestamps.
        Assert.InRange(load.UnfinishedJourneys, 4, 10);
        Assert.InRange(load.UnfinishedWhileWaiting, 1, load.UnfinishedJourneys);
        Assert.Equal(0, load.FailedJourneys);
        Assert.Empty(load.ErrorsByKind);
        Assert.Equal(["503"], load.WaitingAnswersByStatus.Keys);
    }

    [Fact]
    public async Task Without_capacity_the_overload_command_measures_it_first_with_the_capacity_search()
    {
        await using var server = await TinySchoolServer.StartAsync();

        var (report, output) = await RunOverloadAsync(
            server, "--rate", "3", "--step-factor", "2", "--step-duration", "1s", "--max-steps", "2",
            "--factors", "1,2", "--duration", "1s", "--phase-warmup", "500ms", "--cooldown", "0");

        Assert.Equal("measured", report.Settings.CapacitySource);
        Assert.NotNull(report.CapacitySearch);
        Assert.Equal(2, report.CapacitySearch.Steps.Count);
        Assert.Equal(6, report.Settings.CapacityPerSecond);
        Assert.Equal([6.0, 12.0], report.Factors.Select(f => f.Load.OfferedRatePerSecond));
        Assert.Contains("capacity step 1", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_fairness_run_attributes_every_result_to_the_school_of_the_virtual_user()
    {
        // Two schools; the server serves four requests of a school at a time. school002's pages
        // take 300 ms, so at 40 journeys/s it is sent away again and again; school001 at 4/s never.
        await using var server = await TinySchoolServer.StartAsync(new TinySchoolBehaviour
        {
            Schools = ["school001", "school002"],
            AdmissionLimitPerSchool = 4,
            PageDelays = new Dictionary<string, TimeSpan> { ["school002"] = TimeSpan.FromMilliseconds(300) },
        });
        var folder = Directory.CreateTempSubdirectory("peak-fairness-").FullName;
        try
        {
            var output = new StringWriter();
            var exit = await PeakCommand.RunAsync(
                ["fairness", "--target", server.BaseUri.ToString(), "--schools", "2", .. Morning, "--rate", "4", "--noisy-factor", "10",
                 "--duration", "2s", "--phase-warmup", "500ms", "--cooldown", "500ms", "--drain", "10s", "--out", folder],
                TimeProvider.System, output, TextWriter.Null, TestContext.Current.CancellationToken);

            Assert.True(exit == 0, output.ToString());
            var report = JsonSerializer.Deserialize(
                await File.ReadAllTextAsync(Path.Combine(folder, "fairness.json"), TestContext.Current.CancellationToken),
                OverloadJsonContext.Default.FairnessReport)!;
            Assert.Equal("school001", report.Settings.QuietSchool);
            Assert.Equal("school002", report.Settings.NoisySchool);
            Assert.Equal(40, report.Settings.NoisyRatePerSecond);
            // The quiet school: 8 arrivals in the 2 s window, each today + course, in both phases;
            // not one of the neighbour's requests (or waiting answers) among them.
            foreach (var quiet in new[] { report.QuietAlone, report.QuietWithNoisy })
            {
                Assert.Equal("school001", quiet.Group);
                Assert.Equal(8, quiet.Arrivals);
                Assert.Equal(8, quiet.Completed);
                Assert.Equal(16, quiet.AdmittedLatency.Count);
                Assert.Equal(0, quiet.WaitingAnswers);
            }

            Assert.Equal("school002", report.Noisy.Group);
            Assert.True(report.Noisy.WaitingAnswers > 0, "The neighbour was sent away.");
            Assert.True(report.Noisy.AdmittedLatency.P50Ms >= 300, $"The neighbour's own pages take 300 ms (p50 {report.Noisy.AdmittedLatency.P50Ms}).");
            Assert.False(server.WaitingAnswersSent.ContainsKey("school001"));
            Assert.True(server.WaitingAnswersSent["school002"] >= report.Noisy.WaitingAnswers);
            Assert.NotNull(report.AdmittedP99Ratio);
            Assert.NotNull(report.JourneyP99Ratio);
            Assert.Equal("quiet-school-p99", report.Criterion.Name);
            Assert.Contains("quiet school p99 with / without the neighbour", output.ToString(), StringComparison.Ordinal);

            var html = await File.ReadAllTextAsync(Path.Combine(folder, "fairness.html"), TestContext.Current.CancellationToken);
            Assert.Equal(3, Regex.Count(html, "<svg "));
            Assert.Contains("id=\"report-data\"", html, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void The_new_commands_parse_their_options_and_refuse_factors_without_1x()
    {
        var options = Cli.PeakOptionsParser.Parse(
            ["overload", "--capacity", "6.5", "--factors", "1,2,5,10", "--phase-warmup", "2s", "--cooldown", "3s"], out var error, out _);
        Assert.Null(error);
        Assert.Equal(6.5, options!.Capacity);
        Assert.Equal([1.0, 2, 5, 10], options.Factors);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Duration);
        Assert.Equal("overload-report", options.OutFolder);

        Assert.Null(Cli.PeakOptionsParser.Parse(["overload", "--factors", "2,5"], out error, out _));
        Assert.Contains("--factors", error, StringComparison.Ordinal);

        var fairness = Cli.PeakOptionsParser.Parse(["fairness", "--quiet-school", "school003", "--noisy-school", "school004", "--noisy-factor", "20"], out error, out _);
        Assert.Null(error);
        Assert.Equal(("school003", "school004", 20.0), (fairness!.QuietSchool, fairness.NoisySchool, fairness.NoisyFactor));
        Assert.Equal(1, fairness.Rate);
        Assert.Null(Cli.PeakOptionsParser.Parse(["fairness", "--quiet-school", "school001", "--noisy-school", "school001"], out error, out _));
    }

    internal static async Task<(OverloadReport Report, string Output)> RunOverloadAsync(TinySchoolServer server, params string[] options)
    {
        var folder = Directory.CreateTempSubdirectory("peak-overload-").FullName;
        try
        {
            var output = new StringWriter();
            var exit = await PeakCommand.RunAsync(
                ["overload", "--target", server.BaseUri.ToString(), "--schools", "1", .. Morning, .. options, "--out", folder],
                TimeProvider.System, output, TextWriter.Null, TestContext.Current.CancellationToken);
            Assert.True(exit == 0, output.ToString());
            var json = await File.ReadAllTextAsync(Path.Combine(folder, "overload.json"), TestContext.Current.CancellationToken);
            var html = await File.ReadAllTextAsync(Path.Combine(folder, "overload.html"), TestContext.Current.CancellationToken);
            Assert.Equal(3, Regex.Count(html, "<svg "));
            Assert.DoesNotMatch("<script[^>]+src=|<link[^>]+href=\"http", html);
            return (JsonSerializer.Deserialize(json, OverloadJsonContext.Default.OverloadReport)!, output.ToString());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}

[CollectionDefinition(nameof(OverloadCommandTests), DisableParallelization = true)]
public sealed class OverloadCommandTestsRunAlone;
