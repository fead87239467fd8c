using System.Globalization;
using Microsoft.Extensions.Options;
using Schoolbel.Server.Scaling;
using StackExchange.Redis;

namespace Schoolbel.Server.Admission;

/// <summary>Where a ticket stands: its place in line, and how long that should take.</summary>
/// <param name="Position">Visitors ahead, plus one (1 = next in); 0 once the ticket may enter.</param>
/// <param name="EstimatedWait">Position ÷ the recent admission rate; null while nobody is being let in.</param>
public readonly record struct WaitingPlace(long Position, TimeSpan? EstimatedWait)
{
    public bool MayEnter => Position <= 0;
}

/// <summary>A number in a school's line; <paramref name="Global"/> when it is the line all nodes share in Redis.</summary>
public readonly record struct WaitingTicket(long Number, bool Global);

/// <summary>
/// A virtual line per school for visitors without a session when the server is full. Tickets
/// are numbered in arrival order; a cursor per school lets them in as the limiter has headroom,
/// shared out between the schools with people waiting one by one (round robin), so a school
/// whose pupils flood the platform waits in its own line and cannot push another school's
/// pupils back. A place is a subtraction (no list of visitors is kept; a visitor is only a
/// number in a signed cookie). While anyone of a school waits, newcomers of that school take a
/// ticket too: nobody jumps the line by refreshing.
/// <para>
/// With Redis the line is global: per school a ticket counter (INCR) and a "served up to" counter
/// in Redis, so a ticket means the same place, with the same estimate, on whichever node the
/// balancer sends the retry to, and a slot freed on any node lets in the oldest ticket. Each
/// heartbeat a node releases what its own limiter has room for and reads every open line back
/// (one script, one round trip); between beats it answers from that copy, so a waiting visitor
/// costs no Redis call. Only taking a ticket does (one INCR). While Redis does not answer (see
/// <see cref="RedisGate"/>) the node falls back to its own line, as without Redis: new tickets
/// are per node, and a ticket of the global line, which cannot be read then, may enter (this
/// node's limiter still protects it).
/// </para>
/// </summary>
public sealed class WaitingRoom
{
    // The admission rate is averaged over about this long: long enough that one quiet tick does
    // not make the estimate jump, short enough to follow the 08:30 ramp.
    private static readonly TimeSpan RateWindow = TimeSpan.FromSeconds(10);

    // KEYS[1]: the set of schools with an open line. ARGV: the key prefix of the lines, the number
    // of visitors this node lets in now, where its round robin starts, and how long an untouched
    // line lives (ms). Releases one per open school in turn, never past the last ticket; closes
    // lines that are empty; returns school, issued, served for every line that was open.
    private const string SyncScript = """
        local prefix = ARGV[1]
        local slots = tonumber(ARGV[2])
        local turn = tonumber(ARGV[3])
        local ttl = tonumber(ARGV[4])
        local schools = redis.call('SMEMBERS', KEYS[1])
        table.sort(schools)
        local issued = {}
        local served = {}
        local n = #schools
        for i, school in ipairs(schools) do
          issued[i] = tonumber(redis.call('GET', prefix .. school .. ':issued') or '0')
          served[i] = tonumber(redis.call('GET', prefix .. school .. ':served') or '0')
        end
        local released = true
        while slots > 0 and released do
          released = false
          for k = 0, n - 1 do
            local i = ((turn + k) % n) + 1
            if slots > 0 and served[i] < issued[i] then
              served[i] = served[i] + 1
              slots = slots - 1
              released = true
            end
          end
        end
        local result = {}
        for i, school in ipairs(schools) do
          local key = prefix .. school .. ':served'
          if tonumber(redis.call('GET', key) or '0') ~= served[i] then
            redis.call('SET', key, served[i], 'PX', ttl)
          end
          if served[i] >= issued[i] then
            redis.call('SREM', KEYS[1], school)
          end
          table.insert(result, school)
          table.insert(result, issued[i])
          table.insert(result, served[i])
        end
        return result
        """;

    // KEYS[1]: the school's ticket counter, KEYS[2] its "served up to", KEYS[3] the set of open
    // lines. ARGV: the school, how long an untouched line lives (ms). Returns the ticket and served.
    private const string TakeScript = """
        local n = redis.call('INCR', KEYS[1])
        redis.call('PEXPIRE', KEYS[1], ARGV[2])
        redis.call('PEXPIRE', KEYS[2], ARGV[2])
        redis.call('SADD', KEYS[3], ARGV[1])
        redis.call('PEXPIRE', KEYS[3], ARGV[2])
        local served = tonumber(redis.call('GET', KEYS[2]) or '0')
        return { n, served }
        """;

