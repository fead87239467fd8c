using System.Globalization;
using Schoolbel.Peak.Cli;
using Schoolbel.Peak.Journeys;
using Schoolbel.Peak.Load;
using Schoolbel.Peak.Results;

namespace Schoolbel.Peak.Overload;

/// <summary>
/// One stream of arrivals in a phase: its journeys, the sessions its resumed journeys use, and
/// what happens to its journeys at the end of the window.
/// </summary>
/// <param name="FollowToEnd">
/// False: journeys still under way at the end of the window are cut off there (after any
/// <see cref="PhasePlan.Drain"/> other loads get). True: they may finish, for up to
/// <see cref="PhasePlan.Drain"/> after the window; only then is the rest cut off.
/// </param>
internal sealed record PhaseLoad(string Name, IReadOnlyList<Arrival> Arrivals, SessionPool Pool, bool FollowToEnd);

/// <summary>A phase: <see cref="Warmup"/> of load before the measured window of <see cref="Duration"/>.</summary>
internal sealed record PhasePlan(string Name, TimeSpan Warmup, TimeSpan Duration, TimeSpan Drain)
{
    public TimeSpan WindowStart => Warmup;

    public TimeSpan WindowEnd => Warmup + Duration;
}

/// <summary>What a phase recorded, and where its window fell on its clock.</summary>
/// <param name="Ended">When the last journey had been cut off or had finished.</param>
/// <param name="Stopped">The operator stopped the run (Ctrl+C) before the window ended.</param>
internal sealed record PhaseOutcome(PhaseRecorder Events, TimeSpan WindowStart, TimeSpan WindowEnd, TimeSpan Ended, double? ServerCores, bool Stopped);

/// <summary>
/// Runs the loads of one phase side by side on one clock (open model, each arrival in a browser
/// of its own) and cuts them off at the end of the window, so the figures of the window are
/// final. Server CPU is read at the start and the end of the window when --server-pid is given.
/// </summary>
internal sealed class PhaseRunner(PeakOptions options, TimeProvider time, TextWriter progress)
{
    public async Task<PhaseOutcome> RunAsync(PhasePlan plan, IReadOnlyList<PhaseLoad> loads, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(loads);
        var recorder = new PhaseRecorder();
        var start = time.GetTimestamp();
        var steps = new StepRunner(time, start, options.Timeout, options.MaxWait);
        var settings = new JourneySettings(options.Target, options.Password, options.ThinkTime, options.Timeout, options.MaxUsers, options.UploadKiB * 1024,
        options.EffectiveExerciseAnswers, options.PracticeJourney,
        options.HandInShare, options.HandInKiB * 1024, options.MessageShare);
        // Journeys get their own tokens, not the operator's: a Ctrl+C stops the arrivals, then
        // the journeys are cut off as at the end of a window, so the phase still ends promptly.
        using var stopArrivals = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var cutFollowed = new CancellationTokenSource();
        using var cutOthers = new CancellationTokenSource();
        var followed = new List<Task>();
        var others = new List<Task>();
        for (var i = 0; i < loads.Count; i++)
        {
            var load = loads[i];
            var runner = new JourneyRunner(settings, steps, new ResultCollector(), load.Pool, time, recorder, i);
            var token = load.FollowToEnd ? cutFollowed.Token : cutOthers.Token;
            var offsets = load.Arrivals.Select(a => a.Offset).ToList();
            var dispatch = new OpenLoopDispatcher(time).RunAsync(offsets, start, (k, _) => runner.RunAsync(load.Arrivals[k], token), stopArrivals.Token);
            (load.FollowToEnd ? followed : others).Add(dispatch);
        }

        var cpu = options.ServerPid is { } pid ? ProcessCpu.ForPid(pid) : null;
        using var stopProgress = new CancellationTokenSource();
        var progressLoop = ProgressAsync(plan, recorder, start, stopProgress.Token);
        double? cpuAtStart = null;
        double? cores = null;
        var stopped = false;
        try
        {
            await DelayUntilAsync(start, plan.WindowStart, cancellationToken);
            cpuAtStart = cpu?.ReadSeconds();
            await DelayUntilAsync(start, plan.WindowEnd, cancellationToken);
            if (cpuAtStart is { } before && cpu?.ReadSeconds() is { } after)
            {
                cores = Math.Round((after - before) / plan.Duration.TotalSeconds, 3);
            }

            if (followed.Count > 0)
            {
                try
                {
                    await Task.WhenAll(followed).WaitAsync(plan.Drain, time, cancellationToken);
                }
                catch (TimeoutException)
                {
                    // The rest is cut off below and counted as unfinished.
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            stopped = true;
        }

        await stopArrivals.CancelAsync();
        await cutFollowed.CancelAsync();
        await cutOthers.CancelAsync();
        await Task.WhenAll(followed.Concat(others));
        var ended = time.GetElapsedTime(start);
        await stopProgress.CancelAsync();
        await progressLoop;
        return new PhaseOutcome(recorder, plan.WindowStart, plan.WindowEnd, ended, cores, stopped);
    }

    private async Task DelayUntilAsync(long start, TimeSpan at, CancellationToken cancellationToken)
    {
        // A loop, because a timer may wake up to a millisecond early (it counts whole
        // milliseconds), and the window's figures assume the cut comes after its end.
        for (var wait = at - time.GetElapsedTime(start); wait > TimeSpan.Zero; wait = at - time.GetElapsedTime(start))
        {
            await Task.Delay(wait < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : wait, time, cancellationToken);
        }
    }

    private async Task ProgressAsync(PhasePlan plan, PhaseRecorder recorder, long start, CancellationToken cancellationToken)
    {
        if (options.Quiet)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5), time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var now = time.GetElapsedTime(start);
                var (inFlight, completed, waiting, errors) = recorder.Progress;
                var stage = now < plan.WindowStart ? "warm-up" : now <= plan.WindowEnd ? "measuring" : "finishing";
                await progress.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{plan.Name} {now.TotalSeconds,4:0}s/{plan.WindowEnd.TotalSeconds:0}s ({stage}): completed {completed}, in flight {inFlight}, waiting answers {waiting}, failed steps {errors}"));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The phase ended.
        }
    }
}
