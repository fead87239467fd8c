using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Schoolbel.Server.Admission;

namespace Schoolbel.Server.SignIn;

/// <summary>
/// Password hashing costs 20–200 ms of a core (Argon2id ~24 ms, PBKDF2 ~180 ms here), so checks run on a bounded pool (about one
/// slot per core) behind a short queue. When the queue is full, or the expected wait passes
/// the limit, the caller is told at once to come back later, with its place in line. Only
/// password checks go through here: signed-in pages and downloads never wait behind them.
/// The slots are shared fairly between schools (the admission layer's limiter, with its limit
/// fixed at the slot count): a school whose pupils all sign in at once, or a password-guessing
/// flood from one school, takes only what the other schools leave.
/// </summary>
public sealed partial class PasswordCheckPool : IDisposable
{
    public const string MeterName = "Schoolbel.SignIn";
    public const string CheckCpuTimeInstrument = "schoolbel.signin.password_check.cpu_time";

    private readonly AdaptiveConcurrencyLimiter _limiter;
    private readonly Meter? _meter;
    private readonly Histogram<double>? _checkCpuTime;
    private readonly SignInOptions _options;
    private readonly ILogger<PasswordCheckPool> _logger;
    private double _averageCheckMs = 30; // until measured; Argon2id at OWASP's settings

    public PasswordCheckPool(IOptions<SignInOptions> options, TimeProvider time, ILogger<PasswordCheckPool> logger, IMeterFactory? meters = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _meter = meters?.Create(MeterName);
        // The CPU each check took on its own thread: how an operator sees what sign-ins cost in
        // hashing alone, and how the peak simulator separates "the hash's own cost" from the rest
        // of a password journey in the same run.
        _checkCpuTime = _meter?.CreateHistogram<double>(CheckCpuTimeInstrument, "s", "CPU time of each password check (the hash), on the thread that ran it.");
        _options = options.Value;
        _logger = logger;
        _limiter = new AdaptiveConcurrencyLimiter(Options.Create(new AdmissionOptions
        {
            // A fixed limit: hashing is CPU-bound, so one slot per core is right whatever the latency says.
            InitialLimit = _options.HashSlots,
            MinLimit = _options.HashSlots,
            MaxLimit = _options.HashSlots,
            ReservedForCritical = 0,
            ReservedForNormal = 0,
            QueueLimit = _options.QueueLimit,
            QueueTimeout = _options.MaxQueueWait,
            CriticalQueueTimeout = _options.MaxQueueWait,
        }), time);
    }

    /// <summary>Checks waiting for a slot right now.</summary>
    public long Queued => _limiter.Queued;

    /// <summary>Runs <paramref name="check"/> on a slot, or says how busy it is.</summary>
    /// <param name="school">The school code the check is for: the unit of fairness.</param>
    public async Task<PoolAnswer<T>> RunAsync<T>(string school, Func<T> check, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(check);
        var resource = new AdmissionRequest(school, RequestPriority.Normal, MeasureLatency: false);
        var statistics = _limiter.GetStatistics(resource);
        // The place that counts is in this school's own line: slots go round the schools that wait,
        // so a long line of another school must not turn this pupil away.
        var (_, waitingHere) = _limiter.LoadOf(school);
        var position = ((long)waitingHere + 1) * Math.Max(1, _limiter.WaitingSchools + (waitingHere == 0 ? 1 : 0));
        var free = statistics?.CurrentAvailablePermits ?? 0;
        if (free == 0 && ExpectedWait(position) > _options.MaxQueueWait)
        {
            return Busy<T>(position);
        }

        // The limiter answers a refusal itself once MaxQueueWait has passed.
        using (var lease = await _limiter.AcquireAsync(resource, 1, cancellationToken))
        {
            if (!lease.IsAcquired)
            {
                return Busy<T>(position);
            }

            var started = Stopwatch.GetTimestamp();
            // The hash is CPU-bound and holds a thread for 50-200+ ms: run it on a thread of its own
            // (LongRunning), not on a thread-pool worker. With one slot per core, hashes on the pool
            // would hold every worker the pool keeps at rest (min threads = cores); when a sign-in
            // storm begins, pages of signed-in pupils then wait seconds for the pool to inject
            // threads (measured: today p99 1.6-6 s in the first seconds of a storm, see
            // docs/benchmarks.md). A thread start costs well under a millisecond next to the hash.
            // The thread also runs at a lower OS priority, so page threads win the core when both want it;
            // RunContinuationsAsynchronously keeps the caller (the rest of the sign-in request) from
            // then running on, inline, at that lower priority.
            var result = await Task.Factory.StartNew(() =>
            {
                BackgroundPriority.LowerCurrentThread();
                var cpuBefore = ThreadCpuClock.Now();
                var checkResult = check();
                if (ThreadCpuClock.Now() - cpuBefore is { } cpu)
                {
                    _checkCpuTime?.Record(cpu.TotalSeconds);
                }

                return checkResult;
            }, cancellationToken, TaskCreationOptions.LongRunning | TaskCreationOptions.RunContinuationsAsynchronously, TaskScheduler.Default);
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            _averageCheckMs = (0.9 * _averageCheckMs) + (0.1 * elapsed);
            return new PoolAnswer<T>(true, result, 0, TimeSpan.Zero);
        }
    }

    public void Dispose()
    {
        _limiter.Dispose();
        _meter?.Dispose();
    }

    private TimeSpan ExpectedWait(long position) =>
        TimeSpan.FromMilliseconds(position * _averageCheckMs / _options.HashSlots);

    private PoolAnswer<T> Busy<T>(long position)
    {
        // Tell them to come back once the line ahead of them has had its turn, at least 1 s.
        var retryAfter = TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(ExpectedWait(position).TotalSeconds)));
        LogBusy(_logger, position, retryAfter.TotalSeconds);
        return new PoolAnswer<T>(false, default, (int)Math.Min(position, int.MaxValue), retryAfter);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Password checks busy: place {Position}, asked to retry in {RetryAfterSeconds} s")]
    private static partial void LogBusy(ILogger logger, long position, double retryAfterSeconds);
}

/// <summary>Either the check ran (<see cref="Ran"/>) or the caller should retry after <see cref="RetryAfter"/>.</summary>
public readonly record struct PoolAnswer<T>(bool Ran, T? Result, int Position, TimeSpan RetryAfter);
