using System.Diagnostics.CodeAnalysis;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Schoolbel.Server.Admission;

/// <summary>What the limiter needs to know about a request: whose it is and how urgent.</summary>
/// <param name="School">The school code, or <c>-</c> for platform requests; the unit of fairness.</param>
/// <param name="Priority">Sheddable work goes first, critical work last.</param>
/// <param name="MeasureLatency">
/// False for requests whose time says nothing about the server's load (a password check waits on
/// its own bounded pool by design), so they do not teach the limit a wrong lesson.
/// </param>
public readonly record struct AdmissionRequest(string School, RequestPriority Priority, bool MeasureLatency = true);

/// <summary>
/// The guard in front of all work: an adaptive concurrency limit (<see cref="GradientLimit"/>) with
/// priorities, a per-school fair share and a small, time-bounded queue.
/// <list type="bullet">
/// <item>Priorities: sheddable work may use only part of the limit and never queues; normal work
/// leaves a reserve for critical work, which may also wait longest. Shedding so starts at the bottom.</item>
/// <item>Fairness: while there is room, anyone is admitted (no capacity is left idle). Once a queue
/// forms, each freed slot goes to the waiting school with the fewest requests in flight, and a full
/// queue drops the oldest waiter of the school with the most waiters. One school's spike, or a flood
/// by its pupils, can so take only what the others leave.</item>
/// <item>Newest first: within a school the newest waiter is served first once a queue has formed;
/// the oldest is the one most likely to be given up on by its user already (adaptive LIFO).</item>
/// </list>
/// </summary>
public sealed class AdaptiveConcurrencyLimiter : PartitionedRateLimiter<AdmissionRequest>
{
    private static readonly AdmissionLease Refused = new(ShedReason.QueueFull);

    private readonly Lock _gate = new();
    private readonly TimeProvider _time;

    internal TimeProvider Time => _time;
    private readonly AdmissionOptions _options;
    private readonly GradientLimit _limit;
    private readonly Dictionary<string, SchoolLoad> _schools = new(StringComparer.Ordinal);
    private int _inFlight;
    private int _queued;
    private long _served;
    private long _successful;
    private long _failed;

    // The current sample window.
    private long _windowStart;
    private double _windowLatencyMs;
    private int _windowSamples;
    private int _windowMaxInFlight;

    public AdaptiveConcurrencyLimiter(IOptions<AdmissionOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _time = time;
        _limit = new GradientLimit(_options.InitialLimit, _options.MinLimit, _options.MaxLimit, _options.LatencyTolerance, _options.Smoothing, _options.LatencyFloor.TotalMilliseconds);
        _windowStart = time.GetTimestamp();
    }

    public int Limit
    {
        get
        {
            lock (_gate)
            {
                return _limit.Limit;
            }
        }
    }

    public int InFlight => Volatile.Read(ref _inFlight);

    public int Queued => Volatile.Read(ref _queued);

    /// <summary>How many schools have requests waiting now.</summary>
    public int WaitingSchools
    {
        get
        {
            lock (_gate)
            {
                return _schools.Values.Count(s => s.Waiting > 0);
            }
        }
    }

    /// <summary>In flight and waiting for one school; for tests and the operator page.</summary>
    public (int InFlight, int Waiting) LoadOf(string school)
    {
        lock (_gate)
        {
            return _schools.TryGetValue(school, out var load) ? (load.InFlight, load.Waiting) : (0, 0);
        }
    }

    public override RateLimiterStatistics? GetStatistics(AdmissionRequest resource)
    {
        lock (_gate)
        {
            return new RateLimiterStatistics
            {
                CurrentAvailablePermits = Math.Max(0, _limit.Limit - _inFlight),
                CurrentQueuedCount = _queued,
                TotalSuccessfulLeases = _successful,
                TotalFailedLeases = _failed,
            };
        }
    }

