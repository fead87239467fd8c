using Schoolbel.Server.Courses;

namespace Schoolbel.Server.Lessons;

/// <summary>
/// When a lesson shows to someone. Teachers (and admins) see every lesson of their courses.
/// Pupils (and their parents) see it at the time it was scheduled for one of their classes.
/// A pupil who follows the course directly (as one of its chosen pupils, not with one of its
/// classes) sees a lesson once it is published for the course, that is at the earliest time of
/// the classes it was scheduled for: such pupils belong to no class of the course, and that is
/// the first moment the lesson is out.
/// </summary>
public static class LessonVisibility
{
    /// <summary>The first time this viewer may see the lesson; null when never (not scheduled for them).</summary>
    public static DateTime? VisibleFrom(IReadOnlyList<LessonSlot> slots, CourseViewer viewer)
    {
        ArgumentNullException.ThrowIfNull(slots);
        ArgumentNullException.ThrowIfNull(viewer);
        if (viewer.CanEdit)
        {
            return DateTime.MinValue;
        }

        DateTime? at = viewer.DirectlyEnrolled ? ForTheCourse(slots) : null;
        foreach (var slot in slots)
        {
            if ((at is null || slot.PublishAt < at) && viewer.ClassIds.Contains(slot.ClassId))
            {
                at = slot.PublishAt;
            }
        }

        return at;
    }

    public static bool IsVisible(IReadOnlyList<LessonSlot> slots, CourseViewer viewer, DateTime now) =>
        VisibleFrom(slots, viewer) is { } at && at <= now;

    /// <summary>When the lesson is out for the course as a whole: its earliest class's time (null when not scheduled).</summary>
    public static DateTime? ForTheCourse(IReadOnlyList<LessonSlot> slots)
    {
        ArgumentNullException.ThrowIfNull(slots);
        return slots.Count == 0 ? null : slots.Min(s => s.PublishAt);
    }
}
