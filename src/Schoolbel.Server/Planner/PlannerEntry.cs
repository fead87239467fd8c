namespace Schoolbel.Server.Planner;

/// <summary>What a planner entry is; the order is the order within a day when times are equal.</summary>
public enum PlannerEntryKind
{
    /// <summary>A lesson in the timetable.</summary>
    Lesson = 1,

    /// <summary>A lesson of a course published (or, for its teachers, scheduled) that day.</summary>
    PublishedLesson = 2,
    Test = 3,
    Homework = 4,
    AssignmentDue = 5,
    Bring = 6,
}

/// <summary>
/// One thing on one school day. <see cref="Start"/> and <see cref="End"/> are school-local
/// (<see cref="Lessons.SchoolTime"/>); without <see cref="Start"/> it is for the whole day.
/// <see cref="Id"/> is stable (the calendar feed's UID is made of it), and unique per thing and day.
/// <see cref="Url"/> is a path inside the school (e.g. <c>/courses/{id}</c>), without the school prefix.
/// </summary>
public sealed record PlannerEntry(
    string Id,
    DateOnly Day,
    TimeOnly? Start,
    TimeOnly? End,
    PlannerEntryKind Kind,
    string Title,
    Guid? CourseId,
    string? CourseName,
    string? ClassName,
    string? Room = null,
    string? Details = null,
    string? Url = null,
    Guid? ItemId = null);

/// <summary>How the audience sees things.</summary>
public enum PlannerView
{
    /// <summary>A pupil (or a parent for one child): their classes and courses, lessons once published for them.</summary>
    Pupil = 1,

    /// <summary>A teacher: the courses they teach, with every class, and lessons as soon as they are scheduled.</summary>
    Teacher = 2,

    /// <summary>Staff looking at one class: as its pupils see it.</summary>
    Class = 3,
}

/// <summary>
/// Whose planner is asked for. <see cref="ClassIds"/>: the classes (pupil and class views);
/// <see cref="CourseIds"/>: the courses followed (pupil) or taught (teacher);
/// <see cref="DirectCourseIds"/>: courses a pupil follows as a chosen pupil rather than with a class;
/// <see cref="PupilIds"/>: the pupils (for sources that are per pupil).
/// </summary>
public sealed record PlannerAudience(
    Guid PersonId,
    PlannerView View,
    IReadOnlyList<Guid> ClassIds,
    IReadOnlyList<Guid> CourseIds,
    IReadOnlyList<Guid> DirectCourseIds,
    IReadOnlyList<Guid> PupilIds)
{
    /// <summary>Teachers see their courses' things in every class; others see their classes' things.</summary>
    public bool ByCourse => View == PlannerView.Teacher;
}

/// <summary>School days <see cref="From"/> to <see cref="To"/>, both included; <see cref="Now"/> decides what is published.</summary>
public sealed record PlannerRange(DateOnly From, DateOnly To, DateTime Now)
{
    public IEnumerable<DateOnly> Days()
    {
        for (var day = From; day <= To; day = day.AddDays(1))
        {
            yield return day;
        }
    }

    /// <summary>The first instant of <see cref="From"/> and the first instant after <see cref="To"/>, in UTC.</summary>
    public (DateTime FromUtc, DateTime ToUtc) Utc() =>
        (Lessons.SchoolTime.StartOfDayUtc(From), Lessons.SchoolTime.StartOfDayUtc(To.AddDays(1)));
}

/// <summary>
/// Something that puts entries in the planner (timetable, planner items, lessons, ...). Register
/// one with <c>services.AddScoped&lt;IPlannerSource, MySource&gt;()</c>; the week page, the API and
/// the calendar feed ask every registered source. A source must only return what the audience
/// may see (a pupil never learns of a lesson before it is published), within the school in scope.
/// </summary>
public interface IPlannerSource
{
    Task<IReadOnlyList<PlannerEntry>> EntriesAsync(PlannerAudience audience, PlannerRange range, CancellationToken cancellationToken);
}
