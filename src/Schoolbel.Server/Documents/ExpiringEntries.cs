using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Schoolbel.Server.Documents;

/// <summary>
/// The store behind the download fast path's small caches (decrypted cookies, shared document
/// entries): a concurrent dictionary of entries that expire, with a bound on its size. When it is
/// full the expired entries go; when that frees less than a tenth of it, everything goes, since
/// each entry costs only a little work to get back. Whether an entry still holds is its owner's
/// call (<see cref="Remove"/> it when not).
/// </summary>
internal sealed class ExpiringEntries<TKey, TValue>(int maxEntries, Func<TValue, DateTimeOffset> expiresAt, IEqualityComparer<TKey>? comparer = null)
    where TKey : notnull
    where TValue : class
{
    private readonly ConcurrentDictionary<TKey, TValue> _entries = new(comparer);
    private readonly Lock _sweepLock = new();
    private int _count;

    /// <summary>Entries held now (tests, diagnosis).</summary>
    public int Count => Volatile.Read(ref _count);

    public bool TryGetValue(TKey key, [MaybeNullWhen(false)] out TValue value) => _entries.TryGetValue(key, out value);

    /// <summary>Adds the entry unless one is there already (then both are as good).</summary>
    public void Add(TKey key, TValue value, DateTimeOffset now)
    {
        if (Volatile.Read(ref _count) >= maxEntries)
        {
            Sweep(now);
        }

        if (_entries.TryAdd(key, value))
        {
            Interlocked.Increment(ref _count);
        }
    }

    /// <summary>Removes this entry of the key, not one that replaced it meanwhile.</summary>
    public void Remove(TKey key, TValue value)
    {
        if (_entries.TryRemove(new KeyValuePair<TKey, TValue>(key, value)))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    private void Sweep(DateTimeOffset now)
    {
        lock (_sweepLock)
        {
            if (Volatile.Read(ref _count) < maxEntries)
            {
                return;
            }

            foreach (var (key, value) in _entries)
            {
                if (expiresAt(value) <= now)
                {
                    Remove(key, value);
                }
            }

            if (Volatile.Read(ref _count) >= maxEntries * 9 / 10)
            {
                _entries.Clear();
                Volatile.Write(ref _count, 0);
            }
        }
    }
}
