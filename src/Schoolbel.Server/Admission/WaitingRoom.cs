using Microsoft.Extensions.Options;

namespace Schoolbel.Server.Admission;

/// <summary>Where a ticket stands: its place in line, and how long that should take.</summary>
/// <param name="Position">Visitors ahead, plus one (1 = next in); 0 once the ticket may enter.</param>
/// <param name="EstimatedWait">Position ÷ the recent admission rate; null while nobody is being let in.</param>
public readonly record struct WaitingPlace(long Position, TimeSpan? EstimatedWait)
{
    public bool MayEnter => Position <= 0;
}

/// <summary>
/// A virtual line for visitors without a session when the server is full. Tickets are numbered in
/// arrival order; a cursor lets them in as the limiter has headroom, so the line moves exactly as
/// fast as capacity frees up, and a place is a subtraction (no list of visitors is kept; a visitor
/// is only a number in a signed cookie). While anyone is waiting, newcomers take a ticket too:
/// nobody jumps the line by refreshing.
/// </summary>
public sealed class WaitingRoom
{
    // The admission rate is averaged over about this long: long enough that one quiet tick does
    // not make the estimate jump, short enough to follow the 08:30 ramp.
    private static readonly TimeSpan RateWindow = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    private readonly AdmissionOptions _options;
    private readonly TimeProvider _time;
    private long _issued;
    private long _servedUpTo;
    private double _ratePerSecond;
    private long _lastTick;

    public WaitingRoom(IOptions<AdmissionOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _time = time;
        _lastTick = time.GetTimestamp();
    }

    /// <summary>True while tickets wait to be let in.</summary>
    public bool IsOpen
    {
        get
        {
            lock (_gate)
            {
                return _issued > _servedUpTo;
            }
        }
    }

    /// <summary>Tickets handed out and not yet let in (some of their holders may have left).</summary>
    public long Size
    {
        get
        {
            lock (_gate)
            {
                return _issued - _servedUpTo;
            }
        }
    }

    /// <summary>Visitors let in per second, recently.</summary>
    public double AdmissionRatePerSecond
    {
        get
        {
            lock (_gate)
            {
                return _ratePerSecond;
            }
        }
    }

    public long TakeTicket()
    {
        lock (_gate)
        {
            return ++_issued;
        }
    }

    public WaitingPlace PlaceOf(long ticket)
    {
        lock (_gate)
        {
            var position = ticket - _servedUpTo;
            if (position <= 0)
            {
                return new WaitingPlace(0, TimeSpan.Zero);
            }

            TimeSpan? estimate = _ratePerSecond > 0.01 ? TimeSpan.FromSeconds(position / _ratePerSecond) : null;
            return new WaitingPlace(position, estimate);
        }
    }

    /// <summary>
    /// Lets in as many tickets as the limiter has room for: half the free slots below the
    /// headroom line per tick, at least one, because each visitor brings a journey of requests, not one.
    /// </summary>
    public void Tick(int limit, int inFlight, int queued)
    {
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            var elapsed = _time.GetElapsedTime(_lastTick, now);
            _lastTick = now;
            long released = 0;
            if (_issued > _servedUpTo && queued == 0)
            {
                var free = (int)(limit * _options.WaitingRoomHeadroom) - inFlight;
                if (free > 0)
                {
                    released = Math.Min(_issued - _servedUpTo, Math.Max(1, free / 2));
                    _servedUpTo += released;
                }
            }

            if (elapsed > TimeSpan.Zero)
            {
                var weight = Math.Min(1.0, elapsed / RateWindow);
                var rate = released / elapsed.TotalSeconds;
                _ratePerSecond = (_ratePerSecond * (1 - weight)) + (rate * weight);
            }
        }
    }
}