    private readonly Lock _gate = new();
    private readonly AdmissionOptions _options;
    private readonly TimeProvider _time;
    private readonly RedisGate? _redis;
    private readonly Dictionary<string, Line> _lines = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Line> _global = new(StringComparer.Ordinal);
    private long _lastTick;
    private long _lastSync;
    private int _nextTurn;
    private int _syncing;

    public WaitingRoom(IOptions<AdmissionOptions> options, TimeProvider time, RedisGate? redis = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _time = time;
        _redis = redis is { IsConfigured: true } ? redis : null;
        _lastTick = time.GetTimestamp();
        _lastSync = _lastTick;
    }

    /// <summary>True while tickets of any school wait to be let in (on this node's line or, as last read, the global one).</summary>
    public bool IsOpen
    {
        get
        {
            lock (_gate)
            {
                return _lines.Values.Any(l => l.Waiting > 0) || (SharesLine && _global.Values.Any(l => l.Waiting > 0));
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
                return _lines.Values.Sum(l => l.Waiting) + (SharesLine ? _global.Values.Sum(l => l.Waiting) : 0);
            }
        }
    }

    /// <summary>Visitors let in per second, recently, over all schools (by all nodes, for the global line).</summary>
    public double AdmissionRatePerSecond
    {
        get
        {
            lock (_gate)
            {
                return _lines.Values.Sum(l => l.RatePerSecond) + (SharesLine ? _global.Values.Sum(l => l.RatePerSecond) : 0);
            }
        }
    }

    // Under _gate or for a moment's answer: the global line counts while Redis answers.
    private bool SharesLine => _redis is { State: RedisState.Available };

    /// <summary>True while tickets of this school wait to be let in.</summary>
    public bool IsOpenFor(string school)
    {
        lock (_gate)
        {
            return (_lines.TryGetValue(school, out var line) && line.Waiting > 0)
                || (SharesLine && _global.TryGetValue(school, out var shared) && shared.Waiting > 0);
        }
    }

    /// <summary>A ticket in this node's own line.</summary>
    public long TakeTicket(string school)
    {
        lock (_gate)
        {
            return ++LocalLine(school).Issued;
        }
    }

    /// <summary>A ticket in the global line when Redis answers, else in this node's own line.</summary>
    public async ValueTask<WaitingTicket> TakeTicketAsync(string school)
    {
        ArgumentNullException.ThrowIfNull(school);
        if (_redis is not null)
        {
            var redis = _redis;
            RedisKey[] keys = [LineKey(redis, school, "issued"), LineKey(redis, school, "served"), redis.Name("wait:open")];
            RedisValue[] args = [school, (long)_options.TicketLifetime.TotalMilliseconds];
            var taken = await redis.TryAsync("waiting-room", async db =>
            {
                var answer = (RedisResult[])(await db.ScriptEvaluateAsync(TakeScript, keys, args))!;
                return ((long)answer[0], (long)answer[1]);
            });
            if (taken is var (number, served))
            {
                lock (_gate)
                {
                    // This node knows of the new ticket at once, before the next heartbeat reads the line.
                    var line = GlobalLine(school);
                    line.Issued = Math.Max(line.Issued, number);
                    line.ServedUpTo = Math.Max(line.ServedUpTo, served);
                }

                return new WaitingTicket(number, Global: true);
            }
        }

        return new WaitingTicket(TakeTicket(school), Global: false);
    }

    /// <summary>The place of a ticket of this node's own line.</summary>
    public WaitingPlace PlaceOf(string school, long ticket) => PlaceOf(school, new WaitingTicket(ticket, Global: false));

