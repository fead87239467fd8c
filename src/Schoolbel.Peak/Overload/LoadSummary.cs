using System.Globalization;
using Schoolbel.Peak.Journeys;
using Schoolbel.Peak.Results;

namespace Schoolbel.Peak.Overload;

/// <summary>Which events a summary counts.</summary>
internal enum MeasureBasis
{
    /// <summary>
    /// What happened inside the measured window: answers received in it, journeys completed in
    /// it. Goodput is then throughput (completions per second of the window), whatever arrived
    /// when; a journey still under way at the end of the window (in a request, thinking, or
    /// waiting out a Retry-After) has not completed, and is not an error either.
    /// </summary>
    Window,

    /// <summary>
    /// The journeys that arrived in the window, followed to their end wherever that falls, with
    /// every attempt they made. Nothing a user of that window lived through is left out.
    /// </summary>
    Arrivals,
}

/// <summary>
/// What one group of virtual users (everyone, or one school) got in one measured window.
/// "Admitted" requests are answers without <c>Retry-After</c>, whatever their status; waiting
/// answers (a waiting page, or 429/503 with <c>Retry-After</c>) are counted apart and never in
/// the admitted latency. Latencies count from the intended start (open model).
/// </summary>
/// <param name="Group">"all" or the school code.</param>
/// <param name="Basis">"window" or "arrivals" (see <see cref="MeasureBasis"/>).</param>
/// <param name="Arrivals">Journeys scheduled to start within the window (dropped ones included).</param>
/// <param name="Completed">Window basis: journeys completed within the window; arrivals basis: the window's arrivals that completed.</param>
/// <param name="GoodputPerSecond">Completed journeys per second of the window.</param>
/// <param name="UnfinishedJourneys">Window basis: journeys still under way at the end of the window; arrivals basis: those still under way when the run stopped following them. Neither completed nor errors.</param>
/// <param name="UnfinishedWhileWaiting">Of those, the ones that were waiting out a Retry-After at that moment.</param>
/// <param name="ServerErrors">5xx answers without Retry-After (a 503 with Retry-After is a waiting answer).</param>
/// <param name="GaveUpWaiting">Steps whose browser gave up after --max-wait on waiting answers: honest answers, but no journey.</param>
/// <param name="OtherErrors">Failed steps that are none of the above (4xx, signed out, a missing form, a link off the target, ...).</param>
/// <param name="ErrorsByKind">Failed steps by kind, as in the run report.</param>
/// <param name="WaitingAnswersByStatus">Waiting answers by HTTP status: 200 (a waiting page), 429, 503, ...</param>
/// <param name="SecondsWaiting">Time spent waiting out Retry-After (within the window, on the window basis).</param>
/// <param name="AdmittedLatency">Latency of admitted requests, from each attempt's intended start to the end of its answer.</param>
/// <param name="JourneyLatency">Completed journeys, think time excluded; on the arrivals basis also journeys still under way when following stopped, at the time they had taken (a lower bound).</param>
/// <param name="ServerCores">Server CPU during the window (cores busy), with --server-pid.</param>
internal sealed record LoadResult(
    string Group,
    string Basis,
    double OfferedRatePerSecond,
    double WindowSeconds,
    long Arrivals,
    long DroppedAtMaxUsers,
    long Completed,
    double GoodputPerSecond,
    double Within2sPerSecond,
    double Within10sPerSecond,
    long FailedJourneys,
    long UnfinishedJourneys,
    long UnfinishedWhileWaiting,
    long ServerErrors,
    long Timeouts,
    long ConnectionErrors,
    long GaveUpWaiting,
    long OtherErrors,
    IReadOnlyDictionary<string, long> ErrorsByKind,
    long WaitingAnswers,
    IReadOnlyDictionary<string, long> WaitingAnswersByStatus,
    long JourneysThatWaited,
    double SecondsWaiting,
    LatencySummary AdmittedLatency,
    LatencySummary JourneyLatency,
    double? ServerCores);

/// <summary>One second of a phase, for the charts.</summary>
/// <param name="Second">Seconds since the start of the whole run's first phase (cool-downs left out).</param>
internal sealed record PhaseSecond(
    int Second,
    string Phase,
    double OfferedRate,
    long Arrivals,
    long Completed,
    long WaitingAnswers,
    long FailedSteps,
    double? AdmittedP99Ms);

/// <summary>Turns the raw events of a phase into <see cref="LoadResult"/> and a per-second timeline.</summary>
internal static class LoadSummary
{
    public static LoadResult Summarize(
        PhaseRecorder events, string group, Func<JourneyTag, bool> member, MeasureBasis basis,
        TimeSpan windowStart, TimeSpan windowEnd, double offeredRate)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(member);
        var journeys = events.Journeys.Where(j => member(j.Journey)).ToList();
        var attempts = events.Attempts.Where(a => member(a.Journey)).ToList();
        var steps = events.Steps.Where(s => member(s.Journey)).ToList();
        var window = Math.Max((windowEnd - windowStart).TotalSeconds, 0.001);
        bool InWindow(TimeSpan t) => t >= windowStart && t <= windowEnd;
        bool ArrivedInWindow(JourneyTag j) => j.Offset >= windowStart && j.Offset < windowEnd;

