using System.Net;
using System.Net.Http.Headers;
using Schoolbel.Peak.Population;
using Schoolbel.Peak.Results;
using Schoolbel.Peak.SignInBench;

namespace Schoolbel.Peak.Tests;

public sealed class SignInBenchTests
{
    [Fact]
    public void The_command_line_has_defaults_from_the_server_and_takes_every_option()
    {
        var defaults = SignInBenchOptionsParser.Parse([], out var error, out var help)!;
        Assert.Null(error);
        Assert.False(help);
        Assert.Equal(Environment.ProcessorCount, defaults.HashThreads);
        Assert.Equal(210_000, defaults.Iterations);
        Assert.Equal("Argon2id 19456 KiB x 2 passes", defaults.HashCost.ToString());
        Assert.Equal(4 * Environment.ProcessorCount, defaults.EffectiveConcurrency);

        var options = SignInBenchOptionsParser.Parse(
            ["--target", "http://127.0.0.1:5099", "--hash-threads=3", "--iterations", "1000", "--concurrency", "5", "--sessions", "10",
             "--today-rate", "7.5", "--today-duration", "2s", "--storm-factor", "4", "--storm-lead", "0", "--signin-warmup", "500ms",
             "--server-pid", "42", "--quiet", "--hash", "pbkdf2"],
            out error, out _)!;
        Assert.Null(error);
        Assert.Equal(new Uri("http://127.0.0.1:5099/"), options.Target);
        Assert.Equal((3, 1000, 5, 10), (options.HashThreads, options.Iterations, options.EffectiveConcurrency, options.Sessions));
        Assert.Equal((7.5, 4.0), (options.TodayRate, options.StormFactor));
        Assert.Equal((TimeSpan.FromSeconds(2), TimeSpan.Zero, TimeSpan.FromMilliseconds(500)), (options.TodayDuration, options.StormLead, options.SignInWarmup));
        Assert.Equal(42, options.ServerPid);
        Assert.Equal("PBKDF2-HMAC-SHA512 x 1000", options.HashCost.ToString());
        Assert.True(options.Quiet);
    }

