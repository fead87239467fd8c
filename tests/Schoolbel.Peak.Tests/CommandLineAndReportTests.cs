using System.Text.Json;
using System.Text.RegularExpressions;
using Schoolbel.Peak.Cli;
using Schoolbel.Peak.Population;
using Schoolbel.Peak.Results;

namespace Schoolbel.Peak.Tests;

public sealed class CommandLineAndReportTests
{
    [Fact]
    public void Help_explains_every_option_the_parser_accepts()
    {
        string[] options =
        [
            "--target", "--allow-remote", "--seed-summary", "--schools", "--pupils-per-school", "--password", "--teacher-share",
            "--parent-share", "--profile", "--rate", "--duration", "--ramp", "--arrivals", "--seed", "--start-at", "--max-users",
            "--resume-share", "--warmup-sessions", "--warmup-concurrency", "--think-time", "--upload-kb", "--timeout", "--max-wait", "--out",
            "--server-pid", "--quiet", "--step-factor", "--step-duration", "--max-steps", "--max-p99", "--max-error-rate", "--max-waiting-share",
            "--phase-warmup", "--cooldown", "--capacity", "--factors", "--quiet-school", "--noisy-school", "--noisy-factor", "--drain",
            "--exercise-answers", "--journey", "--handin-share", "--handin-kb", "--message-share",
        ];
        foreach (var option in options)
        {
            Assert.Contains(option + " ", PeakOptionsParser.Help, StringComparison.Ordinal);
        }

        Assert.Equal(options.Length, Regex.Count(PeakOptionsParser.Help, @"^\s+(--[a-z0-9-]+)", RegexOptions.Multiline));
    }

    [Fact]
    public void Options_parse_units_and_reject_unknown_ones()
    {
        var options = PeakOptionsParser.Parse(
            ["run", "--rate=2.5", "--duration", "90s", "--think-time", "500ms", "--ramp", "1m", "--start-at", "08:30:00", "--resume-share", "0.7"],
            out var error, out _);

        Assert.Null(error);
        Assert.Equal(2.5, options!.Rate);
        Assert.Equal(TimeSpan.FromSeconds(90), options.Duration);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.ThinkTime);
        Assert.Equal(TimeSpan.FromMinutes(1), options.Ramp);
        Assert.Equal(new TimeOnly(8, 30), options.StartAt);

        // Exercises are off unless asked for; the practice journey is pupils answering, 10 a journey unless told.
        Assert.Equal(0, options.EffectiveExerciseAnswers);
        var practice = PeakOptionsParser.Parse(["run", "--journey", "practice", "--teacher-share", "0.2"], out error, out _);
        Assert.Null(error);
        Assert.True(practice!.PracticeJourney);
        Assert.Equal(10, practice.EffectiveExerciseAnswers);
        Assert.Equal(0, practice.TeacherShare);
        Assert.Equal(3, PeakOptionsParser.Parse(["run", "--exercise-answers", "3"], out _, out _)!.EffectiveExerciseAnswers);
        Assert.Null(PeakOptionsParser.Parse(["run", "--journey", "evening"], out error, out _));
        Assert.Contains("--journey", error, StringComparison.Ordinal);

