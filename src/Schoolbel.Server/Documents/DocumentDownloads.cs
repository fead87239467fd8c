using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Courses;
using Schoolbel.Server.Data;
using Schoolbel.Server.HotReads;
using Schoolbel.Server.Lessons;
using Schoolbel.Server.People;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Documents;

/// <summary>
/// Serves a document's bytes: permission first (404 for anyone who may not know it exists:
/// another school, a pupil outside the course, a hidden item, a lesson not yet published),
/// then the file (see <see cref="DownloadResponder"/>) with ETag, range requests and caching headers.
/// This is the full path, which fills the caches; <see cref="DownloadFastPath"/> answers the
/// same URLs from those caches alone, with the same rules (<see cref="MayServe"/>).
/// </summary>
public sealed partial class DocumentDownloads(SchoolbelDb db, CourseAccess access, CourseContent content, LessonPlanner lessons, HotCache cache, DownloadResponder responder, TimeProvider time, ILogger<DocumentDownloads> logger)
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

        return new DownloadResult(responder, found, Versioned: versionId is not null);
    }

    /// <summary>
    /// The version to serve, or null when this person may not have it (or it does not exist).
    /// Everything comes from the hot-read cache (<see cref="HotCache"/>): the item's
    /// course, the item's state (tag of its course), the person's access, the lesson's slots
    /// and the version; keys carry the school, so an entry made in one school is never found
    /// from another. The clock decides publication when reading, to the minute.
    /// </summary>
    public async Task<DownloadTarget?> FindAsync(Guid itemId, Guid? versionId, Guid personId, PersonRole role, CancellationToken cancellationToken)
    {
        var school = db.CurrentSchoolId ?? throw new InvalidOperationException("No school in scope.");
        // An item never changes course. Only found documents are remembered: ids can be made up.
        var courseId = await cache.GetOrLoadAsync(
            HotKinds.DownloadCourse,
            CourseKey(school, itemId),
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
            HotKinds.DownloadItem,
            ItemKey(school, course, itemId),
            [HotTags.Course(course)],
            async () =>
            {
                var found = await db.Set<CourseItem>().AsNoTracking().FirstOrDefaultAsync(i => i.Id == itemId, CancellationToken.None);
                if (found is null)
                {
                    return null;
                }

                var (hidden, deleted) = await content.ChainStateAsync(found, CancellationToken.None);
                return new DownloadItemState(found.LessonId, found.CurrentVersionId, hidden, deleted);
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

        // Slots are cached, the clock is not: publication happens on the exact minute.
        var lesson = NeedsLesson(item, viewer) ? await lessons.LessonContentAsync(course, item.LessonId!.Value, cancellationToken) : null;
        if (!MayServe(item, viewer, lesson, time.GetUtcNow().UtcDateTime))
        {
            return null;
        }

        // A version never changes.
        return await cache.GetOrLoadAsync(
            HotKinds.DownloadVersion,
            VersionKey(school, itemId, wanted.Value),
            [],
            async () => await db.Set<DocumentVersion>().AsNoTracking()
                .Where(v => v.Id == wanted && v.ItemId == itemId)
                .Select(v => new DownloadTarget(v.BlobHash, v.ContentType, v.FileName, v.Length, v.CreatedAt))
                .FirstOrDefaultAsync(CancellationToken.None),
            cacheNull: false);
    }

    /// <summary>Whether <see cref="MayServe"/> needs the item's lesson: only for pupils and parents, for a visible item of a lesson.</summary>
    internal static bool NeedsLesson(DownloadItemState item, CourseViewer viewer) =>
        !viewer.CanEdit && !item.Hidden && item.LessonId is not null;

    /// <summary>
    /// The rules after "may see the course": nobody gets what is in the recycle bin; the course's
    /// teachers (and admins) get everything else; pupils and parents not what is hidden, nor
    /// what belongs to a lesson that is not (yet) published for them at <paramref name="now"/>.
    /// </summary>
    internal static bool MayServe(DownloadItemState item, CourseViewer viewer, LessonContent? lesson, DateTime now)
    {
        if (item.Deleted)
        {
            return false;
        }

        if (viewer.CanEdit)
        {
            return true;
        }

        if (item.Hidden)
        {
            return false;
        }

        return item.LessonId is null || (lesson is not null && LessonVisibility.IsVisible(lesson.Head.Slots, viewer, now));
    }

    // The cache keys, here once for the full path and the fast path.
    internal static string CourseKey(Guid school, Guid itemId) => HotKeys.Of(HotKinds.DownloadCourse, school, itemId);

    internal static string ItemKey(Guid school, Guid courseId, Guid itemId) => HotKeys.Of(HotKinds.DownloadItem, school, courseId, itemId);

    internal static string VersionKey(Guid school, Guid itemId, Guid versionId) => HotKeys.Of(HotKinds.DownloadVersion, school, itemId, versionId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Download of document {ItemId} version {VersionId} refused or missing for {PersonId}")]
    private static partial void LogNotFound(ILogger logger, Guid itemId, Guid? versionId, Guid personId);

    /// <summary>The found version, written by the responder when the endpoint's result runs.</summary>
    private sealed record DownloadResult(DownloadResponder Responder, DownloadTarget Target, bool Versioned) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext) => Responder.WriteAsync(httpContext, Target, Versioned);
    }
}

/// <summary>What a download needs to know of a document item (cached per item, tag of its course).</summary>
public sealed record DownloadItemState(Guid? LessonId, Guid? CurrentVersionId, bool Hidden, bool Deleted);

public sealed record DownloadTarget(string BlobHash, string ContentType, string FileName, long Length, DateTime CreatedAt);
