using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Courses;
using Schoolbel.Server.Data;
using Schoolbel.Server.HotReads;
using Schoolbel.Server.Lessons;

namespace Schoolbel.Server.Assignments;

/// <summary>
/// Deadlines of assignments, for the planner and the today page: which assignments pupils (or
/// whole classes) have due between two school-local dates, with whether each pupil handed in.
/// </summary>
public sealed class AssignmentDueDates(SchoolbelDb db, HotCache cache)
{
    private const string TodayKind = "assignments-today";

    /// <summary>Assignments given to these pupils (through a class or by name) due from <paramref name="from"/> up to and including <paramref name="to"/> (school-local dates).</summary>
    public async Task<IReadOnlyList<DueAssignment>> ForPupilsAsync(IReadOnlyCollection<Guid> pupilIds, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pupilIds);
        var ids = pupilIds.Distinct().ToList();
        var (start, end) = (SchoolTime.StartOfDayUtc(from), SchoolTime.StartOfDayUtc(to.AddDays(1)));
        var memberships = await db.ClassMemberships.AsNoTracking().Where(m => ids.Contains(m.PupilId)).Select(m => new { m.PupilId, m.ClassId }).ToListAsync(cancellationToken);
        var classIds = memberships.Select(m => m.ClassId).Distinct().ToList();
        var classCourses = (await db.CourseClasses.AsNoTracking().Where(c => classIds.Contains(c.ClassId)).Select(c => new { c.ClassId, c.CourseId }).ToListAsync(cancellationToken))
            .ToLookup(c => c.ClassId, c => c.CourseId);
        var direct = await db.CoursePupils.AsNoTracking().Where(p => ids.Contains(p.PupilId)).Select(p => new { p.PupilId, p.CourseId }).ToListAsync(cancellationToken);
        // Only while the pupil follows the course: a class can leave a course after an assignment was given.
        var follows = memberships.SelectMany(m => classCourses[m.ClassId].Select(c => (m.PupilId, c)))
            .Concat(direct.Select(d => (d.PupilId, d.CourseId))).ToHashSet();

