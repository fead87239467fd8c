using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Data;
using Schoolbel.Server.Lessons;
using Schoolbel.Server.Planner;

namespace Schoolbel.Server.Assignments;

/// <summary>
/// Assignment deadlines in the planner and the calendar feed: a pupil (or a parent for one child)
/// sees what was given to them, a class view what was given to the class, a teacher every
/// deadline of the courses they teach. One entry per assignment (the feed's UID), at its due time.
/// </summary>
internal sealed class AssignmentPlannerSource(SchoolbelDb db, AssignmentDueDates dueDates) : IPlannerSource
{
    public async Task<IReadOnlyList<PlannerEntry>> EntriesAsync(PlannerAudience audience, PlannerRange range, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(audience);
        ArgumentNullException.ThrowIfNull(range);
        IReadOnlyList<DueAssignment> due = audience.View switch
        {
            PlannerView.Teacher => await TaughtAsync(audience.CourseIds, range, cancellationToken),
            PlannerView.Class => await dueDates.ForClassesAsync(audience.ClassIds, range.From, range.To, cancellationToken),
            _ => await dueDates.ForPupilsAsync(audience.PupilIds, range.From, range.To, cancellationToken),
        };

        // ForPupilsAsync answers per pupil; a parent's week of two children shows a shared assignment once.
        return [.. due.DistinctBy(d => d.AssignmentId).Select(d =>
        {
            var local = SchoolTime.ToLocal(d.DueAt);
            return new PlannerEntry(
                $"assignment-{d.AssignmentId:N}", DateOnly.FromDateTime(local), TimeOnly.FromDateTime(local), null,
                PlannerEntryKind.AssignmentDue, d.Title, d.CourseId, d.CourseName, ClassName: null, Url: d.Path);
        })];
    }

    private async Task<IReadOnlyList<DueAssignment>> TaughtAsync(IReadOnlyList<Guid> courseIds, PlannerRange range, CancellationToken cancellationToken)
    {
        var (fromUtc, toUtc) = range.Utc();
        var rows = await db.Set<Assignment>().AsNoTracking()
            .Where(a => courseIds.Contains(a.CourseId) && a.DueAt >= fromUtc && a.DueAt < toUtc)
            .Join(db.Courses, a => a.CourseId, c => c.Id, (a, c) => new { a.Id, a.CourseId, CourseName = c.Name, a.Title, a.DueAt })
            .ToListAsync(cancellationToken);
        return [.. rows.Select(r => new DueAssignment(Guid.Empty, r.Id, r.CourseId, r.CourseName, r.Title, r.DueAt, AssignmentDueDates.PathOf(r.CourseId, r.Id), false))];
    }
}
