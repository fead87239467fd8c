namespace Schoolbel.Peak.Results;

/// <summary>Who a virtual user is; each role has its own morning.</summary>
internal enum Role
{
    Pupil,
    Teacher,
    Parent,
}

/// <summary>How the journey gets past the front door.</summary>
internal enum JourneyKind
{
    /// <summary>Already signed in (a kept session cookie): straight to the today page.</summary>
    Resumed,

    /// <summary>Opens the sign-in page and signs in with a password (one hash on the server).</summary>
    Password,
}

/// <summary>Step names as they appear in reports.</summary>
internal static class Steps
{
    public const string SignInPage = "signin-page";
    public const string SignIn = "sign-in";
    public const string Today = "today";
    public const string Course = "course";
    public const string Lesson = "lesson";
    public const string Document = "document";
    public const string NewLesson = "new-lesson";
    public const string Upload = "upload";
    public const string Publish = "publish";
    public const string Practice = "practice";
    public const string Answer = "answer";
    public const string Assignment = "assignment";
    public const string HandIn = "hand-in";
    public const string Inbox = "inbox";
    public const string Message = "message";
}

/// <summary>Error kinds as they appear in reports; HTTP statuses appear as <c>status 500</c>.</summary>
internal static class ErrorKinds
{
    public const string Timeout = "timeout";
    public const string Connection = "connection";
    public const string OffTarget = "off-target";
    public const string GaveUpWaiting = "gave-up-waiting";
    public const string SignedOut = "signed-out";
    public const string MissingForm = "missing-form";
    public const string NoSession = "no-session";

    /// <summary>A hand-in was answered, but its receipt lacks the time or a file's SHA-256.</summary>
    public const string MissingReceipt = "missing-receipt";

    /// <summary>The receipt names a SHA-256 other than that of the bytes the pupil sent.</summary>
    public const string WrongHash = "wrong-hash";

    /// <summary>An unread message was opened, but the unread count did not go down.</summary>
    public const string UnreadCount = "unread-count";

    public static string Status(int code) => "status " + code.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>How one step went, as measured by the journey.</summary>
/// <param name="Error">Null when the step succeeded; otherwise its kind (see <see cref="ErrorKinds"/>).</param>
/// <param name="Latency">From the intended start of the step until it ended, waiting pages included.</param>
internal readonly record struct StepOutcome(string? Error, TimeSpan Latency, int WaitingPages, TimeSpan Waiting, long Bytes)
{
    public bool Ok => Error is null;
}

/// <summary>
/// Collects what every journey measured, from many threads at once. One lock: at the rates a
/// single simulator offers (thousands of steps a second) it is never contended enough to matter,
/// and it keeps the totals and the timeline consistent with each other.
/// </summary>
internal sealed class ResultCollector
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(Role, string), StepStats> _steps = [];
    private readonly Dictionary<(Role, JourneyKind), JourneyStats> _journeys = [];
    private readonly Dictionary<(Role, string), long> _notAvailable = [];
    private readonly Dictionary<string, long> _errors = new(StringComparer.Ordinal);
    private readonly List<SecondStats> _timeline = [];
    private readonly LatencyHistogram _allJourneys = new();
    private long _arrivals;
    private long _dropped;
    private long _inFlight;
    private long _completed;
    private long _failed;
    private long _waitingPages;
    private TimeSpan _waiting;

    public long InFlight => Interlocked.Read(ref _inFlight);

    public void RecordArrival(TimeSpan intended)
    {
        lock (_lock)
        {
            _arrivals++;
            Second(intended).Arrivals++;
        }
    }

    /// <summary>An arrival the simulator could not start because --max-users were busy.</summary>
    public void RecordDropped(TimeSpan intended)
    {
        lock (_lock)
        {
            _dropped++;
            Second(intended).Errors++;
        }
    }

    public void JourneyStarted() => Interlocked.Increment(ref _inFlight);

