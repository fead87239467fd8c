using Schoolbel.Server.HotReads;

namespace Schoolbel.Server.Documents;

/// <summary>
/// What the download fast path found of one document version (its course, its state and the
/// bytes to send), kept for a few seconds and shared by everyone who downloads it. Finding it
/// takes three hot-cache reads (three keys built, looked up and checked); at 08:30 a whole school
/// asks for the same few documents at once, so a download then reads only what depends on the
/// person: may they see the course, and (for a lesson's document) is the lesson out for them.
/// <para>
/// An entry follows the hot cache's stamp rule: it is taken only while its course's tag (and the
/// cache as a whole) was not invalidated since just before its reads, so whatever a teacher does
/// to the document (hide, delete, a new version) ends it at once, on this node and, with Redis,
/// on the others. It lives <see cref="Lifetime"/> at most: a change that reaches the hot cache
/// only by expiry (several nodes without Redis) shows at most that much later here.
/// </para>
/// </summary>
internal sealed class FastDocuments(HotCache cache)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(5);

    /// <summary>Far more than the documents a node serves in <see cref="Lifetime"/>; a bound, not a size to tune.</summary>
    private const int MaxEntries = 20_000;

    private readonly ExpiringEntries<Key, FastDocument> _entries = new(MaxEntries, d => d.Until);

    /// <summary>Documents held now (tests, diagnosis).</summary>
    public int Count => _entries.Count;

    /// <summary>
    /// The document version (<paramref name="versionId"/>, or the current one), or null when an
    /// entry it needs is not in the hot cache (then the full path loads it).
    /// </summary>
    public async ValueTask<FastDocument?> FindAsync(Guid school, Guid itemId, Guid? versionId, DateTimeOffset now)
    {
        var key = new Key(school, itemId, versionId ?? Guid.Empty);
        if (_entries.TryGetValue(key, out var held))
        {
            if (held.Until > now && cache.IsFresh(held.Tags, held.Stamp))
            {
                return held;
            }

            _entries.Remove(key, held);
        }

        // Taken before the reads: an invalidation after any of them is at or after it.
        var stamp = cache.Stamp();
        if ((await cache.PeekAsync<Guid?>(HotKinds.DownloadCourse, DocumentDownloads.CourseKey(school, itemId), []))?.Value is not { } course)
        {
            return null;
        }

        string[] tags = [HotTags.Course(course)];
        if ((await cache.PeekAsync<DownloadItemState>(HotKinds.DownloadItem, DocumentDownloads.ItemKey(school, course, itemId), tags))?.Value is not { } item
            || (versionId ?? item.CurrentVersionId) is not { } wanted
            || (await cache.PeekAsync<DownloadTarget>(HotKinds.DownloadVersion, DocumentDownloads.VersionKey(school, itemId, wanted), []))?.Value is not { } target)
        {
            return null;
        }

        var found = new FastDocument(course, item, target, tags, stamp, now + Lifetime);
        _entries.Add(key, found, now);
        return found;
    }

    /// <summary><see cref="Guid.Empty"/> as the version: the current one.</summary>
    private readonly record struct Key(Guid School, Guid Item, Guid Version);
}

/// <summary>One document version as the fast path serves it; <see cref="Tags"/> and <see cref="Stamp"/> decide whether it still holds.</summary>
internal sealed record FastDocument(Guid Course, DownloadItemState Item, DownloadTarget Target, string[] Tags, long Stamp, DateTimeOffset Until);
