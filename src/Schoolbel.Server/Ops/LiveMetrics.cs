using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json.Serialization;
using Schoolbel.Server.Admission;

namespace Schoolbel.Server.Ops;

/// <summary>
/// The numbers behind the operator's live page (<c>/ops/live</c>). Listens to this app's request
/// durations (ASP.NET Core's <c>http.server.request.duration</c>) and to the admission layer's
/// instruments (<see cref="AdmissionMetrics"/>), adds them up per second and keeps the last
/// <see cref="Seconds"/> seconds. Prometheus gets the same instruments through OpenTelemetry on
/// <c>/metrics</c>; this is only the short, fine-grained view an operator watches during a peak.
/// Counts are approximate by design: a measurement that races the end of a second may land in
/// the next one.
/// </summary>
public sealed partial class LiveMetrics : BackgroundService
{
    /// <summary>How many seconds the chart goes back.</summary>
    public const int Seconds = 300;

    /// <summary>Seconds behind the headline rate and percentiles.</summary>
    public const int HeadlineSeconds = 10;

    /// <summary>Seconds behind the per-school and per-reason counts.</summary>
    public const int RecentSeconds = 60;

    /// <summary>Rows in the per-school table: the busiest and most refused schools.</summary>
    public const int MaxSchoolRows = 100;

    internal const string HostingMeter = "Microsoft.AspNetCore.Hosting";
    internal const string RequestDuration = "http.server.request.duration";

    /// <summary>The <c>school</c> tag value for requests outside any school.</summary>
    internal const string NoSchool = "-";

    /// <summary>Distinct schools kept per second; any more are counted under <see cref="OtherSchools"/>.</summary>
    private const int MaxSchoolsPerSecond = 2000;
    private const string OtherSchools = "…";

    /// <summary>Every reason tag the admission layer uses, and <c>other</c> for anything new.</summary>
    internal static readonly string[] ShedReasons =
        [.. Enum.GetValues<ShedReason>().Select(AdmissionMetrics.TagOf), "other"];

    private readonly IMeterFactory _meters;
    private readonly TimeProvider _time;
    private readonly IServiceProvider _services;
    private readonly ILogger<LiveMetrics>? _logger;
    private readonly MeterListener _listener = new();
    private readonly Lock _tickLock = new();
    private readonly Lock _readLock = new();
    private readonly LivePoint?[] _points = new LivePoint?[Seconds];
    private readonly Dictionary<string, SchoolLoad>?[] _schools = new Dictionary<string, SchoolLoad>?[RecentSeconds];
    private long _ticks;
    private Accumulator _current = new();
    private GaugeReadings _gauges = new();

    public LiveMetrics(IMeterFactory meters, TimeProvider time, IServiceProvider services, ILogger<LiveMetrics>? logger = null)
    {
        _meters = meters;
        _time = time;
        _services = services;
        _logger = logger;
        _listener.InstrumentPublished = OnInstrumentPublished;
        _listener.SetMeasurementEventCallback<long>((_, value, tags, state) => Record((Kind)state!, value, tags));
        _listener.SetMeasurementEventCallback<int>((_, value, tags, state) => Record((Kind)state!, value, tags));
        _listener.SetMeasurementEventCallback<double>((_, value, tags, state) => Record((Kind)state!, value, tags));
    }

    private enum Kind
    {
        RequestDuration,
        Admitted,
        Shed,
        QueueWait,
        Limit,
        InFlight,
        Queued,
        WaitingRoomSize,
        AdmissionRate,
        BrownOut,
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // The admission layer is optional here: when it is registered, make sure its instruments
        // exist before the first request, so the gauges show from the start.
        _ = _services.GetService<AdmissionMetrics>();
        _listener.Start();
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            // A fresh delay per round rather than a PeriodicTimer: on a FakeTimeProvider moved
            // 91 days ahead, a periodic timer fires once per missed second (7.8 million times).
            while (true)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), _time, stoppingToken);
                try
                {
                    Tick();
                }
#pragma warning disable CA1031 // A failing gauge must not stop the host (a background service's exception would).
                catch (Exception e)
