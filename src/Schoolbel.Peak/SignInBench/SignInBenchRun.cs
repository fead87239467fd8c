using System.Globalization;
using System.Text.Json;
using Schoolbel.Peak.Journeys;
using Schoolbel.Peak.Population;
using Schoolbel.Peak.Results;

namespace Schoolbel.Peak.SignInBench;

/// <summary>
/// The <c>signin</c> command: raw hash rate, API sign-in capacity, the today page alone and
/// under a storm of sign-ins at a multiple of that capacity, raw hash rate again. All ratios
/// come from one run on one machine, so whatever else the machine was doing weighs on both sides.
/// </summary>
internal sealed class SignInBenchRun(SignInBenchOptions options, TimeProvider time, TextWriter progress)
{
    public async Task<SignInBenchReport> RunAsync(SeedPopulation population, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(population);
        var startedAt = time.GetUtcNow();
        var server = options.ServerPid is { } pid ? ProcessCpu.ForPid(pid) : null;
        var notes = new List<string>();
        if (server is not null && server.ReadSeconds() is null)
        {
            notes.Add($"Server CPU not measured: /proc/{server.Pid}/stat could not be read.");
        }

        var pupils = new PupilDraw(population, options.Seed);
        using var api = new ApiSignIn(ApiSignIn.CreateClient(options.Target, options.Timeout), options.Target, options.Password, time, options.Timeout);

        // Probe: one sign-in must work before anything is measured (also pays the server's JIT).
        var probe = await api.AttemptAsync(pupils.Next(), cancellationToken);
        if (probe.Kind != AttemptKind.SignedIn)
        {
            throw new PeakRunException(
                $"A sign-in at {options.Target}api/v1/sessions answered {probe.Error ?? "busy"}; is the server running, seeded, and --password right?");
        }

        Say($"1/5 raw hash rate: {options.HashThreads} threads for {options.RawDuration.TotalSeconds:0} s");
        var rawBefore = MeasureRaw(server, cancellationToken);
        Say($"    {rawBefore.PerSecond:0.00} hashes/s");

        Say($"2/5 API sign-ins: {options.EffectiveConcurrency} in flight, {options.SignInWarmup.TotalSeconds:0} s warm-up + {options.SignInDuration.TotalSeconds:0} s counted");
        var signIns = await MeasureSignInsAsync(api, pupils, server, cancellationToken);
        Say($"    {signIns.PerSecond:0.00} sign-ins/s");

        Say($"3/5 signing in {options.Sessions} pupils, then their today page alone at {options.TodayRate:0.#}/s for {options.TodayDuration.TotalSeconds:0} s");
        var browsers = await SignInPupilsAsync(population, cancellationToken);
        try
        {
            var probeToday = new TodayProbe(browsers, options.Target, time, options.Timeout);
            // A short unmeasured pass opens every browser's connection, as pupils who are already
            // working have, and warms the today page's code paths and caches.
            await probeToday.RunAsync(Math.Max(options.TodayRate, browsers.Count / 3.0), TimeSpan.FromSeconds(3), options.Seed + 10, cancellationToken);
            var alone = await MeasureTodayAsync(probeToday, server, options.Seed + 11, cancellationToken);
            Say($"    p99 {alone.Latency.P99Ms:0.0} ms");

            var stormRate = Math.Max(0.1, signIns.PerSecond * options.StormFactor);
            Say($"4/5 the same today load under a sign-in storm of {stormRate:0.0}/s ({options.StormFactor:0.#}x capacity), {options.StormLead.TotalSeconds:0} s lead");
            var (inStorm, storm) = await MeasureUnderStormAsync(api, pupils, probeToday, stormRate, server, cancellationToken);
            Say($"    p99 {inStorm.Latency.P99Ms:0.0} ms; storm: {storm.SignIns} signed in, {storm.BusyAnswers} busy answers");

            // The server finishes the storm's last sign-ins before the raw rate is measured again.
            await Task.Delay(TimeSpan.FromSeconds(2), time, cancellationToken);
            Say($"5/5 raw hash rate again");
            var rawAfter = MeasureRaw(server, cancellationToken);
            Say($"    {rawAfter.PerSecond:0.00} hashes/s");

            var goals = SignInGoals.Evaluate(rawBefore, rawAfter, signIns, alone, inStorm, storm);
            notes.AddRange(StandardNotes(rawBefore, rawAfter));
            var settings = new SignInBenchSettings(
                options.Target.ToString(), options.HashThreads, options.HashCost.ToString(), options.RawDuration.TotalSeconds, options.EffectiveConcurrency,
                options.SignInWarmup.TotalSeconds, options.SignInDuration.TotalSeconds, browsers.Count, options.TodayRate,
                options.TodayDuration.TotalSeconds, options.StormFactor, options.StormLead.TotalSeconds, options.Timeout.TotalSeconds,
                options.Seed, options.SeedSummaryPath, Environment.ProcessorCount);
            return new SignInBenchReport("Schoolbel.Peak signin", settings, startedAt, rawBefore, signIns, alone, inStorm, storm, rawAfter, goals, notes);
        }
        finally
        {
            foreach (var (_, browser) in browsers)
            {
                browser.Dispose();
            }
        }
    }

