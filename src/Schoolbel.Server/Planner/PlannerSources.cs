using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Courses;
using Schoolbel.Server.Data;
using Schoolbel.Server.Lessons;
using Schoolbel.Server.People;

namespace Schoolbel.Server.Planner;

/// <summary>The weekly timetable, laid out on the days of the range.</summary>
internal sealed class TimetablePlannerSource(SchoolbelDb db) : IPlannerSource
{
    public async Task<IReadOnlyList<PlannerEntry>> EntriesAsync(PlannerAudience audience, PlannerRange range, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(audience);
        ArgumentNullException.ThrowIfNull(range);
        var slots = db.Set<TimetableSlot>().AsNoTracking();
        slots = audience.ByCourse
            ? slots.Where(s => audience.CourseIds.Contains(s.CourseId))
            : slots.Where(s => audience.ClassIds.Contains(s.ClassId));
        var rows = await slots
            .Join(db.Courses, s => s.CourseId, c => c.Id, (s, c) => new { Slot = s, CourseName = c.Name })
            .Join(db.Classes, x => x.Slot.ClassId, k => k.Id, (x, k) => new { x.Slot, x.CourseName, ClassName = k.Name })
            .ToListAsync(cancellationToken);
        var byDay = rows.ToLookup(r => r.Slot.Weekday);
        var entries = new List<PlannerEntry>();
        foreach (var day in range.Days())
        {
            foreach (var row in byDay[day.DayOfWeek])
            {
                var slot = row.Slot;
                entries.Add(new PlannerEntry(
                    $"tt-{slot.Id:N}-{day:yyyyMMdd}", day, slot.Start, slot.End, PlannerEntryKind.Lesson, row.CourseName,
                    slot.CourseId, row.CourseName, row.ClassName, Room: slot.Room, Url: $"/courses/{slot.CourseId}"));
            }
        }

        return entries;
    }
}

/// <summary>Homework, tests and things to bring.</summary>
internal sealed class PlannerItemsSource(SchoolbelDb db) : IPlannerSource
{
    public async Task<IReadOnlyList<PlannerEntry>> EntriesAsync(PlannerAudience audience, PlannerRange range, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(audience);
        ArgumentNullException.ThrowIfNull(range);
        var items = db.Set<PlannerItem>().AsNoTracking().Where(i => i.Day >= range.From && i.Day <= range.To);
        items = audience.ByCourse
            ? items.Where(i => audience.CourseIds.Contains(i.CourseId))
            : items.Where(i => audience.ClassIds.Contains(i.ClassId));
        var rows = await items
            .Join(db.Courses, i => i.CourseId, c => c.Id, (i, c) => new { Item = i, CourseName = c.Name })
            .Join(db.Classes, x => x.Item.ClassId, k => k.Id, (x, k) => new { x.Item, x.CourseName, ClassName = k.Name })
            .ToListAsync(cancellationToken);
        return rows.Select(r => new PlannerEntry(
                $"item-{r.Item.Id:N}", r.Item.Day, null, null, KindOf(r.Item.Kind), r.Item.Title,
                r.Item.CourseId, r.CourseName, r.ClassName, Details: r.Item.Details, Url: $"/courses/{r.Item.CourseId}", ItemId: r.Item.Id))
            .ToList();
    }

    public static PlannerEntryKind KindOf(PlannerItemKind kind) => kind switch
    {
        PlannerItemKind.Homework => PlannerEntryKind.Homework,
        PlannerItemKind.Test => PlannerEntryKind.Test,
        _ => PlannerEntryKind.Bring,
    };
}

