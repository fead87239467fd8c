using Schoolbel.Peak.Journeys;
using Schoolbel.Peak.Results;

namespace Schoolbel.Peak.Overload;

/// <summary>One HTTP attempt of one journey.</summary>
internal readonly record struct AttemptEvent(JourneyTag Journey, AttemptRecord Attempt);

/// <summary>One step of one journey as it ended; <see cref="Error"/> is null when it succeeded.</summary>
internal readonly record struct StepEvent(JourneyTag Journey, string Step, string? Error, TimeSpan EndedAt);

/// <summary>How and when one journey ended (or was dropped at --max-users).</summary>
internal readonly record struct JourneyEvent(JourneyTag Journey, JourneyEnd End, TimeSpan Latency, TimeSpan EndedAt);

/// <summary>
/// Keeps every attempt, step and journey end of one phase as it happened, so that the figures
/// can be cut afterwards by window, by school and by what an answer was. Kept raw rather than
/// summed on the fly: which events count depends on the window, which is only final when the
/// phase ends, and on the school of the user, which a sum would have to know in advance. A
/// phase of a few minutes at a few hundred journeys a second is a few hundred thousand small
/// records, well within a simulator's memory.
/// </summary>
internal sealed class PhaseRecorder : IJourneyObserver
{
    private readonly Lock _lock = new();
    private readonly List<AttemptEvent> _attempts = [];
    private readonly List<StepEvent> _steps = [];
    private readonly List<JourneyEvent> _journeys = [];
    private long _started;
    private long _ended;
    private long _completed;
    private long _waiting;
    private long _errors;

    public IReadOnlyList<AttemptEvent> Attempts
    {
        get
        {
            lock (_lock)
            {
                return [.. _attempts];
            }
        }
    }

    public IReadOnlyList<StepEvent> Steps
    {
        get
        {
            lock (_lock)
            {
                return [.. _steps];
            }
        }
    }

    public IReadOnlyList<JourneyEvent> Journeys
    {
        get
        {
            lock (_lock)
            {
                return [.. _journeys];
            }
        }
    }

    /// <summary>Running totals for the progress line: journeys under way, completed, waiting answers, failed steps.</summary>
    public (long InFlight, long Completed, long WaitingAnswers, long Errors) Progress =>
        (Interlocked.Read(ref _started) - Interlocked.Read(ref _ended), Interlocked.Read(ref _completed),
         Interlocked.Read(ref _waiting), Interlocked.Read(ref _errors));

    public void Attempt(JourneyTag journey, AttemptRecord attempt)
    {
        if (attempt.Kind == AttemptKind.Waiting)
        {
            Interlocked.Increment(ref _waiting);
        }

        lock (_lock)
        {
            _attempts.Add(new AttemptEvent(journey, attempt));
        }
    }

    public void Step(JourneyTag journey, string step, StepOutcome outcome, TimeSpan endedAt)
    {
        if (outcome.Error is not null)
        {
            Interlocked.Increment(ref _errors);
        }

        lock (_lock)
        {
            _steps.Add(new StepEvent(journey, step, outcome.Error, endedAt));
        }
    }

    public void JourneyEnded(JourneyTag journey, JourneyEnd end, TimeSpan latency, TimeSpan endedAt)
    {
        if (end != JourneyEnd.Dropped)
        {
            Interlocked.Increment(ref _ended);
        }

        if (end == JourneyEnd.Completed)
        {
            Interlocked.Increment(ref _completed);
        }

        lock (_lock)
        {
            _journeys.Add(new JourneyEvent(journey, end, latency, endedAt));
        }
    }

    public void JourneyStarted(JourneyTag journey) => Interlocked.Increment(ref _started);
}