    public static async Task WriteAsync(string folder, SignInBenchReport report, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(
            Path.Combine(folder, "signin.json"), JsonSerializer.Serialize(report, SignInBenchJsonContext.Default.SignInBenchReport), cancellationToken);
    }

    private HashPhase MeasureRaw(ProcessCpu? server, CancellationToken cancellationToken)
    {
        var cpu = CpuWindow.Start(server);
        var rate = RawHashRate.Measure(options.HashThreads, options.HashCost, options.RawDuration, cancellationToken);
        return new HashPhase(rate.Threads, rate.Hash, Math.Round(rate.Seconds, 3), rate.Hashes, Math.Round(rate.PerSecond, 3), Math.Round(rate.MsPerHash, 1), cpu.Stop());
    }

    private async Task<SignInPhase> MeasureSignInsAsync(ApiSignIn api, PupilDraw pupils, ProcessCpu? server, CancellationToken cancellationToken)
    {
        // CPU is read over the counted window only: it starts after the warm-up.
        var measure = Task.Run(async () =>
        {
            await Task.Delay(options.SignInWarmup, time, cancellationToken);
            var cpu = CpuWindow.Start(server);
            await Task.Delay(options.SignInDuration, time, cancellationToken);
            return cpu.Stop();
        }, cancellationToken);
        var counts = await SignInLoad.ClosedLoopAsync(
            api, pupils, options.EffectiveConcurrency, options.SignInWarmup, options.SignInDuration, time, cancellationToken);
        var window = await measure;
        var seconds = options.SignInDuration.TotalSeconds;
        double? msPerSignIn = window.ServerCores is { } cores && counts.SignedInInWindow > 0
            ? Math.Round(cores * window.Seconds * 1000 / counts.SignedInInWindow, 1)
            : null;
        return new SignInPhase(
            options.EffectiveConcurrency, seconds, counts.SignedInInWindow, Math.Round(counts.SignedInInWindow / seconds, 3),
            counts.BusyAnswers, counts.Abandoned, counts.Errors, counts.Latency, msPerSignIn, window);
    }

    private async Task<TodayPhase> MeasureTodayAsync(TodayProbe probe, ProcessCpu? server, int seed, CancellationToken cancellationToken)
    {
        var cpu = CpuWindow.Start(server);
        var counts = await probe.RunAsync(options.TodayRate, options.TodayDuration, seed, cancellationToken);
        return new TodayPhase(options.TodayRate, options.TodayDuration.TotalSeconds, counts.Requests, counts.Ok, counts.WaitingPages, counts.Errors, counts.Latency, cpu.Stop(), counts.Timeline);
    }

