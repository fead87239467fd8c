using System.Diagnostics.Metrics;

namespace Schoolbel.Server.Admission;

/// <summary>Why a request was not admitted; the <c>reason</c> tag on <see cref="AdmissionMetrics.Shed"/>.</summary>
public enum ShedReason
{
    /// <summary>Waited in the limiter's queue for longer than its time bound.</summary>
    QueueTimeout,

    /// <summary>The queue was full (or, for sheddable work, no queue is offered at all).</summary>
    QueueFull,

    /// <summary>Capacity held back for higher-priority work.</summary>
    Priority,

    /// <summary>The school already used its fair share while others wait.</summary>
    FairShare,

    /// <summary>One address sent more than its (generous) token bucket allows.</summary>
    IpBudget,

    /// <summary>One signed-in user sent more than their token bucket allows.</summary>
    UserBudget,

    /// <summary>A visitor without a session was shown the waiting room.</summary>
    WaitingRoom,
}

/// <summary>How urgent a request is; under overload the limiter sheds from the bottom.</summary>
public enum RequestPriority
{
    /// <summary>Background refreshes, counters, prefetch: the first to go.</summary>
    Sheddable = 0,

    /// <summary>Pages and downloads.</summary>
    Normal = 1,

    /// <summary>A signed-in user submitting work or saving: the last to go.</summary>
    Critical = 2,
}

/// <summary>
/// The admission layer's instruments, on the <see cref="MeterName"/> meter that OpenTelemetry
/// exports on <c>/metrics</c> and the operator page samples live. Tags: <c>school</c> (the school
/// code, or <c>-</c> for platform requests), <c>priority</c> and <c>reason</c> (snake_case of
/// <see cref="ShedReason"/>). Gauges read the live state through callbacks, so they cost nothing
/// between scrapes.
/// </summary>
public sealed class AdmissionMetrics : IDisposable
{
    public const string MeterName = "Schoolbel.Admission";

    private readonly Meter _meter;

    public AdmissionMetrics(IMeterFactory meters, IAdmissionState state)
    {
        ArgumentNullException.ThrowIfNull(meters);
        ArgumentNullException.ThrowIfNull(state);
        _meter = meters.Create(MeterName);
        Admitted = _meter.CreateCounter<long>("schoolbel.admission.admitted", "{request}", "Requests admitted by the limiter.");
        Shed = _meter.CreateCounter<long>("schoolbel.admission.shed", "{request}", "Requests not admitted, by reason and school.");
        QueueWait = _meter.CreateHistogram<double>("schoolbel.admission.queue_wait", "s", "Time admitted requests spent in the limiter's queue.");
        WaitingRoomAdmitted = _meter.CreateCounter<long>("schoolbel.waiting_room.admitted", "{visitor}", "Visitors let in from the waiting room.");
        _meter.CreateObservableGauge("schoolbel.admission.limit", () => state.Snapshot().Limit, "{request}", "The adaptive concurrency limit now.");
        _meter.CreateObservableGauge("schoolbel.admission.in_flight", () => state.Snapshot().InFlight, "{request}", "Requests being served now.");
        _meter.CreateObservableGauge("schoolbel.admission.queued", () => state.Snapshot().Queued, "{request}", "Requests waiting in the limiter's queue now.");
        _meter.CreateObservableGauge("schoolbel.waiting_room.size", () => state.Snapshot().WaitingRoomSize, "{visitor}", "Visitors in the waiting room now.");
        _meter.CreateObservableGauge("schoolbel.waiting_room.admission_rate", () => state.Snapshot().AdmissionRatePerSecond, "{visitor}/s", "Recent rate at which the waiting room lets visitors in.");
        _meter.CreateObservableGauge("schoolbel.brownout.active", () => state.Snapshot().BrownOut ? 1 : 0, null, "1 while non-essential work is postponed.");
    }

    public Counter<long> Admitted { get; }

    public Counter<long> Shed { get; }

    public Histogram<double> QueueWait { get; }

    public Counter<long> WaitingRoomAdmitted { get; }

    public static string TagOf(ShedReason reason) => reason switch
    {
        ShedReason.QueueTimeout => "queue_timeout",
        ShedReason.QueueFull => "queue_full",
        ShedReason.Priority => "priority",
        ShedReason.FairShare => "fair_share",
        ShedReason.IpBudget => "ip_budget",
        ShedReason.UserBudget => "user_budget",
        ShedReason.WaitingRoom => "waiting_room",
        _ => "other",
    };

    public static string TagOf(RequestPriority priority) => priority switch
    {
        RequestPriority.Critical => "critical",
        RequestPriority.Normal => "normal",
        _ => "sheddable",
    };

    public void Dispose() => _meter.Dispose();
}

/// <summary>The admission layer's live state, for gauges and the operator page.</summary>
public interface IAdmissionState
{
    AdmissionSnapshot Snapshot();
}

/// <summary>One reading of the admission layer.</summary>
public sealed record AdmissionSnapshot(
    int Limit,
    int InFlight,
    int Queued,
    int WaitingRoomSize,
    double AdmissionRatePerSecond,
    bool BrownOut);