    [Theory]
    [InlineData("--target", "http://10.1.2.3:5080", "not a loopback")]
    [InlineData("--hash-threads", "0", "at least 1")]
    [InlineData("--hash", "md5", "argon2id or pbkdf2")]
    [InlineData("--today-duration", "0", "above zero")]
    [InlineData("--rate", "5", "Unknown option")]
    public void Bad_options_are_refused_with_a_reason(string name, string value, string expected)
    {
        Assert.Null(SignInBenchOptionsParser.Parse([name, value], out var error, out _));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_signin_command_is_reachable_from_the_command_line_with_its_own_help()
    {
        using var output = new StringWriter();
        Assert.Equal(0, await PeakCommand.RunAsync(["signin", "--help"], TimeProvider.System, output, TextWriter.Null, CancellationToken.None));
        Assert.Contains("raw hash rate", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Busy_answers_with_retry_after_are_not_errors_and_everything_else_is_named_by_its_status()
    {
        var now = DateTimeOffset.UtcNow;
        Assert.Equal(AttemptKind.SignedIn, ApiSignIn.Classify(HttpStatusCode.OK, null, now, TimeSpan.Zero).Kind);

        var busy = ApiSignIn.Classify(HttpStatusCode.TooManyRequests, new RetryConditionHeaderValue(TimeSpan.FromSeconds(3)), now, TimeSpan.Zero);
        Assert.Equal((AttemptKind.Busy, TimeSpan.FromSeconds(3)), (busy.Kind, busy.RetryAfter));
        var page = ApiSignIn.Classify(HttpStatusCode.ServiceUnavailable, new RetryConditionHeaderValue(now.AddSeconds(2)), now, TimeSpan.Zero);
        Assert.Equal((AttemptKind.Busy, TimeSpan.FromSeconds(2)), (page.Kind, page.RetryAfter));
        // A Retry-After of 0 must not become a tight loop.
        Assert.Equal(TimeSpan.FromMilliseconds(250), ApiSignIn.Classify((HttpStatusCode)429, new RetryConditionHeaderValue(TimeSpan.Zero), now, TimeSpan.Zero).RetryAfter);

        Assert.Equal("status 503", ApiSignIn.Classify(HttpStatusCode.ServiceUnavailable, null, now, TimeSpan.Zero).Error);
        Assert.Equal("status 429", ApiSignIn.Classify(HttpStatusCode.TooManyRequests, null, now, TimeSpan.Zero).Error);
        Assert.Equal("status 401", ApiSignIn.Classify(HttpStatusCode.Unauthorized, null, now, TimeSpan.Zero).Error);
    }

    [Fact]
    public void The_goals_are_ratios_within_the_run_and_errors_are_sorted_into_5xx_timeouts_and_other()
    {
        var cpu = new CpuReportWindow(10, 1, 0.1, 0, 1.1);
        var raw = new HashPhase(2, HashCost.ServerDefault.ToString(), 10, 100, 10, 200, cpu);
        var rawAfter = raw with { PerSecond = 8 };
        var signIns = new SignInPhase(8, 30, 270, 9, 0, 0, new Dictionary<string, long>(), LatencySummary.Empty, 210, cpu);
        var alone = new TodayPhase(20, 20, 400, 400, 0, new Dictionary<string, long>(), LatencySummary.Empty with { P99Ms = 10 }, cpu, []);
        var storm = alone with { WaitingPages = 2, Latency = LatencySummary.Empty with { P99Ms = 25 }, Errors = new Dictionary<string, long> { ["status 502"] = 1 } };
        var stormLoad = new StormPhase(27, 3, 23, 600, 200, 180, 900, 50,
            new Dictionary<string, long> { [ErrorKinds.Timeout] = 2, ["status 401"] = 1 }, LatencySummary.Empty, cpu);

        var goals = SignInGoals.Evaluate(raw, rawAfter, signIns, alone, storm, stormLoad);

        Assert.Equal(9, goals.RawPerSecond); // mean of before (10) and after (8)
        Assert.Equal(1.0, goals.SignInShareOfRaw);
        Assert.True(goals.SignInGoalMet);
        Assert.Equal(2.5, goals.TodayP99Ratio);
        Assert.False(goals.TodayGoalMet);
        Assert.Equal((1L, 2L, 1L, 902L), (goals.ServerErrors, goals.Timeouts, goals.OtherErrors, goals.BusyAnswers));
        Assert.False(goals.ErrorGoalMet);
        Assert.False(SignInGoals.IsServerError("status 5000"));
        Assert.False(SignInGoals.IsServerError("status 429"));
    }

    [Fact]
    public void Machine_cpu_is_read_from_the_first_line_of_proc_stat()
    {
        const string stat = "cpu  100 5 50 800 40 3 2 0 7 0\ncpu0 50 2 25 400 20 1 1 0 0 0\nintr 1 2 3\n";
        Assert.True(CpuWindow.TryParseProcStat(stat, out var busy, out var total));
        Assert.Equal(1000, total); // user..steal; guest is already inside user
        Assert.Equal(160, busy); // everything but idle (800) and iowait (40)
        Assert.False(CpuWindow.TryParseProcStat("intr 1 2 3", out _, out _));
    }

    [Fact]
    public void The_raw_hash_rate_counts_every_thread_over_its_own_time()
    {
        var rate = RawHashRate.Measure(threads: 2, HashCost.ServerDefault with { Argon2MemoryKiB = 1024, Argon2Passes = 1 }, TimeSpan.FromMilliseconds(200), CancellationToken.None);

        Assert.Equal(2, rate.Threads);
        Assert.True(rate.Hashes >= 2, $"{rate.Hashes} hashes");
        Assert.InRange(rate.Seconds, 0.2, 5);
        // Each thread's rate is its count over its own time, so the sum cannot exceed count / shortest time.
        Assert.InRange(rate.PerSecond, rate.Hashes / rate.Seconds * 0.5, rate.Hashes / 0.2);
        Assert.Equal(2 * 1000 / rate.PerSecond, rate.MsPerHash, 6);
        Assert.Equal("Argon2id 1024 KiB x 1 passes", rate.Hash);
    }

    /// <summary>"Peak-Pass-1" as the server stores it with its default settings and the salt 0, 1, ..., 15.</summary>
    private const string ServerStoredHash = "argon2id$19456$2$AAECAwQFBgcICQoLDA0ODw==$5E5KKoJCugmqNxWreMmMXh+V1mrDSZTyNFPxQ/DKjEI=";

    [Fact]
    public void The_raw_hash_is_the_servers_hash_with_the_same_parameters()
    {
        var salt = new byte[16];
        var password = "Peak-Pass-1"u8.ToArray();
        var pbkdf2 = HashCost.ServerDefault with { Algorithm = HashCost.Pbkdf2, Pbkdf2Iterations = 1000 };

        Assert.Equal(
            System.Security.Cryptography.Rfc2898DeriveBytes.Pbkdf2(password, salt, 1000, System.Security.Cryptography.HashAlgorithmName.SHA512, 32),
            pbkdf2.Hash(password, salt, 32));
        // The server's PasswordHasherTests check that its hasher accepts this very stored hash.
        var stored = ServerStoredHash.Split('$');
        Assert.Equal(
            Convert.FromBase64String(stored[4]),
            HashCost.ServerDefault.Hash(password, Convert.FromBase64String(stored[3]), 32));
    }

    [Fact]
    public async Task Closed_loop_sign_ins_honour_retry_after_and_count_busy_answers_apart_from_errors()
    {
        await using var server = await TinySchoolServer.StartAsync(new TinySchoolBehaviour { BusyEveryNthApiSignIn = 5 });
        var population = SeedPopulation.FromPattern(1, 22);
        using var api = new ApiSignIn(ApiSignIn.CreateClient(server.BaseUri, TimeSpan.FromSeconds(5)), server.BaseUri, TinySchoolServer.Password,
            TimeProvider.System, TimeSpan.FromSeconds(5));

        var counts = await SignInLoad.ClosedLoopAsync(
            // A 3 s window, so sign-ins that met a busy answer (Retry-After: 1 s) finish inside it even on a loaded machine.
            api, new PupilDraw(population, 1), concurrency: 2, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(3), TimeProvider.System, CancellationToken.None);

        Assert.Empty(counts.Errors);
        Assert.True(counts.BusyAnswers > 0, "every fifth answer was busy");
        Assert.True(counts.SignedInInWindow >= 4 && counts.SignedInInWindow <= counts.SignedIn, $"{counts.SignedInInWindow} of {counts.SignedIn}");
        // A busy pupil waited its Retry-After (1 s) before trying again: never more than one attempt per second each.
        var busyAttemptsPerPupil = server.Count("/api/v1/sessions") / (double)(counts.SignedIn + counts.Abandoned);
        Assert.InRange(busyAttemptsPerPupil, 1, 1.5);
        Assert.True(counts.Latency.MaxMs >= 1000, "a sign-in that met a busy answer took at least its Retry-After");
    }

    [Fact]
    public async Task The_whole_benchmark_runs_against_a_server_and_reports_every_phase()
    {
        await using var server = await TinySchoolServer.StartAsync(new TinySchoolBehaviour { BusyEveryNthApiSignIn = 4 });
        var options = new SignInBenchOptions
        {
            Target = server.BaseUri,
            Schools = 1,
            PupilsPerSchool = 22,
            Password = TinySchoolServer.Password,
            HashThreads = 1,
            HashAlgorithm = HashCost.Pbkdf2,
            Iterations = 1000,
            RawDuration = TimeSpan.FromMilliseconds(100),
            Concurrency = 2,
            SignInWarmup = TimeSpan.Zero,
            SignInDuration = TimeSpan.FromSeconds(1),
            Sessions = 5,
            TodayRate = 20,
            TodayDuration = TimeSpan.FromSeconds(1),
            StormLead = TimeSpan.FromMilliseconds(200),
            Quiet = true,
        };

        var report = await new SignInBenchRun(options, TimeProvider.System, TextWriter.Null)
            .RunAsync(SeedPopulation.FromPattern(1, 22), CancellationToken.None);

        Assert.True(report.RawBefore.PerSecond > 0 && report.RawAfter.PerSecond > 0);
        Assert.True(report.SignIns.PerSecond > 1);
        Assert.Equal(5, report.Settings.Sessions);
        Assert.Equal(report.TodayAlone.Requests, report.TodayAlone.Ok);
        Assert.InRange(report.TodayAlone.Requests, 5, 50);
        Assert.Equal(report.TodayInStorm.Requests, report.TodayInStorm.Ok);
        Assert.Equal(report.SignIns.PerSecond * 3, report.Storm.RatePerSecond, 2);
        Assert.True(report.Storm.Arrivals > 0 && report.Storm.BusyAnswers > 0);
        Assert.True(report.Goals.ErrorGoalMet);
        Assert.Equal(0, report.Goals.ServerErrors + report.Goals.Timeouts + report.Goals.OtherErrors);
        Assert.NotEmpty(report.TodayInStorm.Timeline);

        using var output = new StringWriter();
        await SignInBenchConsole.WriteAsync(output, report);
        Assert.Contains("of raw (goal >= 85", output.ToString(), StringComparison.Ordinal);
    }
}
