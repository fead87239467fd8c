using System.Collections.Concurrent;
using System.ComponentModel;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;
using Schoolbel.Server.Scaling;

namespace Schoolbel.Server.HotReads;

/// <summary>
/// The one cache for the reads of the 08:30 peak (today pages, course trees, lesson contents,
/// permissions, downloads), on <see cref="HybridCache"/>: concurrent misses of one key run the
/// loader once (single flight), and entries carry tags (<see cref="HotTags"/>) that writes
/// invalidate. Cached values never depend on the clock: whatever depends on the time (a lesson
/// scheduled for 08:30) is decided when reading, on the injected clock, so nothing has to expire
/// at a publication time.
/// <para>
/// HybridCache stamps an entry when its load finishes. A load that read the database just
/// before a write and finished just after the write's invalidation would then stay cached, old,
/// for its whole lifetime. So every entry also carries the stamp of when its load <em>started</em>,
/// and a read throws away an entry whose tags were invalidated at or after that stamp.
/// </para>
/// <para>
/// In memory on each node (L1 only: a shared L2 would cost a Redis round trip and a deserialization
/// per hot read, while a miss here costs one database read per node). With Redis configured,
/// <see cref="Invalidate"/> also goes to every other node over <see cref="ClusterBus"/>, where
/// <see cref="InvalidateHere"/> runs: the tags get a stamp <em>on the receiving node's clock at
/// receipt</em>, so the stamp rule above holds there too (a load that started there before the
/// message arrived may have read the old rows, and is thrown away), whatever the clocks of the
/// nodes say. When a node may have missed messages (Redis was away), it forgets everything
/// (<see cref="InvalidateAllHere"/>). Without Redis, or while it is away, a change reaches the other
/// nodes when their entries expire (<see cref="HotReadsOptions.Lifetime"/>).
/// </para>
/// </summary>
public sealed partial class HotCache
{
    private const int MaxAttempts = 3;

    private readonly HybridCache _cache;
    private readonly TimeProvider _time;
    private readonly ILogger<HotCache> _logger;
    private readonly HybridCacheEntryOptions _entryOptions;
    private readonly ClusterBus? _bus;

    // A peek reads this node's copy only: it never loads, and never stores the "nothing" it found.
    private static readonly HybridCacheEntryOptions PeekOptions = new()
    {
        Flags = HybridCacheEntryFlags.DisableUnderlyingData | HybridCacheEntryFlags.DisableLocalCacheWrite | HybridCacheEntryFlags.DisableDistributedCache,
    };
    private readonly ConcurrentDictionary<string, long> _invalidated = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, KindCounters> _counters = new(StringComparer.Ordinal);
    private long _lastStamp;
    private long _allInvalidatedAt;

    public HotCache(HybridCache cache, TimeProvider time, IOptions<HotReadsOptions> options, ILogger<HotCache> logger, ClusterBus? bus = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _cache = cache;
        _bus = bus;
        _time = time;
        _logger = logger;
        _entryOptions = new HybridCacheEntryOptions { Expiration = options.Value.Lifetime, LocalCacheExpiration = options.Value.Lifetime };
    }

    /// <summary>Test hook: runs at the start of every load (e.g. to hold loads back and prove single flight).</summary>
    internal Func<string, Task>? BeforeLoad { get; set; }

    /// <summary>
    /// The cached value of <paramref name="key"/>, loaded once (for all concurrent callers) when
    /// missing or invalidated. <paramref name="kind"/> names the sort of entry, for the counters.
    /// The loader gets no cancellation: other requests may be waiting for its result.
    /// With <paramref name="cacheNull"/> false a null answer is not kept (for lookups by an id
    /// that anyone can make up).
    /// </summary>
    public async ValueTask<T> GetOrLoadAsync<T>(string kind, string key, string[] tags, Func<Task<T>> load, bool cacheNull = true)
    {
        ArgumentNullException.ThrowIfNull(load);
        var counters = CountersOf(kind);
        Interlocked.Increment(ref counters.Reads);
        for (var attempt = 1; ; attempt++)
        {
            var entry = await _cache.GetOrCreateAsync(
                key,
                (Cache: this, Kind: kind, Counters: counters, Load: load),
                static async (state, _) =>
                {
                    var stamp = state.Cache.Stamp();
                    Interlocked.Increment(ref state.Counters.Loads);
                    if (state.Cache.BeforeLoad is { } hook)
                    {
                        await hook(state.Kind);
                    }

                    return new HotEntry<T>(await state.Load(), stamp);
                },
                _entryOptions,
                tags,
                CancellationToken.None);
            if (IsFresh(tags, entry.Stamp))
            {
                if (entry.Value is null && !cacheNull)
                {
                    await _cache.RemoveAsync(key);
                }

                return entry.Value;
            }

            if (attempt == MaxAttempts)
            {
                // Writes keep coming while we load: answer with the newest load, keep nothing.
                await _cache.RemoveAsync(key);
                return entry.Value;
            }

            await _cache.RemoveAsync(key);
        }
    }