#pragma warning restore CA1031
                {
                    if (_logger is not null)
                    {
                        LogTickFailed(_logger, e);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    /// <summary>Ends the current second: reads the gauges and stores what was counted.</summary>
    internal void Tick()
    {
        lock (_tickLock)
        {
            var gauges = new GaugeReadings();
            Volatile.Write(ref _gauges, gauges);
            try
            {
                _listener.RecordObservableInstruments();
            }
#pragma warning disable CA1031 // A failing gauge leaves its value out; the rest of the second still counts.
            catch (Exception e)
#pragma warning restore CA1031
            {
                if (_logger is not null)
                {
                    LogTickFailed(_logger, e);
                }
            }

            var finished = Interlocked.Exchange(ref _current, new Accumulator());
            var latency = finished.Latency.Counts();
            IReadOnlyList<long[]> one = [latency];
            var point = new LivePoint(
                _time.GetUtcNow().ToUnixTimeMilliseconds(),
                Interlocked.Read(ref finished.Requests),
                Interlocked.Read(ref finished.Errors),
                Round(LatencyHistogram.Percentile(one, 0.5)),
                Round(LatencyHistogram.Percentile(one, 0.9)),
                Round(LatencyHistogram.Percentile(one, 0.99)),
                Interlocked.Read(ref finished.Admitted),
                Interlocked.Read(ref finished.Shed),
                gauges.Seen ? gauges.Limit : null,
                gauges.Seen ? gauges.InFlight : null,
                gauges.Seen ? gauges.Queued : null,
                gauges.Seen ? gauges.WaitingRoomSize : null,
                gauges.Seen ? Math.Round(gauges.AdmissionRate, 2) : null,
                gauges.Seen ? gauges.BrownOut : null)
            {
                LatencyCounts = latency,
                ShedByReason = [.. Enumerable.Range(0, ShedReasons.Length).Select(i => Interlocked.Read(ref finished.ShedByReason[i]))],
            };
            var schools = finished.Schools.ToDictionary(
                s => s.Key,
                s => new SchoolLoad(s.Key, Interlocked.Read(ref s.Value.Admitted), Interlocked.Read(ref s.Value.Queued), Interlocked.Read(ref s.Value.Shed)),
                StringComparer.Ordinal);
            lock (_readLock)
            {
                _points[_ticks % Seconds] = point;
                _schools[_ticks % RecentSeconds] = schools;
                _ticks++;
            }
        }
    }

    /// <summary>What the live page shows; <paramref name="sinceMilliseconds"/> limits the points to newer ones.</summary>
    public LiveView Read(long sinceMilliseconds = 0)
    {
        List<LivePoint> points;
        List<Dictionary<string, SchoolLoad>> schools;
        lock (_readLock)
        {
            points = [];
            for (var i = Math.Max(0, _ticks - Seconds); i < _ticks; i++)
            {
                points.Add(_points[i % Seconds]!);
            }

            schools = [];
            for (var i = Math.Max(0, _ticks - RecentSeconds); i < _ticks; i++)
            {
                schools.Add(_schools[i % RecentSeconds]!);
            }
        }

        var headline = points.TakeLast(HeadlineSeconds).ToList();
        var recent = points.TakeLast(RecentSeconds).ToList();
        var latency = headline.Select(p => p.LatencyCounts).ToList();
        var latest = points.Count > 0 ? points[^1] : null;
        var shedByReason = ShedReasons
            .Select((reason, i) => new ReasonCount(reason, recent.Sum(p => p.ShedByReason[i])))
            .ToList();
        var perSchool = schools
            .SelectMany(s => s.Values)
            .GroupBy(s => s.School, StringComparer.Ordinal)
            .Select(g => new SchoolLoad(g.Key, g.Sum(s => s.Admitted), g.Sum(s => s.Queued), g.Sum(s => s.Shed)))
            .OrderByDescending(s => s.Shed).ThenByDescending(s => s.Queued).ThenByDescending(s => s.Admitted)
            .ThenBy(s => s.School, StringComparer.Ordinal)
            .Take(MaxSchoolRows)
            .ToList();
        return new LiveView(
            _time.GetUtcNow().ToUnixTimeMilliseconds(),
            latest?.Limit is not null,
            headline.Count == 0 ? 0 : Math.Round(headline.Sum(p => p.Requests) / (double)headline.Count, 1),
            Round(LatencyHistogram.Percentile(latency, 0.5)),
            Round(LatencyHistogram.Percentile(latency, 0.9)),
            Round(LatencyHistogram.Percentile(latency, 0.99)),
            recent.Sum(p => p.Requests),
            recent.Sum(p => p.Errors),
            recent.Sum(p => p.Admitted),
            recent.Sum(p => p.Shed),
            latest?.Limit,
            latest?.InFlight,
            latest?.Queued,
            latest?.WaitingRoomSize,
            latest?.AdmissionRate,
            latest?.BrownOut,
            shedByReason,
            perSchool,
            [.. points.Where(p => p.T > sinceMilliseconds)]);
    }

    public override void Dispose()
    {
        _listener.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The live metrics could not read this second (a gauge failed?)")]
    private static partial void LogTickFailed(ILogger logger, Exception exception);

    private static double? Round(double? milliseconds) => milliseconds is { } ms ? Math.Round(ms, ms < 10 ? 2 : 1) : null;

    private static string? Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string name)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == name)
            {
                return tag.Value?.ToString();
            }
        }

        return null;
    }

    private static bool IsServerError(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == "http.response.status_code")
            {
                return tag.Value is int status ? status >= 500 : int.TryParse(tag.Value?.ToString(), out var parsed) && parsed >= 500;
            }
        }

        return false;
    }

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        // Only this app's meters: tests run several apps in one process, each with its own factory.
        if (!ReferenceEquals(instrument.Meter.Scope, _meters))
        {
            return;
        }

        Kind? kind = (instrument.Meter.Name, instrument.Name) switch
        {
            (HostingMeter, RequestDuration) => Kind.RequestDuration,
            (AdmissionMetrics.MeterName, "schoolbel.admission.admitted") => Kind.Admitted,
            (AdmissionMetrics.MeterName, "schoolbel.admission.shed") => Kind.Shed,
            (AdmissionMetrics.MeterName, "schoolbel.admission.queue_wait") => Kind.QueueWait,
            (AdmissionMetrics.MeterName, "schoolbel.admission.limit") => Kind.Limit,
            (AdmissionMetrics.MeterName, "schoolbel.admission.in_flight") => Kind.InFlight,
            (AdmissionMetrics.MeterName, "schoolbel.admission.queued") => Kind.Queued,
            (AdmissionMetrics.MeterName, "schoolbel.waiting_room.size") => Kind.WaitingRoomSize,
            (AdmissionMetrics.MeterName, "schoolbel.waiting_room.admission_rate") => Kind.AdmissionRate,
            (AdmissionMetrics.MeterName, "schoolbel.brownout.active") => Kind.BrownOut,
            _ => null,
        };
        if (kind is { } k)
        {
            listener.EnableMeasurementEvents(instrument, k);
        }
    }

    private void Record(Kind kind, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var current = Volatile.Read(ref _current);
        switch (kind)
        {
            case Kind.RequestDuration:
                Interlocked.Increment(ref current.Requests);
                current.Latency.Record(value * 1000);
                if (IsServerError(tags))
                {
                    Interlocked.Increment(ref current.Errors);
                }

                break;
            case Kind.Admitted:
                Interlocked.Add(ref current.Admitted, (long)value);
                Interlocked.Add(ref current.School(Tag(tags, "school")).Admitted, (long)value);
                break;
            case Kind.Shed:
                var reason = Array.IndexOf(ShedReasons, Tag(tags, "reason"));
                Interlocked.Add(ref current.Shed, (long)value);
                Interlocked.Add(ref current.ShedByReason[reason < 0 ? ShedReasons.Length - 1 : reason], (long)value);
                Interlocked.Add(ref current.School(Tag(tags, "school")).Shed, (long)value);
                if (Tag(tags, "reason") == AdmissionMetrics.TagOf(ShedReason.QueueTimeout))
                {
                    // It waited in the queue too, and then gave up.
                    Interlocked.Add(ref current.School(Tag(tags, "school")).Queued, (long)value);
                }

                break;
            case Kind.QueueWait:
                if (value > 0)
                {
                    Interlocked.Increment(ref current.School(Tag(tags, "school")).Queued);
                }

                break;
            default:
                // Gauges: only called from Tick (RecordObservableInstruments), one thread at a time.
                var gauges = Volatile.Read(ref _gauges);
                gauges.Seen = true;
                switch (kind)
                {
                    case Kind.Limit: gauges.Limit = (long)value; break;
                    case Kind.InFlight: gauges.InFlight = (long)value; break;
                    case Kind.Queued: gauges.Queued = (long)value; break;
                    case Kind.WaitingRoomSize: gauges.WaitingRoomSize = (long)value; break;
                    case Kind.AdmissionRate: gauges.AdmissionRate = value; break;
                    case Kind.BrownOut: gauges.BrownOut = value > 0; break;
                }

                break;
        }
    }

    private sealed class Accumulator
    {
#pragma warning disable CA1051 // Fields, so Interlocked can update them in place.
        public long Requests;
        public long Errors;
        public long Admitted;
        public long Shed;
        public readonly LatencyHistogram Latency = new();
        public readonly long[] ShedByReason = new long[ShedReasons.Length];
        public readonly ConcurrentDictionary<string, SchoolCounter> Schools = new(StringComparer.Ordinal);
#pragma warning restore CA1051

        public SchoolCounter School(string? code)
        {
            code = string.IsNullOrEmpty(code) ? NoSchool : code;
            if (Schools.TryGetValue(code, out var counter))
            {
                return counter;
            }

            return Schools.Count >= MaxSchoolsPerSecond
                ? Schools.GetOrAdd(OtherSchools, _ => new SchoolCounter())
                : Schools.GetOrAdd(code, _ => new SchoolCounter());
        }
    }

    private sealed class SchoolCounter
    {
#pragma warning disable CA1051
        public long Admitted;
        public long Queued;
        public long Shed;
#pragma warning restore CA1051
    }

    private sealed class GaugeReadings
    {
        public bool Seen { get; set; }
        public long Limit { get; set; }
        public long InFlight { get; set; }
        public long Queued { get; set; }
        public long WaitingRoomSize { get; set; }
        public double AdmissionRate { get; set; }
        public bool BrownOut { get; set; }
    }
}