    /// <summary>Admits at once or refuses; never queues.</summary>
    protected override RateLimitLease AttemptAcquireCore(AdmissionRequest resource, int permitCount)
    {
        CheckPermitCount(permitCount);
        lock (_gate)
        {
            if (permitCount == 0)
            {
                return _inFlight < CeilingOf(resource.Priority) ? AdmissionLease.Available : Refused;
            }

            if (CanAdmitNow(resource.Priority))
            {
                return Admit(resource);
            }

            _failed++;
            return new AdmissionLease(RefusalReason(resource.Priority));
        }
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(AdmissionRequest resource, int permitCount, CancellationToken cancellationToken)
    {
        CheckPermitCount(permitCount);
        Waiter? evicted = null;
        Waiter waiter;
        lock (_gate)
        {
            if (permitCount == 0)
            {
                return new(_inFlight < CeilingOf(resource.Priority) ? AdmissionLease.Available : Refused);
            }

            if (CanAdmitNow(resource.Priority))
            {
                return new(Admit(resource));
            }

            // Sheddable work never waits: by the time it is served it is no longer wanted.
            if (resource.Priority == RequestPriority.Sheddable || _options.QueueLimit == 0)
            {
                _failed++;
                return new(new AdmissionLease(RefusalReason(resource.Priority)));
            }

            if (_queued >= _options.QueueLimit)
            {
                evicted = OldestOfBusiestSchool();
                if (evicted is null)
                {
                    _failed++;
                    return new(new AdmissionLease(ShedReason.QueueFull));
                }

                Remove(evicted);
                // Dropped to make room for another school's request: that is the fair share at work.
                evicted.Reason = evicted.Request.School == resource.School ? ShedReason.QueueFull : ShedReason.FairShare;
            }

            waiter = new Waiter(resource, _time.GetTimestamp());
            Load(resource.School).Waiters.AddLast(waiter.Node);
            _queued++;
        }

        evicted?.Refuse(this);
        var timeout = resource.Priority == RequestPriority.Critical ? _options.CriticalQueueTimeout : _options.QueueTimeout;
        waiter.Arm(this, timeout, cancellationToken);
        return new(waiter.Completion.Task);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing)
        {
            return;
        }

        List<Waiter> left = [];
        lock (_gate)
        {
            foreach (var load in _schools.Values)
            {
                left.AddRange(load.Waiters);
                load.Waiters.Clear();
            }

            _queued = 0;
        }

        foreach (var waiter in left)
        {
            waiter.Refuse(this);
        }
    }

