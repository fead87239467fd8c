using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Primitives;

namespace Schoolbel.Server.Documents;

/// <summary>
/// The hot path of the 08:30 peak is "a class of pupils opens the same document": the item, its
/// folders, its lesson's publication slots and its version are read once and then served from
/// memory. Every change to a course's contents evicts that course's entries at once (a change
/// token per course), so hiding, deleting or a new version take effect immediately on this node;
/// the short lifetime bounds staleness on other nodes (cross-node invalidation belongs in Redis).
/// </summary>
public sealed class ContentCache(IMemoryCache cache)
{
    /// <summary>How long an entry may live without an eviction; the bound on other nodes' staleness.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<Guid, CancellationTokenSource> _courses = new();

    public async Task<T?> GetOrLoadAsync<T>(object key, Func<Task<(T? Value, Guid? CourseId)>> load)
        where T : class
    {
        if (cache.TryGetValue(key, out T? found))
        {
            return found;
        }

        var (value, courseId) = await load();
        using var entry = cache.CreateEntry(key);
        entry.AbsoluteExpirationRelativeToNow = Lifetime;
        entry.Size = 1;
        if (courseId is { } id)
        {
            entry.AddExpirationToken(new CancellationChangeToken(TokenOf(id).Token));
        }

        entry.Value = value;
        return value;
    }

    /// <summary>Forgets everything cached about a course's contents and lessons.</summary>
    public void Invalidate(Guid courseId)
    {
        if (_courses.TryRemove(courseId, out var source))
        {
            source.Cancel();
            source.Dispose();
        }
    }

    private CancellationTokenSource TokenOf(Guid courseId) => _courses.GetOrAdd(courseId, _ => new CancellationTokenSource());
}
