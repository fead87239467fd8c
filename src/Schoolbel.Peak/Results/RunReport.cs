using System.Text.Json;
using System.Text.Json.Serialization;

namespace Schoolbel.Peak.Results;

/// <summary>
/// Everything one run measured, as written to <c>report.json</c> (camelCase). Treat it as a
/// contract for scripts and dashboards: add fields, do not rename or remove them.
/// </summary>
internal sealed record RunReport(
    string Tool,
    RunSettings Settings,
    DateTimeOffset StartedAt,
    double WallSeconds,
    RunTotals Totals,
    IReadOnlyList<StepReport> Steps,
    IReadOnlyList<JourneyReport> Journeys,
    IReadOnlyList<NotAvailableReport> NotAvailable,
    CpuReport? Cpu,
    IReadOnlyList<SecondReport> Timeline,
    IReadOnlyList<string> Notes);

/// <summary>The options the run used (what is needed to repeat it).</summary>
internal sealed record RunSettings(
    string Target,
    string Profile,
    double BaseRatePerSecond,
    double DurationSeconds,
    double RampSeconds,
    double ResumeShare,
    double TeacherShare,
    double ParentShare,
    double ThinkTimeSeconds,
    double TimeoutSeconds,
    string Arrivals,
    int Seed,
    int MaxUsers,
    int WarmupSessions,
    int Schools,
    string? SeedSummary);

/// <summary>Totals over all roles. Goodput figures are per second of the arrival window.</summary>
internal sealed record RunTotals(
    long Arrivals,
    long Started,
    long DroppedAtMaxUsers,
    long Completed,
    long Failed,
    double GoodputPerSecond,
    double Within2sPerSecond,
    double Within10sPerSecond,
    double PeakGoodputPerSecond,
    long WaitingPagesShown,
    double SecondsInWaitingPages,
    IReadOnlyDictionary<string, long> ErrorsByKind,
    LatencySummary JourneyLatency);

/// <summary>One step of one role: count, errors by kind, waiting pages and latency.</summary>
internal sealed record StepReport(
    string Role,
    string Step,
    long Count,
    long Ok,
    IReadOnlyDictionary<string, long> Errors,
    long WaitingPagesShown,
    double SecondsInWaitingPages,
    long BytesReceived,
    LatencySummary Latency);

/// <summary>Journeys of one role and kind (resumed session or password sign-in).</summary>
internal sealed record JourneyReport(
    string Role,
    string Kind,
    long Started,
    long Completed,
    long Failed,
    long CompletedWithin2s,
    long CompletedWithin10s,
    LatencySummary Latency);

/// <summary>A step the server does not offer yet (no links to follow); skipped, not an error.</summary>
internal sealed record NotAvailableReport(string Role, string Step, long Journeys);

/// <summary>
/// Server CPU over the measured window, from /proc/{pid}/stat (utime + stime); and, when the
/// server's /metrics answers, its password checks in the window with their own CPU (the hash's
/// cost, measured on the threads that ran them) and what a journey cost beyond that.
/// </summary>
internal sealed record CpuReport(
    int Pid,
    double CpuSeconds,
    double WallSeconds,
    double AverageCoresBusy,
    double CpuMsPerJourney,
    double CpuMsPerCompletedJourney,
    long TicksPerSecond,
    long? PasswordChecks = null,
    double? HashCpuMsPerCheck = null,
    double? CpuMsPerJourneyBeyondHash = null);

/// <summary>One second of the run: offered and actual arrivals, goodput, latency of journeys completed in it, errors.</summary>
internal sealed record SecondReport(
    int Second,
    double OfferedRate,
    long Arrivals,
    long Completed,
    long Within2s,
    long Within10s,
    long Errors,
    long WaitingPagesShown,
    double P50Ms,
    double P90Ms,
    double P99Ms,
    double? ServerCpuCores);

/// <summary>Serialises reports without reflection, indented and camelCase.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(RunReport))]
[JsonSerializable(typeof(CapacityReport))]
internal sealed partial class ReportJsonContext : JsonSerializerContext;