    public void RecordStep(Role role, string step, StepOutcome outcome, TimeSpan endedAt)
    {
        lock (_lock)
        {
            var stats = Get(_steps, (role, step), static () => new StepStats());
            stats.Count++;
            // A failed step still cost the pupil that time; leaving it out would flatter the tail.
            stats.Latency.Record(outcome.Latency);
            stats.WaitingPages += outcome.WaitingPages;
            stats.Waiting += outcome.Waiting;
            stats.Bytes += outcome.Bytes;
            _waitingPages += outcome.WaitingPages;
            _waiting += outcome.Waiting;
            var second = Second(endedAt);
            second.WaitingPages += outcome.WaitingPages;
            if (outcome.Error is null)
            {
                stats.Ok++;
            }
            else
            {
                stats.Errors[outcome.Error] = stats.Errors.GetValueOrDefault(outcome.Error) + 1;
                _errors[outcome.Error] = _errors.GetValueOrDefault(outcome.Error) + 1;
                second.Errors++;
            }
        }
    }

    public void RecordNotAvailable(Role role, string step)
    {
        lock (_lock)
        {
            _notAvailable[(role, step)] = _notAvailable.GetValueOrDefault((role, step)) + 1;
        }
    }

    /// <param name="latency">Journey time without think time: what the server made the pupil wait.</param>
    public void RecordJourney(Role role, JourneyKind kind, bool completed, TimeSpan latency, TimeSpan endedAt)
    {
        Interlocked.Decrement(ref _inFlight);
        lock (_lock)
        {
            var stats = Get(_journeys, (role, kind), static () => new JourneyStats());
            stats.Started++;
            if (!completed)
            {
                stats.Failed++;
                _failed++;
                return;
            }

            stats.Completed++;
            _completed++;
            stats.Latency.Record(latency);
            _allJourneys.Record(latency);
            var second = Second(endedAt);
            second.Completed++;
            second.Latency.Record(latency);
            if (latency <= TimeSpan.FromSeconds(2))
            {
                stats.Within2s++;
                second.Within2s++;
            }

            if (latency <= TimeSpan.FromSeconds(10))
            {
                stats.Within10s++;
                second.Within10s++;
            }
        }
    }

    /// <summary>Server CPU (in cores busy) during one second of the run.</summary>
    public void RecordServerCpu(int second, double cores)
    {
        lock (_lock)
        {
            Second(TimeSpan.FromSeconds(second)).ServerCpuCores = cores;
        }
    }

    /// <summary>A consistent snapshot for the progress line.</summary>
    public ProgressSnapshot Progress(int second)
    {
        lock (_lock)
        {
            var recent = second >= 1 && second - 1 < _timeline.Count ? _timeline[second - 1] : null;
            return new ProgressSnapshot(_arrivals, _completed, _failed, _dropped, InFlight, _waitingPages,
                recent?.Arrivals ?? 0, recent?.Completed ?? 0, recent?.Latency.PercentileMs(99) ?? 0,
                _errors.Values.Sum());
        }
    }

    public (long Completed, long Failed, long Dropped, long Arrivals) Counts()
    {
        lock (_lock)
        {
            return (_completed, _failed, _dropped, _arrivals);
        }
    }

    public RunReport BuildReport(
        RunSettings settings, DateTimeOffset startedAt, double wallSeconds, Func<double, double> offeredRateAt,
        CpuReport? cpu, IReadOnlyList<string> notes)
    {
        lock (_lock)
        {
            var window = Math.Max(settings.DurationSeconds, 1);
            var within2 = _journeys.Values.Sum(j => j.Within2s);
            var within10 = _journeys.Values.Sum(j => j.Within10s);
            // Peak goodput: the best five consecutive seconds, so one lucky second does not count.
            var peak = 0.0;
            for (var i = 0; i + 5 <= _timeline.Count; i++)
            {
                peak = Math.Max(peak, _timeline.Skip(i).Take(5).Sum(s => s.Completed) / 5.0);
            }

            var totals = new RunTotals(
                _arrivals,
                _arrivals - _dropped,
                _dropped,
                _completed,
                _failed,
                Math.Round(_completed / window, 3),
                Math.Round(within2 / window, 3),
                Math.Round(within10 / window, 3),
                peak,
                _waitingPages,
                Math.Round(_waiting.TotalSeconds, 3),
                new SortedDictionary<string, long>(_errors, StringComparer.Ordinal),
                _allJourneys.Summarize());

            var steps = _steps
                .OrderBy(s => s.Key.Item1).ThenBy(s => StepOrder(s.Key.Item2))
                .Select(s => new StepReport(
                    RoleName(s.Key.Item1), s.Key.Item2, s.Value.Count, s.Value.Ok,
                    new SortedDictionary<string, long>(s.Value.Errors, StringComparer.Ordinal),
                    s.Value.WaitingPages, Math.Round(s.Value.Waiting.TotalSeconds, 3), s.Value.Bytes, s.Value.Latency.Summarize()))
                .ToList();
            var journeys = _journeys
                .OrderBy(j => j.Key.Item1).ThenBy(j => j.Key.Item2)
                .Select(j => new JourneyReport(
                    RoleName(j.Key.Item1), KindName(j.Key.Item2), j.Value.Started, j.Value.Completed, j.Value.Failed,
                    j.Value.Within2s, j.Value.Within10s, j.Value.Latency.Summarize()))
                .ToList();
            var notAvailable = _notAvailable
                .OrderBy(n => n.Key.Item1).ThenBy(n => StepOrder(n.Key.Item2))
                .Select(n => new NotAvailableReport(RoleName(n.Key.Item1), n.Key.Item2, n.Value))
                .ToList();
            var timeline = _timeline
                .Select((s, i) => new SecondReport(
                    i, Math.Round(offeredRateAt(i + 0.5), 3), s.Arrivals, s.Completed, s.Within2s, s.Within10s, s.Errors, s.WaitingPages,
                    s.Latency.PercentileMs(50), s.Latency.PercentileMs(90), s.Latency.PercentileMs(99),
                    s.ServerCpuCores is { } c ? Math.Round(c, 3) : null))
                .ToList();

            return new RunReport("Schoolbel.Peak", settings, startedAt, Math.Round(wallSeconds, 3), totals, steps, journeys, notAvailable, cpu, timeline, notes);
        }
    }

