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
/// A virtual line per school for visitors without a session when the server is full. Tickets
/// are numbered in arrival order; a cursor per school lets them in as the limiter has headroom,
/// shared out between the schools with people waiting one by one (round robin), so a school
/// whose pupils flood the platform waits in its own line and cannot push another school's
/// pupils back. A place is a subtraction (no list of visitors is kept; a visitor is only a
/// number in a signed cookie). While anyone of a school waits, newcomers of that school take a
/// ticket too: nobody jumps the line by refreshing.
/// </summary>
public sealed class WaitingRoom
{
    // The admission rate is averaged over about this long: long enough that one quiet tick does
    // not make the estimate jump, short enough to follow the 08:30 ramp.
    private static readonly TimeSpan RateWindow = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    private readonly AdmissionOptions _options;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, Line> _lines = new(StringComparer.Ordinal);
    private long _lastTick;
    private int _nextTurn;

    public WaitingRoom(IOptions<AdmissionOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _time = time;
        _lastTick = time.GetTimestamp();
    }

    /// <summary>True while tickets of any school wait to be let in.</summary>
    public bool IsOpen
    {
        get
        {
            lock (_gate)
            {
                return _lines.Values.Any(l => l.Waiting > 0);
            }
        }
    }

    /// <summary>Tickets handed out and not yet let in, over all schools (some holders may have left).</summary>
    public long Size
    {
        get
        {
            lock (_gate)
            {
                return _lines.Values.Sum(l => l.Waiting);
            }
        }
    }

    /// <summary>Visitors let in per second, recently, over all schools.</summary>
    public double AdmissionRatePerSecond
    {
        get
        {
            lock (_gate)
            {
                return _lines.Values.Sum(l => l.RatePerSecond);
            }
        }
    }

    /// <summary>True while tickets of this school wait to be let in.</summary>
    public bool IsOpenFor(string school)
    {
        lock (_gate)
        {
            return _lines.TryGetValue(school, out var line) && line.Waiting > 0;
        }
    }

    public long TakeTicket(string school)
    {
        lock (_gate)
        {
            if (!_lines.TryGetValue(school, out var line))
            {
                line = new Line();
                _lines[school] = line;
            }

            return ++line.Issued;
        }
    }

    public WaitingPlace PlaceOf(string school, long ticket)
    {
        lock (_gate)
        {
            if (!_lines.TryGetValue(school, out var line))
            {
                // A ticket from before a restart, or of another node: the line it stood in is gone.
                return new WaitingPlace(0, TimeSpan.Zero);
            }

            var position = ticket - line.ServedUpTo;
            if (position <= 0)
            {
                return new WaitingPlace(0, TimeSpan.Zero);
            }

            TimeSpan? estimate = line.RatePerSecond > 0.01 ? TimeSpan.FromSeconds(position / line.RatePerSecond) : null;
            return new WaitingPlace(position, estimate);
        }
    }

    /// <summary>
    /// Lets in as many tickets as the limiter has room for: half the free slots below the
    /// headroom line per tick, at least one, because each visitor brings a journey of requests,
    /// not one; shared between the schools with people waiting, one each in turn.
    /// </summary>
    public void Tick(int limit, int inFlight, int queued)
    {
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            var elapsed = _time.GetElapsedTime(_lastTick, now);
            _lastTick = now;
            var waiting = _lines.Where(l => l.Value.Waiting > 0).Select(l => l.Value).ToList();
            var free = (int)(limit * _options.WaitingRoomHeadroom) - inFlight;
            if (waiting.Count > 0 && queued == 0 && free > 0)
            {
                var slots = Math.Max(1, free / 2);
                for (var i = 0; slots > 0 && waiting.Any(l => l.Waiting > 0); i++)
                {
                    var line = waiting[(_nextTurn + i) % waiting.Count];
                    if (line.Waiting > 0)
                    {
                        line.ServedUpTo++;
                        line.ReleasedSinceTick++;
                        slots--;
                    }
                }

                _nextTurn++;
            }

            foreach (var (school, line) in _lines.ToList())
            {
                if (elapsed > TimeSpan.Zero)
                {
                    var weight = Math.Min(1.0, elapsed / RateWindow);
                    var rate = line.ReleasedSinceTick / elapsed.TotalSeconds;
                    line.RatePerSecond = (line.RatePerSecond * (1 - weight)) + (rate * weight);
                }

                line.ReleasedSinceTick = 0;

                // A school whose line is empty and quiet again is forgotten; its tickets keep their
                // meaning only while it has people waiting (a forgotten ticket may simply enter).
                if (line.Waiting == 0 && line.RatePerSecond < 0.01)
                {
                    _lines.Remove(school);
                }
            }
        }
    }

    private sealed class Line
    {
        public long Issued { get; set; }

        public long ServedUpTo { get; set; }

        public long ReleasedSinceTick { get; set; }

        public double RatePerSecond { get; set; }

        public long Waiting => Issued - ServedUpTo;
    }
}