        var viaClass = await db.Set<AssignmentClass>().AsNoTracking().Where(c => classIds.Contains(c.ClassId)).Select(c => new { c.AssignmentId, c.ClassId }).ToListAsync(cancellationToken);
        var viaName = await db.Set<AssignmentPupil>().AsNoTracking().Where(p => ids.Contains(p.PupilId)).Select(p => new { p.AssignmentId, p.PupilId }).ToListAsync(cancellationToken);
        var given = memberships.Join(viaClass, m => m.ClassId, c => c.ClassId, (m, c) => (m.PupilId, c.AssignmentId))
            .Concat(viaName.Select(n => (n.PupilId, n.AssignmentId))).ToHashSet();
        var assignmentIds = given.Select(g => g.AssignmentId).Distinct().ToList();
        var assignments = await db.Set<Assignment>().AsNoTracking().Where(a => assignmentIds.Contains(a.Id) && a.DueAt >= start && a.DueAt < end)
            .Join(db.Courses, a => a.CourseId, c => c.Id, (a, c) => new { a.Id, a.CourseId, CourseName = c.Name, a.Title, a.DueAt })
            .ToDictionaryAsync(a => a.Id, cancellationToken);
        var dueIds = assignments.Keys.ToList();
        var submitted = (await db.Set<Submission>().AsNoTracking().Where(s => dueIds.Contains(s.AssignmentId) && ids.Contains(s.PupilId))
            .Select(s => new { s.PupilId, s.AssignmentId }).Distinct().ToListAsync(cancellationToken))
            .Select(s => (s.PupilId, s.AssignmentId)).ToHashSet();
        return [.. given.Where(g => assignments.ContainsKey(g.AssignmentId) && follows.Contains((g.PupilId, assignments[g.AssignmentId].CourseId)))
            .Select(g => (g.PupilId, A: assignments[g.AssignmentId]))
            .OrderBy(r => r.A.DueAt).ThenBy(r => r.A.Title, StringComparer.Ordinal).ThenBy(r => r.PupilId)
            .Select(r => new DueAssignment(r.PupilId, r.A.Id, r.A.CourseId, r.A.CourseName, r.A.Title, r.A.DueAt, PathOf(r.A.CourseId, r.A.Id), submitted.Contains((r.PupilId, r.A.Id))))];
    }

    /// <summary>Assignments given to these classes as a whole, due in the date range; <see cref="DueAssignment.PupilId"/> is empty.</summary>
    public async Task<IReadOnlyList<DueAssignment>> ForClassesAsync(IReadOnlyCollection<Guid> classIds, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(classIds);
        var ids = classIds.Distinct().ToList();
        var (start, end) = (SchoolTime.StartOfDayUtc(from), SchoolTime.StartOfDayUtc(to.AddDays(1)));
        var rows = await db.Set<AssignmentClass>().Where(c => ids.Contains(c.ClassId)).Select(c => c.AssignmentId).Distinct()
            .Join(db.Set<Assignment>().Where(a => a.DueAt >= start && a.DueAt < end), id => id, a => a.Id, (id, a) => a)
            .Join(db.Courses, a => a.CourseId, c => c.Id, (a, c) => new { a.Id, a.CourseId, CourseName = c.Name, a.Title, a.DueAt })
            .ToListAsync(cancellationToken);
        return [.. rows.OrderBy(r => r.DueAt).ThenBy(r => r.Title, StringComparer.Ordinal)
            .Select(r => new DueAssignment(Guid.Empty, r.Id, r.CourseId, r.CourseName, r.Title, r.DueAt, PathOf(r.CourseId, r.Id), false))];
    }

    /// <summary>
    /// A pupil's open work for the today page: due from yesterday up to two weeks ahead. Cached
    /// (the morning's hot path); a new assignment in one of their courses, a class change or
    /// their own hand-in drops the entry.
    /// </summary>
    public async Task<IReadOnlyList<DueAssignment>> TodayAsync(Guid pupilId, PupilMembership membership, DateOnly today, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(membership);
        var school = db.CurrentSchoolId ?? throw new InvalidOperationException("No school in scope.");
        string[] tags = [HotTags.Directory(school), HotTags.Person(pupilId), .. membership.Courses.Select(c => HotTags.Course(c.Id))];
        return await cache.GetOrLoadAsync(
            TodayKind,
            HotKeys.Of(TodayKind, school, pupilId, today.DayNumber),
            tags,
            () => ForPupilAsync(pupilId, membership, today.AddDays(-1), today.AddDays(14), CancellationToken.None));
    }

    /// <summary>
    /// What <see cref="ForPupilsAsync"/> answers for one pupil, in one query: the pupil's classes
    /// and courses are already known (<paramref name="membership"/>, cached), so only the
    /// assignments and the pupil's hand-ins are read. A pupil's first today page of the day
    /// used to spend seven queries here.
    /// </summary>
    internal async Task<IReadOnlyList<DueAssignment>> ForPupilAsync(Guid pupilId, PupilMembership membership, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(membership);
        var (start, end) = (SchoolTime.StartOfDayUtc(from), SchoolTime.StartOfDayUtc(to.AddDays(1)));
        var classIds = membership.ClassIds.ToList();
        // Only while the pupil follows the course: a class can leave a course after an assignment was given.
        var courseIds = membership.Courses.Select(c => c.Id).ToList();
        var rows = await db.Set<Assignment>().AsNoTracking()
            .Where(a => courseIds.Contains(a.CourseId) && a.DueAt >= start && a.DueAt < end
                && (db.Set<AssignmentClass>().Any(c => c.AssignmentId == a.Id && classIds.Contains(c.ClassId))
                    || db.Set<AssignmentPupil>().Any(p => p.AssignmentId == a.Id && p.PupilId == pupilId)))
            .Join(db.Courses, a => a.CourseId, c => c.Id, (a, c) => new
            {
                a.Id,
                a.CourseId,
                CourseName = c.Name,
                a.Title,
                a.DueAt,
                Submitted = db.Set<Submission>().Any(s => s.AssignmentId == a.Id && s.PupilId == pupilId),
            })
            .ToListAsync(cancellationToken);
        return [.. rows.OrderBy(r => r.DueAt).ThenBy(r => r.Title, StringComparer.Ordinal)
            .Select(r => new DueAssignment(pupilId, r.Id, r.CourseId, r.CourseName, r.Title, r.DueAt, PathOf(r.CourseId, r.Id), r.Submitted))];
    }

    /// <summary>The page of an assignment, relative to the school (prefix with <c>/{school}</c> or <c>~</c>).</summary>
    public static string PathOf(Guid courseId, Guid assignmentId) => $"/courses/{courseId}/assignments/{assignmentId}";
}

/// <summary>An assignment due for a pupil (or, from <see cref="AssignmentDueDates.ForClassesAsync"/>, a class).</summary>
public sealed record DueAssignment(Guid PupilId, Guid AssignmentId, Guid CourseId, string CourseName, string Title, DateTime DueAt, string Path, bool Submitted);