    /// <summary>
    /// The entry of <paramref name="key"/> when this node holds a fresh one, else null; never
    /// loads. For fast paths that fall back to the full path (which loads) on a miss.
    /// <typeparamref name="T"/> must be the type the loader of that key returns.
    /// </summary>
    public async ValueTask<HotEntry<T>?> PeekAsync<T>(string kind, string key, string[] tags)
    {
        var entry = await _cache.GetOrCreateAsync(key, static _ => ValueTask.FromResult<HotEntry<T>?>(null), PeekOptions, null, CancellationToken.None);
        if (entry is null || !IsFresh(tags, entry.Stamp))
        {
            return null;
        }

        Interlocked.Increment(ref CountersOf(kind).Reads);
        return entry;
    }

    /// <summary>
    /// Puts a value loaded elsewhere (the warm-up loads many at once) in the cache, unless one of
    /// its tags was invalidated since <paramref name="loadStartedAt"/> (a <see cref="Stamp"/>
    /// taken before reading the database). Returns whether it was stored.
    /// </summary>
    public async ValueTask<bool> SetAsync<T>(string kind, string key, string[] tags, T value, long loadStartedAt)
    {
        if (!IsFresh(tags, loadStartedAt))
        {
            return false;
        }

        Interlocked.Increment(ref CountersOf(kind).Warmed);
        await _cache.SetAsync(key, new HotEntry<T>(value, loadStartedAt), _entryOptions, tags);
        return true;
    }

    /// <summary>
    /// Forgets every entry with one of these tags, at once on this node. Call after the write
    /// committed. The local part is synchronous; telling the other nodes (with Redis) goes on in
    /// the background and never fails the write.
    /// </summary>
    public void Invalidate(params IEnumerable<string> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        var list = tags as IReadOnlyCollection<string> ?? [.. tags];
        InvalidateHere(list);
        _bus?.Publish(ClusterMessages.CacheTags, list);
    }

    /// <summary>Forgets every entry with one of these tags on this node only (another node's invalidation).</summary>
    internal void InvalidateHere(IEnumerable<string> tags)
    {
        var at = Stamp();
        foreach (var tag in tags)
        {
            _invalidated.AddOrUpdate(tag, at, (_, before) => Math.Max(before, at));
            var removal = _cache.RemoveByTagAsync(tag);
            if (!removal.IsCompletedSuccessfully)
            {
                _ = ObserveAsync(removal, tag);
            }
        }
    }

    /// <summary>
    /// Forgets every entry on this node: after it may have missed other nodes' invalidations.
    /// Entries whose loads started before now are refused even if the removal below is slow.
    /// </summary>
    internal void InvalidateAllHere()
    {
        var at = Stamp();
        InterlockedMax(ref _allInvalidatedAt, at);
        var removal = _cache.RemoveByTagAsync("*");
        if (!removal.IsCompletedSuccessfully)
        {
            _ = ObserveAsync(removal, "*");
        }
    }

    /// <summary>A strictly increasing stamp on the injected clock (ticks; +1 when the clock stands still).</summary>
    public long Stamp()
    {
        var now = _time.GetUtcNow().UtcTicks;
        while (true)
        {
            var last = Volatile.Read(ref _lastStamp);
            var next = Math.Max(now, last + 1);
            if (Interlocked.CompareExchange(ref _lastStamp, next, last) == last)
            {
                return next;
            }
        }
    }

    /// <summary>Reads, loads (misses) and warmed entries per kind since start, for the operator and tests.</summary>
    public IReadOnlyDictionary<string, HotCacheCounts> Counts() =>
        _counters.ToDictionary(c => c.Key, c => new HotCacheCounts(
            Interlocked.Read(ref c.Value.Reads), Interlocked.Read(ref c.Value.Loads), Interlocked.Read(ref c.Value.Warmed)), StringComparer.Ordinal);

    /// <summary>How often the loader of <paramref name="kind"/> ran.</summary>
    public long LoadsOf(string kind) => _counters.TryGetValue(kind, out var counters) ? Interlocked.Read(ref counters.Loads) : 0;

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    /// <summary>Whether none of <paramref name="tags"/> (nor the whole cache) was invalidated at or after <paramref name="stamp"/>.</summary>
    internal bool IsFresh(string[] tags, long stamp)
    {
        if (Volatile.Read(ref _allInvalidatedAt) >= stamp)
        {
            return false;
        }

        foreach (var tag in tags)
        {
            if (_invalidated.TryGetValue(tag, out var at) && at >= stamp)
            {
                return false;
            }
        }

        return true;
    }