        List<JourneyEvent> completed;
        long failed;
        List<(JourneyEvent Journey, TimeSpan CutAt)> unfinished;
        List<AttemptEvent> counted;
        List<StepEvent> countedSteps;
        if (basis == MeasureBasis.Window)
        {
            completed = [.. journeys.Where(j => j.End == JourneyEnd.Completed && InWindow(j.EndedAt))];
            failed = journeys.Count(j => j.End == JourneyEnd.Failed && InWindow(j.EndedAt));
            // Under way at the end of the window: started before it ended, and cut off there or
            // ended after it (however). A cut journey counts whatever its timestamp says: the cut
            // can be stamped a fraction of a millisecond before the window's end (timers round to
            // whole milliseconds), and seen in CI it then fell out of both counts.
            unfinished = [.. journeys
                .Where(j => j.End != JourneyEnd.Dropped && j.Journey.Offset < windowEnd
                    && (j.End == JourneyEnd.Unfinished || j.EndedAt > windowEnd))
                .Select(j => (j, windowEnd))];
            counted = [.. attempts.Where(a => InWindow(a.Attempt.EndedAt))];
            countedSteps = [.. steps.Where(s => InWindow(s.EndedAt))];
        }
        else
        {
            var followed = journeys.Where(j => j.End != JourneyEnd.Dropped && ArrivedInWindow(j.Journey)).ToList();
            completed = [.. followed.Where(j => j.End == JourneyEnd.Completed)];
            failed = followed.Count(j => j.End == JourneyEnd.Failed);
            unfinished = [.. followed.Where(j => j.End == JourneyEnd.Unfinished).Select(j => (j, j.EndedAt))];
            counted = [.. attempts.Where(a => ArrivedInWindow(a.Journey))];
            countedSteps = [.. steps.Where(s => ArrivedInWindow(s.Journey))];
        }

        // Was an unfinished journey waiting out a Retry-After when it was cut?
        var lastAttempt = new Dictionary<(int, int), AttemptRecord>();
        var unfinishedKeys = unfinished.ToDictionary(u => Key(u.Journey.Journey), u => u.CutAt);
        foreach (var a in attempts)
        {
            var key = Key(a.Journey);
            if (unfinishedKeys.TryGetValue(key, out var cut) && a.Attempt.EndedAt <= cut
                && (!lastAttempt.TryGetValue(key, out var last) || last.EndedAt <= a.Attempt.EndedAt))
            {
                lastAttempt[key] = a.Attempt;
            }
        }

        var whileWaiting = unfinished.Count(u =>
            lastAttempt.TryGetValue(Key(u.Journey.Journey), out var last)
            && last.Kind == AttemptKind.Waiting && last.EndedAt + last.RetryDelay > u.CutAt);

        var admitted = new LatencyHistogram();
        long serverErrors = 0, timeouts = 0, connection = 0, waiting = 0;
        var waitingByStatus = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var waited = new HashSet<(int, int)>();
        foreach (var a in counted)
        {
            var attempt = a.Attempt;
            switch (attempt.Kind)
            {
                case AttemptKind.Answer:
                    admitted.Record(attempt.Latency);
                    if (attempt.Status >= 500)
                    {
                        serverErrors++;
                    }

                    break;
                case AttemptKind.Waiting:
                    waiting++;
                    var status = attempt.Status?.ToString(CultureInfo.InvariantCulture) ?? "?";
                    waitingByStatus[status] = waitingByStatus.GetValueOrDefault(status) + 1;
                    waited.Add(Key(a.Journey));
                    break;
                case AttemptKind.Timeout:
                    timeouts++;
                    break;
                case AttemptKind.Connection:
                    connection++;
                    break;
            }
        }

        var secondsWaiting = basis == MeasureBasis.Window
            ? WaitingWithin(attempts, windowStart, windowEnd)
            : WaitingOfJourneys(counted, journeys);