    public WaitingPlace PlaceOf(string school, WaitingTicket ticket)
    {
        lock (_gate)
        {
            // A ticket of the global line while Redis does not answer, a ticket from before a
            // restart, or of another node's own line: the line it stood in cannot be read, so it
            // may enter (the limiter still decides whether there is room right now).
            var lines = ticket.Global ? (SharesLine ? _global : null) : _lines;
            if (lines is null || !lines.TryGetValue(school, out var line))
            {
                return new WaitingPlace(0, TimeSpan.Zero);
            }

            var position = ticket.Number - line.ServedUpTo;
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
    /// not one; shared between the schools with people waiting, one each in turn. This node's own
    /// line (left from a Redis outage) goes first; what is left goes to the global line, in the
    /// background.
    /// </summary>
    public void Tick(int limit, int inFlight, int queued) => _ = TickAsync(limit, inFlight, queued);

    /// <summary>As <see cref="Tick"/>, finishing when the global line was released and read back (tests await it).</summary>
    public Task TickAsync(int limit, int inFlight, int queued)
    {
        int left;
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            var elapsed = _time.GetElapsedTime(_lastTick, now);
            _lastTick = now;
            var free = (int)(limit * _options.WaitingRoomHeadroom) - inFlight;
            var slots = queued == 0 && free > 0 ? Math.Max(1, free / 2) : 0;
            left = Release(_lines, slots);
            UpdateRates(_lines, elapsed, forget: true);
        }

        return _redis is null ? Task.CompletedTask : SyncAsync(_redis, left);
    }

    // Under _gate. Returns the slots left over (for the global line; the script never lets in more than there are tickets).
    private int Release(Dictionary<string, Line> lines, int slots)
    {
        var waiting = lines.Values.Where(l => l.Waiting > 0).ToList();
        if (waiting.Count == 0 || slots <= 0)
        {
            return slots;
        }

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
        return slots;
    }

    // Under _gate.
    private static void UpdateRates(Dictionary<string, Line> lines, TimeSpan elapsed, bool forget)
    {
        foreach (var (school, line) in lines.ToList())
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
            if (forget && line.Waiting == 0 && line.RatePerSecond < 0.01)
            {
                lines.Remove(school);
            }
        }
    }

    /// <summary>Releases <paramref name="slots"/> of the global line and reads every open school's counters back.</summary>
    private async Task SyncAsync(RedisGate redis, int slots)
    {
        // One at a time: with a slow Redis the next beat skips rather than piles up; its slots are
        // counted again from the limiter a beat later.
        if (Interlocked.Exchange(ref _syncing, 1) == 1)
        {
            return;
        }

        try
        {
            RedisKey[] keys = [redis.Name("wait:open")];
            RedisValue[] args = [redis.Name("wait:"), slots, _nextTurn, (long)_options.TicketLifetime.TotalMilliseconds];
            var read = await redis.TryAsync("waiting-room", async db =>
                new SyncAnswer((RedisResult[])(await db.ScriptEvaluateAsync(SyncScript, keys, args))!));
            if (read is not { Lines: var lines })
            {
                return;
            }

            lock (_gate)
            {
                var now = _time.GetTimestamp();
                var elapsed = _time.GetElapsedTime(_lastSync, now);
                _lastSync = now;
                var open = new HashSet<string>(StringComparer.Ordinal);
                for (var i = 0; i + 2 < lines.Length; i += 3)
                {
                    var school = (string)lines[i]!;
                    var line = GlobalLine(school);
                    var served = (long)lines[i + 2];

                    // The rate is what all nodes let in (the counter moved), so every node estimates the same.
                    line.ReleasedSinceTick += Math.Max(0, served - line.ServedUpTo);
                    line.Issued = Math.Max(line.Issued, (long)lines[i + 1]);
                    line.ServedUpTo = Math.Max(line.ServedUpTo, served);
                    open.Add(school);
                }

                // A line closed in Redis was let in up to its last ticket (by another node, since
                // this one last read it); its rate counts that, then fades out.
                foreach (var (school, line) in _global)
                {
                    if (!open.Contains(school) && line.Waiting > 0)
                    {
                        line.ReleasedSinceTick += line.Waiting;
                        line.ServedUpTo = line.Issued;
                    }
                }

                UpdateRates(_global, elapsed, forget: true);
            }
        }
        finally
        {
            Volatile.Write(ref _syncing, 0);
        }
    }

    // Under _gate.
    private Line LocalLine(string school)
    {
        if (!_lines.TryGetValue(school, out var line))
        {
            line = new Line();
            _lines[school] = line;
        }

        return line;
    }

    // Under _gate.
    private Line GlobalLine(string school)
    {
        if (!_global.TryGetValue(school, out var line))
        {
            line = new Line();
            _global[school] = line;
        }

        return line;
    }

    private static RedisKey LineKey(RedisGate redis, string school, string counter) =>
        redis.Name(string.Create(CultureInfo.InvariantCulture, $"wait:{school}:{counter}"));

    private readonly record struct SyncAnswer(RedisResult[] Lines);

    private sealed class Line
    {
        public long Issued { get; set; }

        public long ServedUpTo { get; set; }

        public long ReleasedSinceTick { get; set; }

        public double RatePerSecond { get; set; }

        public long Waiting => Issued - ServedUpTo;
    }
}