        Assert.Null(PeakOptionsParser.Parse(["run", "--bogus", "1"], out error, out _));
        Assert.Contains("--bogus", error, StringComparison.Ordinal);
        Assert.Null(PeakOptionsParser.Parse(["run", "--resume-share", "1.5"], out error, out _));
        Assert.Contains("--resume-share", error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_seed_summary_gives_accounts_and_each_pupils_course()
    {
        const string json = """
            { "schools": ["school001", "school002"],
              "usernames": { "pupils": "p00001..p00044", "teachers": "t0001..t0010", "parents": "o00001..o00044", "admin": "admin" },
              "pupilsPerSchool": 44, "teachersPerSchool": 10, "classesPerSchool": 2, "coursesPerSchool": 20,
              "classes": [ { "school": "school002", "className": "1B", "pupils": "p00023..p00044",
                             "course": { "id": "6f1c0000-0000-0000-0000-000000000001", "name": "Wiskunde 1B", "url": "/school002/courses/6f1c0000-0000-0000-0000-000000000001" } } ] }
            """;
        var file = JsonSerializer.Deserialize(json, SeedJsonContext.Default.SeedSummaryFile)!;
        var population = SeedPopulation.FromSummary(file, "test");
        var random = new Random(1);

        for (var i = 0; i < 50; i++)
        {
            var pupil = population.Pick(Role.Pupil, random);
            Assert.Equal("school002", pupil.School);
            Assert.InRange(int.Parse(pupil.Username[1..], System.Globalization.CultureInfo.InvariantCulture), 23, 44);
            Assert.Equal("/school002/courses/6f1c0000-0000-0000-0000-000000000001", pupil.CourseUrl);
            var teacher = population.Pick(Role.Teacher, random);
            Assert.Matches("^t00(0[1-9]|10)$", teacher.Username);
        }

        Assert.Equal("p00042", UsernameRange.Parse("p00001..p01000").Name(42));
        Assert.Throws<FormatException>(() => UsernameRange.Parse("p00001-p01000"));
        // The seeder's layout for 1,000 pupils: 46 classes, 12 teachers for each of 10 subjects.
        Assert.Equal(120, SeedPopulation.TeachersFor(1000));
    }

    [Fact]
    public void Server_cpu_comes_from_utime_and_stime_in_proc_stat()
    {
        const string stat = "4242 (dotnet (web) x) S 1 4242 4242 0 -1 4194560 123 0 0 0 1500 250 0 0 20 0 30 0 100 0 0";

        Assert.True(ProcessCpu.TryParseStat(stat, out var user, out var system));
        Assert.Equal(1500, user);
        Assert.Equal(250, system);
        Assert.False(ProcessCpu.TryParseStat("garbage", out _, out _));

        var self = ProcessCpu.ForPid(Environment.ProcessId);
        Assert.True(self.ReadSeconds() > 0, "This test process has used some CPU.");
        Assert.True(self.TicksPerSecond > 0);
    }

    [Fact]
    public async Task The_run_command_writes_a_json_and_a_self_contained_html_report()
    {
        await using var server = await TinySchoolServer.StartAsync(new TinySchoolBehaviour { Lessons = true, StallEveryNthCourse = 7, Stall = TimeSpan.FromMilliseconds(300) });
        var folder = Directory.CreateTempSubdirectory("peak-report-").FullName;
        try
        {
            var output = new StringWriter();
            var exit = await PeakCommand.RunAsync(
                ["run", "--target", server.BaseUri.ToString(), "--schools", "1", "--pupils-per-school", "22", "--profile", "0:1,2:4",
                 "--rate", "3", "--duration", "4s", "--think-time", "0", "--warmup-sessions", "4", "--out", folder, "--quiet",
                 "--server-pid", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)],
                TimeProvider.System, output, TextWriter.Null, TestContext.Current.CancellationToken);

            Assert.Equal(0, exit);
            Assert.Contains("goodput", output.ToString(), StringComparison.Ordinal);
            var report = JsonSerializer.Deserialize(await File.ReadAllTextAsync(Path.Combine(folder, "report.json"), TestContext.Current.CancellationToken), ReportJsonContext.Default.RunReport)!;
            Assert.True(report.Totals.Completed > 10);
            Assert.Equal(report.Totals.Arrivals, report.Timeline.Sum(s => s.Arrivals));
            Assert.Equal(report.Totals.Completed, report.Timeline.Sum(s => s.Completed));
            Assert.NotNull(report.Cpu);
            Assert.True(report.Cpu.CpuMsPerJourney > 0);

            var html = await File.ReadAllTextAsync(Path.Combine(folder, "report.html"), TestContext.Current.CancellationToken);
            Assert.True(Regex.Count(html, "<svg ") >= 4, "Charts of arrivals, goodput, latency and errors.");
            Assert.Contains("id=\"report-data\"", html, StringComparison.Ordinal);
            Assert.DoesNotMatch("<script[^>]+src=|<link[^>]+href=\"http", html);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_password_journeys_cost_beyond_the_hash_uses_the_servers_own_count_of_hash_cpu()
    {
        await using var server = await TinySchoolServer.StartAsync(new TinySchoolBehaviour { Lessons = true, HashCpuPerCheck = TimeSpan.FromMilliseconds(20) });
        var folder = Directory.CreateTempSubdirectory("peak-hash-").FullName;
        try
        {
            var output = new StringWriter();
            var exit = await PeakCommand.RunAsync(
                ["run", "--target", server.BaseUri.ToString(), "--schools", "1", "--pupils-per-school", "22", "--profile", "steady",
                 "--rate", "4", "--duration", "3s", "--think-time", "0", "--resume-share", "0", "--teacher-share", "0", "--parent-share", "0",
                 "--out", folder, "--quiet", "--server-pid", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)],
                TimeProvider.System, output, TextWriter.Null, TestContext.Current.CancellationToken);

            Assert.Equal(0, exit);
            var report = JsonSerializer.Deserialize(await File.ReadAllTextAsync(Path.Combine(folder, "report.json"), TestContext.Current.CancellationToken), ReportJsonContext.Default.RunReport)!;
            var cpu = report.Cpu!;
            var journeys = report.Totals.Completed + report.Totals.Failed;
            Assert.Equal(0, report.Totals.Failed);

            // One password check per journey, 20 ms each by the server's count, taken off the journeys' CPU.
            Assert.Equal(journeys, cpu.PasswordChecks);
            Assert.Equal(20, cpu.HashCpuMsPerCheck!.Value, 3);
            Assert.Equal(cpu.CpuMsPerJourney - 20, cpu.CpuMsPerJourneyBeyondHash!.Value, 1);
            Assert.Contains("password checks: " + journeys.ToString(System.Globalization.CultureInfo.InvariantCulture) + " in the window, 20 ms of CPU each", output.ToString(), StringComparison.Ordinal);
            Assert.Contains("Password checks in the window", await File.ReadAllTextAsync(Path.Combine(folder, "report.html"), TestContext.Current.CancellationToken), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void The_servers_hash_cpu_is_read_from_its_prometheus_text_with_or_without_timestamps()
    {
        const string text = """
            # HELP schoolbel_signin_password_check_cpu_time_seconds CPU time of each password check
            schoolbel_signin_password_check_cpu_time_seconds_bucket{le="0.05"} 3
            schoolbel_signin_password_check_cpu_time_seconds_sum{otel_scope_name="Schoolbel.SignIn"} 0.125 1764500000000
            schoolbel_signin_password_check_cpu_time_seconds_count{otel_scope_name="Schoolbel.SignIn"} 4 1764500000000
            schoolbel_signin_password_check_cpu_time_seconds_sum 0.5
            schoolbel_signin_password_check_cpu_time_seconds_count 1
            schoolbel_signin_password_check_cpu_time_seconds_summary_other 99
            """;
        Assert.Equal(new HashCpuReading(5, 0.625), ServerHashCpu.Parse(text));
        Assert.Null(ServerHashCpu.Parse("http_server_request_duration_seconds_sum 12\n"));
    }
}