        var errors = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var s in countedSteps)
        {
            if (s.Error is { } error)
            {
                errors[error] = errors.GetValueOrDefault(error) + 1;
            }
        }

        var gaveUp = errors.GetValueOrDefault(ErrorKinds.GaveUpWaiting);
        var other = errors
            .Where(e => !IsServerError(e.Key) && e.Key is not (ErrorKinds.Timeout or ErrorKinds.Connection or ErrorKinds.GaveUpWaiting))
            .Sum(e => e.Value);

        var journeyLatency = new LatencyHistogram();
        foreach (var j in completed)
        {
            journeyLatency.Record(j.Latency);
        }

        if (basis == MeasureBasis.Arrivals)
        {
            foreach (var (j, _) in unfinished)
            {
                journeyLatency.Record(j.Latency);
            }
        }

        return new LoadResult(
            group,
            basis == MeasureBasis.Window ? "window" : "arrivals",
            Math.Round(offeredRate, 3),
            Math.Round(window, 3),
            journeys.Count(j => ArrivedInWindow(j.Journey)),
            journeys.Count(j => j.End == JourneyEnd.Dropped && ArrivedInWindow(j.Journey)),
            completed.Count,
            Math.Round(completed.Count / window, 3),
            Math.Round(completed.Count(j => j.Latency <= TimeSpan.FromSeconds(2)) / window, 3),
            Math.Round(completed.Count(j => j.Latency <= TimeSpan.FromSeconds(10)) / window, 3),
            failed,
            unfinished.Count,
            whileWaiting,
            serverErrors,
            timeouts,
            connection,
            gaveUp,
            other,
            errors,
            waiting,
            waitingByStatus,
            waited.Count,
            Math.Round(secondsWaiting, 3),
            admitted.Summarize(),
            journeyLatency.Summarize(),
            null);
    }

    /// <summary>Per second from 0 to <paramref name="end"/> of one phase; seconds are shifted by <paramref name="firstSecond"/>.</summary>
    public static IReadOnlyList<PhaseSecond> Timeline(
        PhaseRecorder events, Func<JourneyTag, bool> member, string phase, int firstSecond, TimeSpan end, Func<double, double> offeredRateAt)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(member);
        ArgumentNullException.ThrowIfNull(offeredRateAt);
        var seconds = Math.Max(1, (int)Math.Ceiling(end.TotalSeconds));
        var arrivals = new long[seconds];
        var completed = new long[seconds];
        var waiting = new long[seconds];
        var failed = new long[seconds];
        var latency = new LatencyHistogram?[seconds];
        int? Index(TimeSpan t) => t >= TimeSpan.Zero && (int)t.TotalSeconds < seconds ? (int)t.TotalSeconds : null;
        foreach (var j in events.Journeys.Where(j => member(j.Journey)))
        {
            if (Index(j.Journey.Offset) is { } a)
            {
                arrivals[a]++;
            }

            if (j.End == JourneyEnd.Completed && Index(j.EndedAt) is { } c)
            {
                completed[c]++;
            }
        }

        foreach (var a in events.Attempts.Where(a => member(a.Journey)))
        {
            if (Index(a.Attempt.EndedAt) is not { } i)
            {
                continue;
            }

            if (a.Attempt.Kind == AttemptKind.Waiting)
            {
                waiting[i]++;
            }
            else if (a.Attempt.Kind == AttemptKind.Answer)
            {
                (latency[i] ??= new LatencyHistogram(significantDigits: 2)).Record(a.Attempt.Latency);
            }
        }

        foreach (var s in events.Steps.Where(s => member(s.Journey) && s.Error is not null))
        {
            if (Index(s.EndedAt) is { } i)
            {
                failed[i]++;
            }
        }

        return [.. Enumerable.Range(0, seconds).Select(i => new PhaseSecond(
            firstSecond + i, phase, Math.Round(offeredRateAt(i + 0.5), 3), arrivals[i], completed[i], waiting[i], failed[i],
            latency[i] is { } h ? h.PercentileMs(99) : null))];
    }

    /// <summary>"status 5xx" as <see cref="ErrorKinds.Status"/> writes it.</summary>
    internal static bool IsServerError(string kind) =>
        kind.StartsWith("status 5", StringComparison.Ordinal) && kind.Length == "status 500".Length;

    private static (int, int) Key(JourneyTag journey) => (journey.Load, journey.Index);

    /// <summary>Time inside the window covered by Retry-After waits (a wait is cut short when its journey ends).</summary>
    private static double WaitingWithin(IEnumerable<AttemptEvent> attempts, TimeSpan windowStart, TimeSpan windowEnd) =>
        attempts
            .Where(a => a.Attempt.Kind == AttemptKind.Waiting && a.Attempt.RetryDelay > TimeSpan.Zero)
            .Sum(a =>
            {
                var from = a.Attempt.EndedAt > windowStart ? a.Attempt.EndedAt : windowStart;
                var until = a.Attempt.EndedAt + a.Attempt.RetryDelay;
                until = until < windowEnd ? until : windowEnd;
                return until > from ? (until - from).TotalSeconds : 0;
            });

    private static double WaitingOfJourneys(IEnumerable<AttemptEvent> attempts, IEnumerable<JourneyEvent> journeys)
    {
        var ends = journeys.Where(j => j.End != JourneyEnd.Dropped).ToDictionary(j => Key(j.Journey), j => j.EndedAt);
        return attempts
            .Where(a => a.Attempt.Kind == AttemptKind.Waiting)
            .Sum(a =>
            {
                var until = a.Attempt.EndedAt + a.Attempt.RetryDelay;
                if (ends.TryGetValue(Key(a.Journey), out var end) && end < until)
                {
                    until = end;
                }

                return until > a.Attempt.EndedAt ? (until - a.Attempt.EndedAt).TotalSeconds : 0;
            });
    }
}
