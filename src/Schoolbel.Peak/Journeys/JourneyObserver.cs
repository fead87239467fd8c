using Schoolbel.Peak.Results;

namespace Schoolbel.Peak.Journeys;

/// <summary>What one HTTP attempt of a step turned out to be.</summary>
internal enum AttemptKind
{
    /// <summary>An answer without <c>Retry-After</c>: the server admitted the request (whatever its status).</summary>
    Answer,

    /// <summary>An answer with <c>Retry-After</c> (a waiting page, 429 or 503): not admitted, come back later.</summary>
    Waiting,

    /// <summary>No answer within <c>--timeout</c>.</summary>
    Timeout,

    /// <summary>The connection failed (refused, reset, closed mid-answer).</summary>
    Connection,

    /// <summary>The simulator refused to send it: it would have left the target.</summary>
    OffTarget,
}

/// <summary>
/// One HTTP attempt, times on the run's clock. <see cref="IntendedStart"/> is when the attempt
/// should have been sent: the step's intended start for the first attempt, and for a retry the
/// moment its <c>Retry-After</c> ran out. Latency counts from there, so a late timer or a slow
/// connect is charged to the server's side of the ledger, never hidden.
/// </summary>
/// <param name="Status">The HTTP status; null without an answer.</param>
/// <param name="RetryDelay">For a waiting answer, how long the browser waits before it tries again (zero when it gives up).</param>
internal readonly record struct AttemptRecord(AttemptKind Kind, int? Status, TimeSpan IntendedStart, TimeSpan EndedAt, TimeSpan RetryDelay)
{
    public TimeSpan Latency => EndedAt - IntendedStart;
}

/// <summary>How a journey ended.</summary>
internal enum JourneyEnd
{
    Completed,

    /// <summary>A step failed (an error, or the browser gave up waiting).</summary>
    Failed,

    /// <summary>Still under way (in a request, thinking or waiting out a <c>Retry-After</c>) when the run cut it off.</summary>
    Unfinished,

    /// <summary>Never started: --max-users browsers were busy.</summary>
    Dropped,
}

/// <summary>Which journey an observation belongs to.</summary>
/// <param name="Load">Which of the loads running side by side (0 when there is one).</param>
/// <param name="School">The school of the virtual user's account; null only when it has no account (no session to resume).</param>
internal sealed record JourneyTag(int Load, int Index, TimeSpan Offset, Role Role, JourneyKind Kind, string? School);

/// <summary>
/// Sees every attempt, step and journey end of a run as it happens, for measurements that need
/// more than <see cref="ResultCollector"/> keeps (per attempt, per school, within a window).
/// Called from many threads at once.
/// </summary>
internal interface IJourneyObserver
{
    /// <summary>A journey started (it was not dropped at --max-users).</summary>
    void JourneyStarted(JourneyTag journey);

    void Attempt(JourneyTag journey, AttemptRecord attempt);

    void Step(JourneyTag journey, string step, StepOutcome outcome, TimeSpan endedAt);

    /// <param name="latency">Journey time without think time, up to its end.</param>
    void JourneyEnded(JourneyTag journey, JourneyEnd end, TimeSpan latency, TimeSpan endedAt);
}
