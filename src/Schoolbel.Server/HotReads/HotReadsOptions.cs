using System.ComponentModel.DataAnnotations;

namespace Schoolbel.Server.HotReads;

/// <summary>Configuration section <c>HotReads</c>: the cache of the morning's hot reads and its warm-up.</summary>
public sealed class HotReadsOptions
{
    public const string Section = "HotReads";

    /// <summary>
    /// How long an entry lives without being invalidated. Changes on this node invalidate at
    /// once; on other nodes (no shared cache yet) they show within this time, so lower it when
    /// running several nodes. Must outlast <see cref="WarmUpLead"/>, or the warm-up is wasted.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromMinutes(20);

    /// <summary>Warm a school's entries this long before its first lesson.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "02:00:00")]
    public TimeSpan WarmUpLead { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Run the warm-up in the background (off in tests that call it themselves).</summary>
    public bool WarmUp { get; set; } = true;

    /// <summary>How often the background warm-up looks at the schools' timetables.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan WarmUpCheckInterval { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>The kinds of entries, as named in keys and counters.</summary>
public static class HotKinds
{
    public const string Viewer = "viewer";
    public const string Pupil = "pupil";
    public const string Children = "children";
    public const string StaffCourses = "staff-courses";
    public const string ClassNames = "class-names";
    public const string Course = "course";
    public const string Tree = "tree";
    public const string CourseLessons = "course-lessons";
    public const string Lesson = "lesson";
    public const string ClassSchedule = "class-schedule";
    public const string Done = "done";
    public const string ClassTasks = "class-tasks";
    public const string PupilTasks = "pupil-tasks";
    public const string DownloadCourse = "dl-course";
    public const string DownloadItem = "dl-item";
    public const string DownloadVersion = "dl-version";
}
