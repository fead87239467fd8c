using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Courses;
using Schoolbel.Server.Data;
using Schoolbel.Server.Lessons;
using Schoolbel.Server.People;

namespace Schoolbel.Server.Planner;

/// <summary>
/// Builds planners: who a person may look at (themselves, a parent's children, a teacher's
/// classes) and the entries of every <see cref="IPlannerSource"/> for a week or a window.
/// </summary>
public sealed class PlannerWeeks(SchoolbelDb db, CourseAccess access, IEnumerable<IPlannerSource> sources, TimeProvider time)
{
    public DateTime Now => time.GetUtcNow().UtcDateTime;

    /// <summary>Today in the school's time zone.</summary>
    public DateOnly Today => SchoolTime.LocalDate(Now);

    /// <summary>The day whose week is shown when none is asked for: today, or on a weekend the coming week (what pupils prepare for then).</summary>
    public DateOnly DefaultDay => Today.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? MondayOf(Today).AddDays(7) : Today;

    /// <summary>The Monday of the week <paramref name="day"/> is in.</summary>
    public static DateOnly MondayOf(DateOnly day) => day.AddDays(-(((int)day.DayOfWeek + 6) % 7));

    /// <summary>
    /// The planner a person sees. Pupils: their own. Parents: one child's (<paramref name="pupilId"/>,
    /// or the first child). Teachers and admins: their courses, or one class (<paramref name="classId"/>)
    /// that they teach (admins: any class), seen as its pupils see it. Null when the person may
    /// not see that child or class (or has no child).
    /// </summary>
    public async Task<PlannerSubject?> SubjectAsync(Guid personId, PersonRole role, Guid? pupilId, Guid? classId, CancellationToken cancellationToken)
    {
        switch (role)
        {
            case PersonRole.Pupil:
                if ((pupilId is { } other && other != personId) || classId is not null)
                {
                    return null;
                }

                return new PlannerSubject(await PupilAudienceAsync(personId, personId, cancellationToken), null, []);
            case PersonRole.Parent:
                var children = await access.ChildrenAsync(personId, cancellationToken);
                var child = pupilId is { } wanted ? children.FirstOrDefault(c => c.Id == wanted) : children.Count > 0 ? children[0] : null;
                if (child is null || classId is not null)
                {
                    return null;
                }

                return new PlannerSubject(await PupilAudienceAsync(personId, child.Id, cancellationToken), child, children);
            case PersonRole.Teacher or PersonRole.SchoolAdmin:
                if (pupilId is not null)
                {
                    return null;
                }

                var courses = await access.CoursesOfTeacherAsync(personId, cancellationToken);
                var courseIds = courses.Select(c => c.Id).ToList();
                var classes = await ClassesOfAsync(courseIds, role == PersonRole.SchoolAdmin, cancellationToken);
                if (classId is { } chosen)
                {
                    var schoolClass = classes.FirstOrDefault(c => c.Id == chosen);
                    return schoolClass is null
                        ? null
                        : new PlannerSubject(new PlannerAudience(personId, PlannerView.Class, [chosen], [], [], []), schoolClass, classes);
                }

                return new PlannerSubject(new PlannerAudience(personId, PlannerView.Teacher, [], courseIds, [], []), null, classes);
            default:
                return null;
        }
    }

    /// <summary>Every source's entries for the audience over the range, in order: day, time (whole-day last), kind, title.</summary>
    public async Task<IReadOnlyList<PlannerEntry>> EntriesAsync(PlannerAudience audience, PlannerRange range, CancellationToken cancellationToken)
    {
        var entries = new List<PlannerEntry>();
        foreach (var source in sources)
        {
            // One after the other: they share the request's DbContext.
            entries.AddRange(await source.EntriesAsync(audience, range, cancellationToken));
        }

        return entries
            .OrderBy(e => e.Day)
            .ThenBy(e => e.Start ?? TimeOnly.MaxValue)
            .ThenBy(e => e.Kind)
            .ThenBy(e => e.Title, StringComparer.CurrentCulture)
            .ToList();
    }

    /// <summary>The week (Monday to Sunday) around <paramref name="day"/>.</summary>
    public async Task<PlannerWeek> WeekAsync(PlannerAudience audience, DateOnly day, CancellationToken cancellationToken)
    {
        var monday = MondayOf(day);
        var range = new PlannerRange(monday, monday.AddDays(6), Now);
        var entries = (await EntriesAsync(audience, range, cancellationToken)).ToLookup(e => e.Day);
        var days = range.Days().Select(d => new PlannerDay(d, [.. entries[d]])).ToList();
        return new PlannerWeek(monday, monday.AddDays(-7), monday.AddDays(7), days);
    }

    private async Task<PlannerAudience> PupilAudienceAsync(Guid personId, Guid pupilId, CancellationToken cancellationToken)
    {
        var pupil = await access.PupilAsync(pupilId, cancellationToken);
        return new PlannerAudience(personId, PlannerView.Pupil, pupil.ClassIds, [.. pupil.Courses.Select(c => c.Id)], pupil.DirectCourseIds, [pupilId]);
    }

    /// <summary>The classes of these courses (admins: every class of the school), by name.</summary>
    private async Task<IReadOnlyList<IdName>> ClassesOfAsync(List<Guid> courseIds, bool all, CancellationToken cancellationToken)
    {
        var classes = db.Classes.AsNoTracking();
        if (!all)
        {
            classes = classes.Where(k => db.CourseClasses.Any(cc => cc.ClassId == k.Id && courseIds.Contains(cc.CourseId)));
        }

        return await classes.OrderBy(k => k.Name).Select(k => new IdName(k.Id, k.Name)).ToListAsync(cancellationToken);
    }
}

/// <summary>
/// A planner someone may look at: the audience, the child or class it is about (null for
/// one's own), and the other children or classes to switch to.
/// </summary>
public sealed record PlannerSubject(PlannerAudience Audience, IdName? About, IReadOnlyList<IdName> Choices);

public sealed record PlannerDay(DateOnly Date, IReadOnlyList<PlannerEntry> Entries);

public sealed record PlannerWeek(DateOnly Monday, DateOnly PreviousMonday, DateOnly NextMonday, IReadOnlyList<PlannerDay> Days);
