using Schoolbel.Server.HotReads;

namespace Schoolbel.Server.Documents;

/// <summary>
/// The course-content side of the hot-read cache (<see cref="HotCache"/>) for writers that only
/// need to say "this course's contents changed" (e.g. a new document version): its tree, lesson
/// contents and download entries are dropped at once.
/// </summary>
public sealed class ContentCache(HotCache cache)
{
    /// <summary>Forgets everything cached about a course's contents and lessons.</summary>
    public void Invalidate(Guid courseId) => cache.Invalidate(HotTags.Course(courseId));
}