/// <summary>
/// Lessons (Lessons/) on the day they are published. Pupils and class views see a lesson only
/// from the moment <see cref="LessonVisibility"/> shows it to them, and only when that moment
/// has passed; teachers see their courses' lessons on the day they are scheduled for, ahead too.
/// </summary>
internal sealed class PublishedLessonsSource(SchoolbelDb db) : IPlannerSource
{
    public async Task<IReadOnlyList<PlannerEntry>> EntriesAsync(PlannerAudience audience, PlannerRange range, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(audience);
        ArgumentNullException.ThrowIfNull(range);
        var (fromUtc, toUtc) = range.Utc();
        var now = range.Now;
        var slots = db.Set<LessonClass>().AsNoTracking();
        var lessons = db.Set<Lesson>().AsNoTracking();
        IQueryable<Guid> candidates;
        if (audience.ByCourse)
        {
            candidates = lessons.Where(l => audience.CourseIds.Contains(l.CourseId)
                && slots.Any(s => s.LessonId == l.Id && s.PublishAt >= fromUtc && s.PublishAt < toUtc)).Select(l => l.Id);
        }
        else
        {
            // Published in the range for one of the classes, or (a chosen pupil) for any class of a direct course.
            var published = slots.Where(s => s.PublishAt >= fromUtc && s.PublishAt < toUtc && s.PublishAt <= now);
            candidates = published.Where(s => audience.ClassIds.Contains(s.ClassId)).Select(s => s.LessonId)
                .Union(published.Join(lessons.Where(l => audience.DirectCourseIds.Contains(l.CourseId)), s => s.LessonId, l => l.Id, (s, l) => l.Id));
        }

        var found = await lessons.Where(l => candidates.Contains(l.Id))
            .Join(db.Courses, l => l.CourseId, c => c.Id, (l, c) => new { l.Id, l.CourseId, l.Title, CourseName = c.Name })
            .ToListAsync(cancellationToken);
        if (found.Count == 0)
        {
            return [];
        }

        var ids = found.Select(l => l.Id).ToList();
        var allSlots = (await slots.Where(s => ids.Contains(s.LessonId))
                .Join(db.Classes, s => s.ClassId, k => k.Id, (s, k) => new { s.LessonId, s.ClassId, s.PublishAt, ClassName = k.Name })
                .ToListAsync(cancellationToken))
            .ToLookup(s => s.LessonId);
        var entries = new List<PlannerEntry>(found.Count);
        foreach (var lesson in found)
        {
            var lessonSlots = allSlots[lesson.Id].ToList();
            DateTime? at;
            string? classNames;
            if (audience.ByCourse)
            {
                var inRange = lessonSlots.Where(s => s.PublishAt >= fromUtc && s.PublishAt < toUtc).ToList();
                at = inRange.Count == 0 ? null : inRange.Min(s => s.PublishAt);
                classNames = string.Join(", ", inRange.OrderBy(s => s.PublishAt).Select(s => s.ClassName).Distinct());
            }
            else
            {
                var viewer = new CourseViewer(audience.PersonId, PersonRole.Pupil, CanEdit: false, audience.ClassIds, audience.DirectCourseIds.Contains(lesson.CourseId));
                at = LessonVisibility.VisibleFrom([.. lessonSlots.Select(s => new LessonSlot(s.ClassId, s.PublishAt))], viewer);
                classNames = string.Join(", ", lessonSlots.Where(s => audience.ClassIds.Contains(s.ClassId)).Select(s => s.ClassName).Distinct());
                if (at > now)
                {
                    continue;
                }
            }

            if (at is not { } publishedAt || publishedAt < fromUtc || publishedAt >= toUtc)
            {
                continue;
            }

            var local = SchoolTime.ToLocal(publishedAt);
            entries.Add(new PlannerEntry(
                $"lesson-{lesson.Id:N}", DateOnly.FromDateTime(local), TimeOnly.FromDateTime(local), null, PlannerEntryKind.PublishedLesson,
                lesson.Title, lesson.CourseId, lesson.CourseName, classNames.Length == 0 ? null : classNames,
                Details: publishedAt > now ? "Gepland, nog niet zichtbaar voor leerlingen." : null,
                Url: $"/courses/{lesson.CourseId}/lessons/{lesson.Id}"));
        }

        return entries;
    }
}