    private KindCounters CountersOf(string kind) => _counters.GetOrAdd(kind, static _ => new KindCounters());

    private async Task ObserveAsync(ValueTask removal, string tag)
    {
        try
        {
            await removal;
        }
#pragma warning disable CA1031 // The local invalidation already happened; a failing remote one must not fail the write.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogRemoteInvalidationFailed(_logger, e, tag);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Invalidating cache tag {Tag} failed beyond this node")]
    private static partial void LogRemoteInvalidationFailed(ILogger logger, Exception exception, string tag);

    private sealed class KindCounters
    {
#pragma warning disable SA1401, CA1051 // Counted with Interlocked, so fields.
        public long Reads;
        public long Loads;
        public long Warmed;
#pragma warning restore SA1401, CA1051
    }
}

/// <summary>A cached value with the stamp of when its load started. Sealed and immutable, so HybridCache hands out the same instance instead of a copy.</summary>
[ImmutableObject(true)]
public sealed record HotEntry<T>(T Value, long Stamp);

/// <summary>Reads of one kind of entry; <see cref="Loads"/> are the misses that went to the database.</summary>
public sealed record HotCacheCounts(long Reads, long Loads, long Warmed);

/// <summary>
/// The tags that writes invalidate. <see cref="Directory"/> covers who is who and in what in a
/// school (people, classes, courses and the links between them: permissions, class and course
/// lists, names): changed by school admins, rarely, and then flushed for the whole school so
/// that no dependency can be missed. The others are fine-grained for the changes of the school day.
/// </summary>
public static class HotTags
{
    /// <summary>People, classes, courses and memberships of a school.</summary>
    public static string Directory(Guid schoolId) => "d:" + schoolId.ToString("N");

    /// <summary>A course's contents (tree, documents) and lessons (contents, schedule).</summary>
    public static string Course(Guid courseId) => "c:" + courseId.ToString("N");

    /// <summary>What is planned for a class: its scheduled lessons and exercise tasks.</summary>
    public static string Class(Guid classId) => "k:" + classId.ToString("N");

    /// <summary>What a pupil marked done, and the exercise tasks for that pupil alone.</summary>
    public static string Person(Guid personId) => "p:" + personId.ToString("N");
}

/// <summary>Entry keys: the kind, the school (so no entry is ever found from another school) and the ids.</summary>
public static class HotKeys
{
    // Keys with one or two ids after the school (and the viewer's role): the same strings as the
    // general form below, built in one allocation without boxing, since the download fast path
    // builds several of them for every download.
    public static string Of(string kind, Guid schoolId, Guid id) => Build(kind, schoolId, id, null, null);

    public static string Of(string kind, Guid schoolId, Guid first, Guid second) => Build(kind, schoolId, first, second, null);

    public static string Of(string kind, Guid schoolId, Guid first, Guid second, string last)
    {
        ArgumentNullException.ThrowIfNull(last);
        return Build(kind, schoolId, first, second, last);
    }

    public static string Of(string kind, Guid schoolId, params ReadOnlySpan<object> parts)
    {
        var key = new System.Text.StringBuilder(96).Append("sb:").Append(kind).Append(':').Append(schoolId.ToString("N"));
        foreach (var part in parts)
        {
            key.Append(':').Append(part switch
            {
                Guid id => id.ToString("N"),
                IFormattable formattable => formattable.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
                _ => part.ToString(),
            });
        }

        return key.ToString();
    }

    private static string Build(string kind, Guid schoolId, Guid first, Guid? second, string? last)
    {
        ArgumentNullException.ThrowIfNull(kind);
        const int Id = 32;
        var length = 3 + kind.Length + 1 + Id + 1 + Id + (second is null ? 0 : 1 + Id) + (last is null ? 0 : 1 + last.Length);
        return string.Create(length, (kind, schoolId, first, second, last), static (span, state) =>
        {
            "sb:".CopyTo(span);
            var at = 3;
            state.kind.CopyTo(span[at..]);
            at += state.kind.Length;
            at = Append(span, at, state.schoolId);
            at = Append(span, at, state.first);
            if (state.second is { } second)
            {
                at = Append(span, at, second);
            }

            if (state.last is { } last)
            {
                span[at++] = ':';
                last.CopyTo(span[at..]);
            }
        });

        static int Append(Span<char> span, int at, Guid id)
        {
            span[at++] = ':';
            id.TryFormat(span[at..], out var written, "N");
            return at + written;
        }
    }
}