/// <summary>One second on the live page. Latencies in milliseconds; admission values null while the admission layer is not there.</summary>
public sealed record LivePoint(
    long T,
    long Requests,
    long Errors,
    double? P50,
    double? P90,
    double? P99,
    long Admitted,
    long Shed,
    long? Limit,
    long? InFlight,
    long? Queued,
    long? WaitingRoomSize,
    double? AdmissionRate,
    bool? BrownOut)
{
    [JsonIgnore]
    public long[] LatencyCounts { get; init; } = [];

    [JsonIgnore]
    public long[] ShedByReason { get; init; } = [];
}

/// <summary>One school's load over the last minute.</summary>
public sealed record SchoolLoad(string School, long Admitted, long Queued, long Shed);

/// <summary>Requests refused for one reason over the last minute.</summary>
public sealed record ReasonCount(string Reason, long Count);

/// <summary>
/// The live page's data: headline numbers (rate and percentiles over the last
/// <see cref="LiveMetrics.HeadlineSeconds"/> seconds, totals over the last minute, gauges now),
/// and the points of the last five minutes for the chart.
/// </summary>
public sealed record LiveView(
    long Now,
    bool AdmissionActive,
    double RequestRate,
    double? P50,
    double? P90,
    double? P99,
    long RequestsLastMinute,
    long ErrorsLastMinute,
    long AdmittedLastMinute,
    long ShedLastMinute,
    long? Limit,
    long? InFlight,
    long? Queued,
    long? WaitingRoomSize,
    double? AdmissionRate,
    bool? BrownOut,
    IReadOnlyList<ReasonCount> ShedByReason,
    IReadOnlyList<SchoolLoad> Schools,
    IReadOnlyList<LivePoint> Points);
