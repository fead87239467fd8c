using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;
using Schoolbel.Server.Courses;
using Schoolbel.Server.Data;
using Schoolbel.Server.People;
using Schoolbel.Server.SignIn;
using Schoolbel.Server.Storage;

namespace Schoolbel.Server.Documents;

/// <summary>
/// Serves a document's bytes: permission first (404 for anyone who may not know it exists:
/// another school, a pupil outside the course, a hidden item, a lesson not yet published),
/// then the file straight from disk (sendfile) with ETag, range requests and caching headers.
/// </summary>
public sealed partial class DocumentDownloads(SchoolbelDb db, CourseAccess access, CourseContent content, Lessons.LessonPlanner lessons, HotReads.HotCache cache, IBlobStore store, Microsoft.Extensions.Options.IOptions<StorageOptions> options, TimeProvider time, ILogger<DocumentDownloads> logger)
{
    /// <summary>A year: the longest max-age caches honour, and the content at a versioned URL never changes.</summary>
    public const string ImmutableCacheControl = "private, max-age=31536000, immutable";

    /// <summary>The unversioned URL always names the newest version, so caches must ask again (cheap with a 304).</summary>
    public const string RevalidateCacheControl = "private, no-cache";

    public async Task<IResult> ServeAsync(HttpContext context, Guid itemId, Guid? versionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var user = context.User;
        var personId = user.PersonId();
        var found = await FindAsync(itemId, versionId, personId, user.Role() ?? PersonRole.Pupil, cancellationToken);
        if (found is null)
        {
            LogNotFound(logger, itemId, versionId, personId);
            return TypedResults.NotFound();
        }

        var headers = context.Response.Headers;
        headers.CacheControl = versionId is null ? RevalidateCacheControl : ImmutableCacheControl;
        var disposition = new ContentDispositionHeaderValue(SniffedType.IsInline(found.ContentType) ? "inline" : "attachment");
        disposition.SetHttpFileName(found.FileName);
        headers.ContentDisposition = disposition.ToString();
        var etag = new EntityTagHeaderValue($"\"{found.BlobHash}\"");
        var lastModified = new DateTimeOffset(found.CreatedAt, TimeSpan.Zero);
        var contentType = found.ContentType.StartsWith("text/", StringComparison.Ordinal) ? found.ContentType + "; charset=utf-8" : found.ContentType;

        if (options.Value.AccelRedirectPrefix is { Length: > 0 } prefix && store.LocalPath(found.BlobHash) is not null)
        {
            // nginx in front sends the bytes (sendfile, ranges); revalidations end here.
            headers.ETag = etag.ToString();
            if (context.Request.Headers.IfNoneMatch.ToString().Contains(found.BlobHash, StringComparison.Ordinal))
            {
                return TypedResults.StatusCode(StatusCodes.Status304NotModified);
            }

            headers["X-Accel-Redirect"] = $"{prefix}{found.BlobHash[..2]}/{found.BlobHash[2..4]}/{found.BlobHash}";
            headers.ContentType = contentType;
            return TypedResults.Empty;
        }

        if (store.LocalPath(found.BlobHash) is { } path)
        {
            // PhysicalFile does If-None-Match/If-Modified-Since (304), Range/If-Range (206, 416)
            // and sends with zero copy (sendfile) instead of through managed buffers.
            return TypedResults.PhysicalFile(path, contentType, lastModified: lastModified, entityTag: etag, enableRangeProcessing: true);
        }

        // A remote store: answer revalidations without fetching the object at all.
        if (context.Request.Headers.IfNoneMatch.ToString().Contains(found.BlobHash, StringComparison.Ordinal))
        {
            headers.ETag = etag.ToString();
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        var stream = await store.OpenReadAsync(found.BlobHash, cancellationToken);
        return TypedResults.Stream(stream, contentType, lastModified: lastModified, entityTag: etag);
    }

    /// <summary>
    /// The version to serve, or null when this person may not have it (or it does not exist).
    /// Everything comes from the hot-read cache (<see cref="HotReads.HotCache"/>): the item's
    /// course, the item's state (tag of its course), the person's access, the lesson's slots
    /// and the version; keys carry the school, so an entry made in one school is never found
    /// from another. The clock decides publication when reading, to the minute.
    /// </summary>
    public async Task<DownloadTarget?> FindAsync(Guid itemId, Guid? versionId, Guid personId, PersonRole role, CancellationToken cancellationToken)
    {
        var school = db.CurrentSchoolId ?? throw new InvalidOperationException("No school in scope.");
        // An item never changes course. Only found documents are remembered: ids can be made up.
        var courseId = await cache.GetOrLoadAsync(
            HotReads.HotKinds.DownloadCourse,
            HotReads.HotKeys.Of(HotReads.HotKinds.DownloadCourse, school, itemId),
            [],
            async () => await db.Set<CourseItem>().AsNoTracking()
                .Where(i => i.Id == itemId && i.Kind == CourseItemKind.Document)
                .Select(i => (Guid?)i.CourseId)
                .FirstOrDefaultAsync(CancellationToken.None),
            cacheNull: false);
        if (courseId is not { } course)
        {
            return null;
        }

        var item = await cache.GetOrLoadAsync(
            HotReads.HotKinds.DownloadItem,
            HotReads.HotKeys.Of(HotReads.HotKinds.DownloadItem, school, course, itemId),
            [HotReads.HotTags.Course(course)],
            async () =>
            {
                var found = await db.Set<CourseItem>().AsNoTracking().FirstOrDefaultAsync(i => i.Id == itemId, CancellationToken.None);
                if (found is null)
                {
                    return null;
                }

                var (hidden, deleted) = await content.ChainStateAsync(found, CancellationToken.None);
                return new CachedItem(found.LessonId, found.CurrentVersionId, hidden, deleted);
            },
            cacheNull: false);
        var wanted = versionId ?? item?.CurrentVersionId;
        if (item is null || wanted is null || item.Deleted)
        {
            return null;
        }

        var viewer = await access.ViewerAsync(course, personId, role, cancellationToken);
        if (viewer is null)
        {
            return null;
        }

        if (!viewer.CanEdit)
        {
            if (item.Hidden)
            {
                return null;
            }

            // Slots are cached, the clock is not: publication happens on the exact minute.
            if (item.LessonId is { } lessonId
                && (await lessons.LessonContentAsync(course, lessonId, cancellationToken) is not { } lesson
                    || !Lessons.LessonVisibility.IsVisible(lesson.Head.Slots, viewer, time.GetUtcNow().UtcDateTime)))
            {
                return null;
            }
        }

        // A version never changes.
        return await cache.GetOrLoadAsync(
            HotReads.HotKinds.DownloadVersion,
            HotReads.HotKeys.Of(HotReads.HotKinds.DownloadVersion, school, itemId, wanted.Value),
            [],
            async () => await db.Set<DocumentVersion>().AsNoTracking()
                .Where(v => v.Id == wanted && v.ItemId == itemId)
                .Select(v => new DownloadTarget(v.BlobHash, v.ContentType, v.FileName, v.Length, v.CreatedAt))
                .FirstOrDefaultAsync(CancellationToken.None),
            cacheNull: false);
    }

    private sealed record CachedItem(Guid? LessonId, Guid? CurrentVersionId, bool Hidden, bool Deleted);

    [LoggerMessage(Level = LogLevel.Information, Message = "Download of document {ItemId} version {VersionId} refused or missing for {PersonId}")]
    private static partial void LogNotFound(ILogger logger, Guid itemId, Guid? versionId, Guid personId);
}

public sealed record DownloadTarget(string BlobHash, string ContentType, string FileName, long Length, DateTime CreatedAt);
