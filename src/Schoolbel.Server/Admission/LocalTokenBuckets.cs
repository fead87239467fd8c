using System.Collections.Concurrent;

namespace Schoolbel.Server.Admission;

/// <summary>
/// Token buckets per key on this node, refilled from the time since each was last touched (no
/// timer), so a request costs one dictionary lookup and one short lock on its own bucket.
/// System.Threading.RateLimiting's partitioned limiter did the same job with a global lock and a
/// lease object per request, which showed in the download fast path's profile. A bucket idle long
/// enough to be full again is dropped by a sweep (at most every <see cref="SweepEvery"/>, off the
/// request's thread): it would start full anyway.
/// </summary>
internal sealed class LocalTokenBuckets<TKey> where TKey : notnull
{
    private static readonly TimeSpan SweepEvery = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<TKey, Bucket> _buckets;
    private readonly TimeProvider _time;
    private readonly double _tokensPerTick;
    private readonly int _size;
    private readonly long _sweepTicks;
    private long _nextSweep;
    private int _sweeping;

    public LocalTokenBuckets(int perSecond, int size, TimeProvider time, IEqualityComparer<TKey>? comparer = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(perSecond);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        ArgumentNullException.ThrowIfNull(time);
        _buckets = new ConcurrentDictionary<TKey, Bucket>(comparer);
        _time = time;
        _tokensPerTick = (double)perSecond / time.TimestampFrequency;
        _size = size;
        _sweepTicks = (long)(SweepEvery.TotalSeconds * time.TimestampFrequency);
        _nextSweep = time.GetTimestamp() + _sweepTicks;
    }

    /// <summary>Buckets held now (tests, diagnosis).</summary>
    public int Count => _buckets.Count;

    /// <summary>Takes one token from <paramref name="key"/>'s bucket (full when new); false when it is empty.</summary>
    public bool TryTake(TKey key)
    {
        var now = _time.GetTimestamp();
        var bucket = _buckets.GetOrAdd(key, static (_, state) => new Bucket(state.Size, state.Now), (Size: _size, Now: now));
        bool taken;
        lock (bucket.Gate)
        {
            taken = bucket.TryTake(now, _tokensPerTick, _size);
        }

        if (now >= Volatile.Read(ref _nextSweep) && Interlocked.CompareExchange(ref _sweeping, 1, 0) == 0)
        {
            Volatile.Write(ref _nextSweep, now + _sweepTicks);
            ThreadPool.UnsafeQueueUserWorkItem(static self => self.Sweep(), this, preferLocal: false);
        }

        return taken;
    }

    /// <summary>Drops the buckets that are full again. Runs now (tests) or from <see cref="TryTake"/> in the background.</summary>
    internal void Sweep()
    {
        try
        {
            var now = _time.GetTimestamp();
            foreach (var (key, bucket) in _buckets)
            {
                bool full;
                lock (bucket.Gate)
                {
                    full = bucket.IsFullAt(now, _tokensPerTick, _size);
                }

                // A request that fetched this bucket a moment before may still take its token
                // from it after removal: one token of leniency, never a refusal.
                if (full)
                {
                    _buckets.TryRemove(new KeyValuePair<TKey, Bucket>(key, bucket));
                }
            }
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    private sealed class Bucket(double tokens, long touched)
    {
        // Refills add fractions (0.1 + 0.1 + ... is 0.9999999999999999 in binary floating point):
        // a token counts as there when it is within this of whole, so rates stay exact.
        private const double Rounding = 1e-9;

        public readonly Lock Gate = new();
        private double _tokens = tokens;
        private long _touched = touched;

        public bool TryTake(long now, double tokensPerTick, int size)
        {
            Refill(now, tokensPerTick, size);
            if (_tokens < 1 - Rounding)
            {
                return false;
            }

            _tokens -= 1;
            return true;
        }

        public bool IsFullAt(long now, double tokensPerTick, int size) =>
            _tokens + (Math.Max(0, now - _touched) * tokensPerTick) >= size - Rounding;

        private void Refill(long now, double tokensPerTick, int size)
        {
            // Timestamps are read before the lock, so a later request may come in with an
            // earlier one: it refills nothing rather than going back in time.
            if (now > _touched)
            {
                _tokens = Math.Min(size, _tokens + ((now - _touched) * tokensPerTick));
                _touched = now;
            }
        }
    }
}
