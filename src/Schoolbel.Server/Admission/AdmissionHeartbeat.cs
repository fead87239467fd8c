namespace Schoolbel.Server.Admission;

/// <summary>
/// The admission layer's clock: a few times a second it lets waiting visitors in as the limiter
/// has room, and tells brown-out whether overload continues. Also the live state for gauges.
/// </summary>
public sealed class AdmissionHeartbeat : IHostedService, IAdmissionState, IDisposable
{
    private readonly AdaptiveConcurrencyLimiter _limiter;
    private readonly WaitingRoom _room;
    private readonly BrownOut _brownOut;
    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;
    private ITimer? _timer;
    private long _shedSinceBeat;

    public AdmissionHeartbeat(AdaptiveConcurrencyLimiter limiter, WaitingRoom room, BrownOut brownOut, TimeProvider time, Microsoft.Extensions.Options.IOptions<AdmissionOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _limiter = limiter;
        _room = room;
        _brownOut = brownOut;
        _time = time;
        _interval = options.Value.WaitingRoomTick;
    }

    public AdmissionSnapshot Snapshot() => new(
        _limiter.Limit,
        _limiter.InFlight,
        _limiter.Queued,
        (int)Math.Min(int.MaxValue, _room.Size),
        _room.AdmissionRatePerSecond,
        _brownOut.IsActive);

    /// <summary>Counts a request refused for lack of capacity (not for abuse): the overload signal.</summary>
    public void CountShed() => Interlocked.Increment(ref _shedSinceBeat);

    /// <summary>One beat; the timer calls it, tests may too.</summary>
    public void Beat()
    {
        _room.Tick(_limiter.Limit, _limiter.InFlight, _limiter.Queued);
        var shed = Interlocked.Exchange(ref _shedSinceBeat, 0);
        _brownOut.Observe(shed > 0 || _room.IsOpen);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // One-shot, re-armed after each beat rather than periodic: on a clock moved far ahead
        // (tests' FakeTimeProvider advanced by days) a periodic timer would beat once for every
        // missed tick, millions of times; a missed beat has nothing to catch up anyway.
        // Armed only once assigned, so the first beat always finds the timer to re-arm.
        _timer = _time.CreateTimer(_ => BeatAndRearm(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _timer.Change(_interval, Timeout.InfiniteTimeSpan);
        return Task.CompletedTask;
    }

    private void BeatAndRearm()
    {
        try
        {
            Beat();
        }
        finally
        {
            // Change on a timer already disposed (the host stopping) is a no-op returning false.
            _timer?.Change(_interval, Timeout.InfiniteTimeSpan);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        // Disposed rather than paused: a beat running right now would re-arm a paused timer.
        _timer?.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => _timer?.Dispose();
}
