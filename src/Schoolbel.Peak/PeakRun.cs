using System.Globalization;
using Schoolbel.Peak.Cli;
using Schoolbel.Peak.Journeys;
using Schoolbel.Peak.Load;
using Schoolbel.Peak.Population;
using Schoolbel.Peak.Results;

namespace Schoolbel.Peak;

/// <summary>A run that cannot start: unreachable target, failed warm-up, a start time already passed.</summary>
internal sealed class PeakRunException : Exception
{
    public PeakRunException()
    {
    }

    public PeakRunException(string message)
        : base(message)
    {
    }

    public PeakRunException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// One measured window: arrivals from a plan, journeys in their own browsers, a progress line
/// every second, server CPU from /proc, and a report at the end. The warm-up (sign-ins for the
/// resumed sessions) happens before and is never part of the measurements.
/// </summary>
internal sealed class PeakRun(PeakOptions options, TimeProvider time, TextWriter progress)
{
    private JourneySettings Settings => new(options.Target, options.Password, options.ThinkTime, options.Timeout, options.MaxUsers, options.UploadKiB * 1024,
        options.EffectiveExerciseAnswers, options.PracticeJourney,
        options.HandInShare, options.HandInKiB * 1024, options.MessageShare);

    /// <summary>
    /// The <c>run</c> command's morning: plan the arrivals, sign in the sessions that resumed
    /// journeys will use (sized to how many there are, at most --warmup-sessions), then measure.
    /// </summary>
    public async Task<RunReport> RunMorningAsync(SeedPopulation population, LoadProfile profile, DateTimeOffset? startAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(population);
        ArgumentNullException.ThrowIfNull(profile);
        var offsets = ArrivalSchedule.Build(profile, options.Rate, options.Duration, options.Arrivals, options.Seed);
        var shares = MorningPlan.RoleShares(options.TeacherShare, options.ParentShare);
        var arrivals = MorningPlan.PlanArrivals(offsets, population, options.ResumeShare, shares, options.Seed + 1);
        var resumed = MorningPlan.ResumedPerRole(arrivals);
        var pool = MorningPlan.PlanSessions(
            population, options.WarmupSessions, [.. resumed.Select(r => (r.Key, (double)r.Value))], resumed, options.Seed + 2);
        await WarmUpAsync(pool, cancellationToken);
        return await MeasureAsync(arrivals, pool, profile, options.Rate, options.Duration, startAt, [], cancellationToken);
    }

    /// <summary>Signs in the planned sessions; fails when resumed journeys would have none to resume.</summary>
    public async Task WarmUpAsync(SessionPool pool, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var identities = Enum.GetValues<Role>().SelectMany(pool.Planned).ToList();
        if (identities.Count == 0)
        {
            return;
        }

        // The warm-up has its own clock and collector: nothing it does is measured.
        var steps = new StepRunner(time, time.GetTimestamp(), options.Timeout, options.MaxWait);
        var runner = new JourneyRunner(Settings, steps, new ResultCollector(), pool, time);
        var started = time.GetTimestamp();
        var done = 0;
        var failed = 0;
        await Parallel.ForEachAsync(
            identities,
            new ParallelOptions { MaxDegreeOfParallelism = options.WarmupConcurrency, CancellationToken = cancellationToken },
            async (identity, token) =>
            {
                if (!await runner.WarmUpAsync(identity, token))
                {
                    Interlocked.Increment(ref failed);
                }

                var count = Interlocked.Increment(ref done);
                if (!options.Quiet && (count % 50 == 0 || count == identities.Count))
                {
                    await progress.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"warm-up: {count}/{identities.Count} sessions signed in ({Volatile.Read(ref failed)} failed), {time.GetElapsedTime(started).TotalSeconds:0}s"));
                }
            });