    private async Task<(TodayPhase Today, StormPhase Storm)> MeasureUnderStormAsync(
        ApiSignIn api, PupilDraw pupils, TodayProbe probe, double stormRate, ProcessCpu? server, CancellationToken cancellationToken)
    {
        using var stopStorm = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var stormCpu = CpuWindow.Start(server);
        var longest = options.StormLead + options.TodayDuration + TimeSpan.FromMinutes(1);
        var tally = new SignInTally();
        var storm = SignInLoad.StormAsync(api, pupils, tally, stormRate, longest, options.Seed + 20, time, stopStorm.Token);
        await Task.Delay(options.StormLead, time, cancellationToken);
        // Storm sign-ins that complete while the today page is measured count as "during".
        tally.WindowStart = time.GetTimestamp();
        var today = await MeasureTodayAsync(probe, server, options.Seed + 11, cancellationToken);
        tally.WindowEnd = time.GetTimestamp();
        await stopStorm.CancelAsync();
        var (arrivals, counts) = await storm;
        var cpu = stormCpu.Stop();
        return (today, new StormPhase(
            Math.Round(stormRate, 3), options.StormFactor, cpu.Seconds, arrivals, counts.SignedIn, counts.SignedInInWindow,
            counts.BusyAnswers, counts.Abandoned, counts.Errors, counts.Latency, cpu));
    }

    /// <summary>Signs in distinct pupils with the sign-in form and gives each a browser holding its session cookie.</summary>
    private async Task<List<(Identity Identity, VirtualBrowser Browser)>> SignInPupilsAsync(SeedPopulation population, CancellationToken cancellationToken)
    {
        // CA5394: reproducible picks, not security.
#pragma warning disable CA5394
        var random = new Random(options.Seed + 3);
#pragma warning restore CA5394
        var chosen = new Dictionary<(string, string), Identity>();
        for (var attempt = 0; chosen.Count < options.Sessions && attempt < options.Sessions * 20; attempt++)
        {
            var identity = population.Pick(Role.Pupil, random);
            chosen.TryAdd((identity.School, identity.Username), identity);
        }

        var pool = new SessionPool();
        pool.Plan(Role.Pupil, chosen.Values);
        var settings = new JourneySettings(options.Target, options.Password, TimeSpan.Zero, options.Timeout, int.MaxValue, UploadBytes: 0); // pupils only: nothing is uploaded
        var steps = new StepRunner(time, time.GetTimestamp(), options.Timeout, TimeSpan.FromMinutes(5));
        var runner = new JourneyRunner(settings, steps, new ResultCollector(), pool, time);
        await Parallel.ForEachAsync(
            pool.Planned(Role.Pupil),
            new ParallelOptions { MaxDegreeOfParallelism = options.SessionConcurrency, CancellationToken = cancellationToken },
            async (identity, token) => await runner.WarmUpAsync(identity, token));
        var count = pool.Count(Role.Pupil);
        if (count == 0)
        {
            throw new PeakRunException($"No pupil could sign in with the form at {options.Target}.");
        }

        var browsers = new List<(Identity, VirtualBrowser)>(count);
        for (var i = 0; i < count; i++)
        {
            var (identity, cookies) = pool.Resume(Role.Pupil, i, options.Target)!.Value;
            browsers.Add((identity, new VirtualBrowser(options.Target, cookies, options.Timeout)));
        }

        return browsers;
    }

    private IEnumerable<string> StandardNotes(HashPhase before, HashPhase after)
    {
        var drift = before.PerSecond <= 0 ? 0 : Math.Abs(after.PerSecond - before.PerSecond) / before.PerSecond;
        if (drift > 0.05)
        {
            yield return string.Create(CultureInfo.InvariantCulture,
                $"The raw hash rate moved {drift:P0} between before and after: the machine was not equally free throughout; ratios are less certain.");
        }

        if (options.HashThreads != Environment.ProcessorCount)
        {
            yield return string.Create(CultureInfo.InvariantCulture,
                $"--hash-threads {options.HashThreads} differs from this machine's {Environment.ProcessorCount} processors (the server's default hash slots).");
        }

        yield return "The simulator runs on the same machine as the server: its own CPU (listed per phase) is taken from the server's cores.";
    }

    private void Say(string line)
    {
        if (!options.Quiet)
        {
            progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{time.GetLocalNow():HH:mm:ss} {line}"));
        }
    }
}