    public static string RoleName(Role role) => role switch
    {
        Role.Pupil => "pupil",
        Role.Teacher => "teacher",
        _ => "parent",
    };

    public static string KindName(JourneyKind kind) => kind == JourneyKind.Resumed ? "resumed" : "password";

    private static int StepOrder(string step) => step switch
    {
        Steps.SignInPage => 0,
        Steps.SignIn => 1,
        Steps.Today => 2,
        Steps.Course => 3,
        Steps.Lesson => 4,
        Steps.Document => 5,
        Steps.NewLesson => 6,
        Steps.Upload => 7,
        Steps.Publish => 8,
        Steps.Practice => 9,
        Steps.Answer => 10,
        Steps.Assignment => 11,
        Steps.HandIn => 12,
        Steps.Inbox => 13,
        Steps.Message => 14,
        _ => 15,
    };

    private static TValue Get<TKey, TValue>(Dictionary<TKey, TValue> map, TKey key, Func<TValue> create)
        where TKey : notnull
    {
        if (!map.TryGetValue(key, out var value))
        {
            value = create();
            map[key] = value;
        }

        return value;
    }

    private SecondStats Second(TimeSpan at)
    {
        var index = Math.Max(0, (int)at.TotalSeconds);
        while (_timeline.Count <= index)
        {
            _timeline.Add(new SecondStats());
        }

        return _timeline[index];
    }

    private sealed class StepStats
    {
        public LatencyHistogram Latency { get; } = new();
        public Dictionary<string, long> Errors { get; } = new(StringComparer.Ordinal);
        public long Count { get; set; }
        public long Ok { get; set; }
        public long WaitingPages { get; set; }
        public TimeSpan Waiting { get; set; }
        public long Bytes { get; set; }
    }

    private sealed class JourneyStats
    {
        public LatencyHistogram Latency { get; } = new();
        public long Started { get; set; }
        public long Completed { get; set; }
        public long Failed { get; set; }
        public long Within2s { get; set; }
        public long Within10s { get; set; }
    }

    private sealed class SecondStats
    {
        // Two significant digits (1% error) keep a long run's per-second histograms small.
        public LatencyHistogram Latency { get; } = new(significantDigits: 2);
        public long Arrivals { get; set; }
        public long Completed { get; set; }
        public long Within2s { get; set; }
        public long Within10s { get; set; }
        public long Errors { get; set; }
        public long WaitingPages { get; set; }
        public double? ServerCpuCores { get; set; }
    }
}

/// <summary>What the live progress line shows.</summary>
internal sealed record ProgressSnapshot(
    long Arrivals, long Completed, long Failed, long Dropped, long InFlight, long WaitingPages,
    long LastSecondArrivals, long LastSecondCompleted, double LastSecondP99Ms, long Errors);