        foreach (var role in Enum.GetValues<Role>())
        {
            if (pool.Planned(role).Count > 0 && pool.Count(role) == 0)
            {
                throw new PeakRunException(
                    $"Warm-up failed: no {ResultCollector.RoleName(role)} could sign in at {options.Target} "
                    + "(is the server running, seeded, and --password right?).");
            }
        }
    }

    /// <summary>Checks that the target answers for the first school before any load is offered.</summary>
    public async Task ProbeAsync(SeedPopulation population, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(population);
        using var browser = new VirtualBrowser(options.Target, null, options.Timeout);
        var steps = new StepRunner(time, time.GetTimestamp(), options.Timeout, options.MaxWait);
        var uri = new Uri(options.Target, population.Schools[0] + "/signin");
        var response = await steps.SendAsync(browser, () => new HttpRequestMessage(HttpMethod.Get, uri), Expect.Page, TimeSpan.Zero, cancellationToken);
        if (!response.Outcome.Ok)
        {
            throw new PeakRunException($"{uri} answered {response.Outcome.Error}; is the server running and seeded with {population.Schools[0]}?");
        }
    }

    /// <summary>Runs the arrivals of one window (starting at <paramref name="startAt"/> when given) and returns its report.</summary>
    public async Task<RunReport> MeasureAsync(
        IReadOnlyList<Arrival> arrivals, SessionPool pool, LoadProfile profile, double rate, TimeSpan duration,
        DateTimeOffset? startAt, IReadOnlyList<string> extraNotes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arrivals);
        ArgumentNullException.ThrowIfNull(profile);
        var notes = new List<string>(extraNotes);
        if (startAt is { } at)
        {
            var wait = at - time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                if (!options.Quiet)
                {
                    await progress.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"waiting {wait.TotalSeconds:0.0}s for the synchronised start at {at.ToLocalTime():HH:mm:ss}"));
                }

                await Task.Delay(wait, time, cancellationToken);
            }
            else
            {
                notes.Add(string.Create(CultureInfo.InvariantCulture,
                    $"The synchronised start ({at.ToLocalTime():HH:mm:ss}) had passed when the warm-up ended; started {-wait.TotalSeconds:0.0} s late."));
            }
        }

        var collector = new ResultCollector();
        var startTimestamp = time.GetTimestamp();
        var startedAt = time.GetUtcNow();
        var steps = new StepRunner(time, startTimestamp, options.Timeout, options.MaxWait);
        var runner = new JourneyRunner(Settings, steps, collector, pool, time);
        var cpu = options.ServerPid is { } pid ? ProcessCpu.ForPid(pid) : null;
        using var metricsClient = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        // Read outside the CPU window, so the scrapes are not counted as the journeys' CPU.
        var hashAtStart = cpu is null ? null : await ServerHashCpu.ReadAsync(metricsClient, options.Target, cancellationToken);
        var cpuAtStart = cpu?.ReadSeconds();
        if (cpu is not null && cpuAtStart is null)
        {
            notes.Add($"Server CPU not measured: /proc/{cpu.Pid}/stat could not be read.");
        }

        using var stopProgress = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var progressLoop = ProgressLoopAsync(collector, cpu, startTimestamp, duration, stopProgress.Token);
        var offsets = arrivals.Select(a => a.Offset).ToList();
        await new OpenLoopDispatcher(time).RunAsync(offsets, startTimestamp, (i, _) => runner.RunAsync(arrivals[i], cancellationToken), cancellationToken);
        await stopProgress.CancelAsync();
        await progressLoop;

        var wall = time.GetElapsedTime(startTimestamp).TotalSeconds;
        CpuReport? cpuReport = null;
        if (cpu is not null && cpuAtStart is { } before && cpu.ReadSeconds() is { } after)
        {
            var (completed, failed, _, _) = collector.Counts();
            var used = after - before;
            var journeys = completed + failed;
            cpuReport = new CpuReport(
                cpu.Pid, Math.Round(used, 3), Math.Round(wall, 3), Math.Round(used / wall, 3),
                journeys == 0 ? 0 : Math.Round(used * 1000 / journeys, 3),
                completed == 0 ? 0 : Math.Round(used * 1000 / completed, 3),
                cpu.TicksPerSecond);
            if (hashAtStart is { } hashBefore && await ServerHashCpu.ReadAsync(metricsClient, options.Target, cancellationToken) is { } hashAfter)
            {
                var checks = hashAfter.Checks - hashBefore.Checks;
                var hashSeconds = hashAfter.CpuSeconds - hashBefore.CpuSeconds;
                cpuReport = cpuReport with
                {
                    PasswordChecks = checks,
                    HashCpuMsPerCheck = checks == 0 ? null : Math.Round(hashSeconds * 1000 / checks, 3),
                    CpuMsPerJourneyBeyondHash = journeys == 0 ? 0 : Math.Round((used - hashSeconds) * 1000 / journeys, 3),
                };
            }
            else
            {
                notes.Add("The server's password checks were not read (its /metrics did not answer this address): CPU per journey includes the hash.");
            }
        }

        var settings = new RunSettings(
            options.Target.ToString(), profile.Name, rate, duration.TotalSeconds, options.Ramp.TotalSeconds, options.ResumeShare,
            options.TeacherShare, options.ParentShare, options.ThinkTime.TotalSeconds, options.Timeout.TotalSeconds,
            options.Arrivals.ToString().ToLowerInvariant(), options.Seed, options.MaxUsers, pool.Total,
            options.SeedSummaryPath is null ? options.Schools : 0, options.SeedSummaryPath);
        var report = collector.BuildReport(settings, startedAt, wall, s => rate * profile.MultiplierAt(s), cpuReport, notes);
        return report with { Notes = [.. notes, .. StandardNotes(report, pool)] };
    }

    private static IEnumerable<string> StandardNotes(RunReport report, SessionPool pool)
    {
        if (report.Journeys.Any(j => j.Kind == "resumed"))
        {
            yield return string.Create(CultureInfo.InvariantCulture,
                $"Resumed journeys model a stay-signed-in session: {pool.Total} accounts signed in during a warm-up before the measured window ")
                + "(not measured); each resumed journey opens a new browser holding a copy of one of those session cookies and goes straight to the today page.";
        }

        foreach (var skipped in report.NotAvailable)
        {
            yield return string.Create(CultureInfo.InvariantCulture,
                $"Not available on this server yet: {skipped.Role} step '{skipped.Step}' was skipped in {skipped.Journeys} journeys (not counted as an error).");
        }

        if (report.Totals.DroppedAtMaxUsers > 0)
        {
            yield return string.Create(CultureInfo.InvariantCulture,
                $"{report.Totals.DroppedAtMaxUsers} arrivals were dropped because --max-users were busy: the simulator did not offer the full load.");
        }
    }

    private async Task ProgressLoopAsync(ResultCollector collector, ProcessCpu? cpu, long startTimestamp, TimeSpan duration, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        var lastCpu = cpu?.ReadSeconds();
        var lastTick = time.GetElapsedTime(startTimestamp);
        var interactive = !Console.IsErrorRedirected;
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var now = time.GetElapsedTime(startTimestamp);
                var second = (int)Math.Round(now.TotalSeconds);
                double? cores = null;
                if (cpu?.ReadSeconds() is { } cpuNow && lastCpu is { } cpuBefore)
                {
                    cores = (cpuNow - cpuBefore) / Math.Max((now - lastTick).TotalSeconds, 0.001);
                    collector.RecordServerCpu(Math.Max(second - 1, 0), cores.Value);
                    lastCpu = cpuNow;
                }

                lastTick = now;
                if (options.Quiet)
                {
                    continue;
                }

                var p = collector.Progress(second);
                var dropped = p.Dropped > 0 ? string.Create(CultureInfo.InvariantCulture, $" dropped {p.Dropped}") : "";
                var server = cores is { } c ? string.Create(CultureInfo.InvariantCulture, $" server {c:0.00} cores") : "";
                var line = string.Create(CultureInfo.InvariantCulture,
                    $"{now.TotalSeconds,5:0}s/{duration.TotalSeconds:0}s arrivals {p.LastSecondArrivals,4}/s done {p.LastSecondCompleted,4}/s p99 {p.LastSecondP99Ms,7:0}ms in flight {p.InFlight,5} completed {p.Completed} failed {p.Failed} errors {p.Errors} waiting pages {p.WaitingPages}{dropped}{server}");
                // One rewritten line on a terminal; one line per 5 s when stderr goes to a file.
                if (interactive)
                {
                    await progress.WriteAsync("\r" + line.PadRight(150));
                }
                else if (second % 5 == 0)
                {
                    await progress.WriteLineAsync(line);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The window ended.
        }

        if (interactive && !options.Quiet)
        {
            await progress.WriteLineAsync();
        }
    }
}