    private static void CheckPermitCount(int permitCount)
    {
        // A request is one unit of concurrency; asking for more means a programming error.
        ArgumentOutOfRangeException.ThrowIfGreaterThan(permitCount, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(permitCount);
    }

    private int CeilingOf(RequestPriority priority)
    {
        var limit = _limit.Limit;
        var ceiling = priority switch
        {
            RequestPriority.Critical => limit,
            RequestPriority.Normal => limit * (1 - _options.ReservedForCritical),
            _ => limit * (1 - _options.ReservedForCritical - _options.ReservedForNormal),
        };
        return Math.Max(1, (int)ceiling);
    }

    // Nobody jumps a queue that has formed: a freed slot is then the fair-share decision's to give.
    private bool CanAdmitNow(RequestPriority priority) => _inFlight < CeilingOf(priority) && _queued == 0;

    private ShedReason RefusalReason(RequestPriority priority) =>
        _inFlight < _limit.Limit && priority != RequestPriority.Critical ? ShedReason.Priority : ShedReason.QueueFull;

    private AdmissionLease Admit(AdmissionRequest request)
    {
        _inFlight++;
        _successful++;
        _windowMaxInFlight = Math.Max(_windowMaxInFlight, _inFlight);
        var load = Load(request.School);
        load.InFlight++;

        // Every admission counts as being served, so between schools with equally few requests
        // in flight the one served longest ago goes first.
        load.LastServed = ++_served;
        return new AdmissionLease(this, request, _time.GetTimestamp());
    }

    private SchoolLoad Load(string school)
    {
        if (!_schools.TryGetValue(school, out var load))
        {
            load = new SchoolLoad();
            _schools[school] = load;
        }

        return load;
    }

    internal void Release(AdmissionLease lease, double? latencyMs)
    {
        List<(Waiter Waiter, AdmissionLease Lease)>? admitted;
        lock (_gate)
        {
            _inFlight--;
            var load = Load(lease.Request.School);
            load.InFlight--;
            ForgetIfIdle(lease.Request.School, load);
            if (latencyMs is { } ms)
            {
                _windowLatencyMs += ms;
                _windowSamples++;
            }

            var now = _time.GetTimestamp();
            if (_windowSamples > 0 && _time.GetElapsedTime(_windowStart, now) >= _options.SampleWindow)
            {
                _limit.Update(_windowLatencyMs / _windowSamples, _windowMaxInFlight);
                _windowStart = now;
                _windowLatencyMs = 0;
                _windowSamples = 0;
                _windowMaxInFlight = _inFlight;
            }

            admitted = DispatchLocked();
        }

        Complete(admitted);
    }

    /// <summary>Gives freed slots to waiters: highest priority first, then the school with fewest in flight, newest first.</summary>
    private List<(Waiter, AdmissionLease)>? DispatchLocked()
    {
        List<(Waiter, AdmissionLease)>? admitted = null;
        while (_queued > 0)
        {
            Waiter? best = null;
            SchoolLoad? bestLoad = null;
            foreach (var load in _schools.Values)
            {
                var candidate = load.NewestOfHighestPriority();
                if (candidate is null)
                {
                    continue;
                }

                if (best is null
                    || candidate.Request.Priority > best.Request.Priority
                    || (candidate.Request.Priority == best.Request.Priority
                        && (load.InFlight < bestLoad!.InFlight
                            || (load.InFlight == bestLoad.InFlight && load.LastServed < bestLoad.LastServed))))
                {
                    best = candidate;
                    bestLoad = load;
                }
            }

            if (best is null || _inFlight >= CeilingOf(best.Request.Priority))
            {
                break;
            }

            Remove(best);
            admitted ??= [];
            admitted.Add((best, Admit(best.Request)));
        }

        return admitted;
    }

    private void Complete(List<(Waiter Waiter, AdmissionLease Lease)>? admitted)
    {
        if (admitted is null)
        {
            return;
        }

        foreach (var (waiter, lease) in admitted)
        {
            if (!waiter.Grant(lease, _time))
            {
                // The waiter gave up in the same instant; hand the slot straight back.
                lease.Dispose();
            }
        }
    }

    private Waiter? OldestOfBusiestSchool()
    {
        SchoolLoad? busiest = null;
        foreach (var load in _schools.Values)
        {
            if (load.Waiters.First is not null && (busiest is null || load.Waiting > busiest.Waiting))
            {
                busiest = load;
            }
        }

        return busiest?.Waiters.First?.Value;
    }

    private void Remove(Waiter waiter)
    {
        var load = Load(waiter.Request.School);
        load.Waiters.Remove(waiter.Node);
        _queued--;
    }

    private void ForgetIfIdle(string school, SchoolLoad load)
    {
        // Thousands of schools pass through in a morning; keep only those with work.
        if (load.InFlight == 0 && load.Waiting == 0)
        {
            _schools.Remove(school);
        }
    }

    /// <summary>Called by a waiter whose time ran out or whose client left.</summary>
    internal bool TryWithdraw(Waiter waiter)
    {
        lock (_gate)
        {
            if (waiter.Node.List is null)
            {
                return false;
            }

            Remove(waiter);
            _failed++;
            ForgetIfIdle(waiter.Request.School, Load(waiter.Request.School));
            return true;
        }
    }

    internal void CountFailure()
    {
        lock (_gate)
        {
            _failed++;
        }
    }

    private sealed class SchoolLoad
    {
        public int InFlight { get; set; }

        public long LastServed { get; set; }

        public LinkedList<Waiter> Waiters { get; } = new();

        public int Waiting => Waiters.Count;

        public Waiter? NewestOfHighestPriority()
        {
            Waiter? best = null;
            for (var node = Waiters.Last; node is not null; node = node.Previous)
            {
                if (best is null || node.Value.Request.Priority > best.Request.Priority)
                {
                    best = node.Value;
                    if (best.Request.Priority == RequestPriority.Critical)
                    {
                        break;
                    }
                }
            }

            return best;
        }
    }

    /// <summary>One queued request: completes with a lease, a refusal, or a cancellation.</summary>
    internal sealed class Waiter : IDisposable
    {
        private CancellationTokenSource? _timeout;
        private CancellationTokenRegistration _registration;
        private CancellationTokenRegistration _clientGone;

        public Waiter(AdmissionRequest request, long enqueuedAt)
        {
            Request = request;
            EnqueuedAt = enqueuedAt;
            Node = new LinkedListNode<Waiter>(this);
        }

        public AdmissionRequest Request { get; }

        public long EnqueuedAt { get; }

        public LinkedListNode<Waiter> Node { get; }

        public ShedReason Reason { get; set; } = ShedReason.QueueTimeout;

        public TaskCompletionSource<RateLimitLease> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        [SuppressMessage("Reliability", "CA2000:Dispose objects before losing scope", Justification = "The timeout source is disposed when the waiter completes.")]
        public void Arm(AdaptiveConcurrencyLimiter limiter, TimeSpan timeout, CancellationToken cancellationToken)
        {
            _timeout = new CancellationTokenSource(timeout, limiter._time);
            var linked = _timeout.Token;
            _registration = linked.Register(() =>
            {
                if (limiter.TryWithdraw(this))
                {
                    Finish(new AdmissionLease(ShedReason.QueueTimeout));
                }
            });
            if (cancellationToken.CanBeCanceled)
            {
                _clientGone = cancellationToken.Register(() =>
                {
                    if (limiter.TryWithdraw(this))
                    {
                        Cleanup();
                        Completion.TrySetCanceled(cancellationToken);
                    }
                });
            }

            // The slot may have been granted before the timers were set up.
            if (Completion.Task.IsCompleted)
            {
                Cleanup();
            }
        }

        public bool Grant(AdmissionLease lease, TimeProvider time)
        {
            lease.QueuedFor = time.GetElapsedTime(EnqueuedAt);
            return Finish(lease);
        }

        public void Refuse(AdaptiveConcurrencyLimiter limiter)
        {
            limiter.CountFailure();
            Finish(new AdmissionLease(Reason));
        }

        private bool Finish(RateLimitLease lease)
        {
            var done = Completion.TrySetResult(lease);
            Cleanup();
            return done;
        }

        public void Dispose() => Cleanup();

        private void Cleanup()
        {
            _registration.Dispose();
            _clientGone.Dispose();
            _timeout?.Dispose();
        }
    }
}
