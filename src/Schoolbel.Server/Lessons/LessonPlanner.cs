using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Courses;
using Schoolbel.Server.Data;
using Schoolbel.Server.Documents;
using Schoolbel.Server.People;
using Schoolbel.Server.Web;

namespace Schoolbel.Server.Lessons;

/// <summary>
/// Lessons prepared ahead and published per class at a chosen time. Publication is a matter of
/// time alone (<c>PublishAt &lt;= now</c> on the injected clock), so no job has to run at 08:30
/// and nothing can be seen or fetched a second early.
/// </summary>
public sealed class LessonPlanner(SchoolbelDb db, CourseContent content, ContentCache cache, TimeProvider time)
{
    public const int MaxSpreadMinutes = 60;

    public async Task<Outcome<LessonSummary>> CreateAsync(Guid courseId, LessonInput input, CourseViewer editor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(editor);
        var errors = new FieldErrors();
        var title = input.Title?.Trim() ?? "";
        if (title.Length is 0 or > CourseContent.MaxTitleLength)
        {
            errors.Add("title", $"Geef een titel van 1 tot {CourseContent.MaxTitleLength} tekens.");
        }

        if (input.Instructions is { Length: > CourseContent.MaxTextLength })
        {
            errors.Add("instructions", $"De instructies mogen hoogstens {CourseContent.MaxTextLength} tekens lang zijn.");
        }

        if (errors.Any)
        {
            return errors;
        }

        var lesson = new Lesson
        {
            SchoolId = db.CurrentSchoolId ?? throw new InvalidOperationException("No school in scope."),
            CourseId = courseId,
            Title = title,
            Instructions = string.IsNullOrWhiteSpace(input.Instructions) ? null : input.Instructions,
            CreatedAt = time.GetUtcNow().UtcDateTime,
            CreatedBy = editor.PersonId,
        };
        db.Add(lesson);
        await db.SaveChangesAsync(cancellationToken);
        return new LessonSummary(lesson.Id, lesson.CourseId, lesson.Title, null, []);
    }

    /// <summary>
    /// Schedules (or reschedules) a lesson for classes of its course. Without a time it is
    /// published at once. With the school's spreading on and a time in the future, each class
    /// gets its own minute in the window before that time; the chosen times are returned.
    /// </summary>
    public async Task<Outcome<LessonSummary>?> ScheduleAsync(Guid courseId, Guid lessonId, ScheduleInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var lesson = await db.Set<Lesson>().FirstOrDefaultAsync(l => l.Id == lessonId && l.CourseId == courseId, cancellationToken);
        if (lesson is null)
        {
            return null;
        }

        var courseClasses = await db.CourseClasses.Where(c => c.CourseId == courseId)
            .Join(db.Classes, cc => cc.ClassId, c => c.Id, (cc, c) => new { c.Id, c.Name })
            .ToListAsync(cancellationToken);
        var chosen = input.ClassIds is { Count: > 0 } ids ? courseClasses.Where(c => ids.Contains(c.Id)).ToList() : courseClasses;
        var errors = new FieldErrors();
        if (chosen.Count == 0 || (input.ClassIds is { Count: > 0 } wanted && chosen.Count != wanted.Distinct().Count()))
        {
            errors.Add("classIds", "Kies een of meer klassen van dit vak.");
            return errors;
        }

        var now = time.GetUtcNow().UtcDateTime;
        var requested = input.PublishAt is { } at ? TruncateToMinute(at.UtcDateTime) : now;
        lesson.RequestedPublishAt = requested;
        await db.Set<LessonClass>().Where(lc => lc.LessonId == lessonId).ExecuteDeleteAsync(cancellationToken);

        var spread = requested > now ? await SpreadMinutesAsync(cancellationToken) : 0;
        var slots = spread > 0 ? await SlotLoadAsync(requested, spread, lessonId, cancellationToken) : null;
        foreach (var schoolClass in chosen.OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            var publishAt = requested;
            if (slots is not null)
            {
                // One slot per class: a class that already has a lesson due at the same time keeps
                // that minute (its pupils get everything at once); others take the emptiest minute.
                publishAt = await ExistingSlotAsync(schoolClass.Id, requested, lessonId, cancellationToken)
                    ?? slots.OrderBy(s => s.Value).ThenBy(s => s.Key).First().Key;
                slots[publishAt] = slots.GetValueOrDefault(publishAt) + 1;
            }

            db.Add(new LessonClass { SchoolId = lesson.SchoolId, LessonId = lessonId, ClassId = schoolClass.Id, PublishAt = publishAt });
        }

        await db.SaveChangesAsync(cancellationToken);
        cache.Invalidate(courseId);
        return await SummaryAsync(lesson, cancellationToken);
    }

    /// <summary>The course's lessons: all of them for its teachers, the published ones for pupils and parents.</summary>
    public async Task<IReadOnlyList<LessonSummary>> ForCourseAsync(Guid courseId, CourseViewer viewer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(viewer);
        var lessons = db.Set<Lesson>().AsNoTracking().Where(l => l.CourseId == courseId);
        if (!viewer.CanEdit)
        {
            var published = Published(viewer.ClassIds);
            lessons = lessons.Where(l => published.Contains(l.Id));
        }

        var list = await lessons.OrderByDescending(l => l.RequestedPublishAt).ThenByDescending(l => l.CreatedAt).ToListAsync(cancellationToken);
        var result = new List<LessonSummary>(list.Count);
        foreach (var lesson in list)
        {
            result.Add(await SummaryAsync(lesson, cancellationToken));
        }

        return result;
    }

    /// <summary>A lesson with its items as the viewer may see it; null when not (yet) for them.</summary>
    public async Task<LessonDetails?> GetAsync(Guid courseId, Guid lessonId, CourseViewer viewer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(viewer);
        var lesson = await db.Set<Lesson>().AsNoTracking().FirstOrDefaultAsync(l => l.Id == lessonId && l.CourseId == courseId, cancellationToken);
        if (lesson is null || (!viewer.CanEdit && !await Published(viewer.ClassIds).AnyAsync(id => id == lessonId, cancellationToken)))
        {
            return null;
        }

        var items = await content.LessonItemsAsync(courseId, lessonId, viewer, cancellationToken);
        var itemIds = items.Select(i => i.Id).ToList();
        IReadOnlyList<Guid> done = viewer.Role == PersonRole.Pupil
            ? await db.Set<ItemProgress>().Where(p => p.PupilId == viewer.PersonId && itemIds.Contains(p.ItemId)).Select(p => p.ItemId).ToListAsync(cancellationToken)
            : [];
        var progress = viewer.CanEdit ? await ProgressAsync(lessonId, itemIds, cancellationToken) : [];
        return new LessonDetails(await SummaryAsync(lesson, cancellationToken), lesson.Instructions, items, done, progress);
    }

    /// <summary>A pupil marks an item of a lesson published for them done (or not done).</summary>
    public async Task<bool> MarkAsync(Guid courseId, Guid lessonId, Guid itemId, CourseViewer pupil, bool done, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pupil);
        if (pupil.Role != PersonRole.Pupil || await GetAsync(courseId, lessonId, pupil, cancellationToken) is not { } lesson
            || lesson.Items.All(i => i.Id != itemId))
        {
            return false;
        }

        var existing = await db.Set<ItemProgress>().FirstOrDefaultAsync(p => p.ItemId == itemId && p.PupilId == pupil.PersonId, cancellationToken);
        if (done && existing is null)
        {
            db.Add(new ItemProgress { SchoolId = db.CurrentSchoolId!.Value, ItemId = itemId, PupilId = pupil.PersonId, DoneAt = time.GetUtcNow().UtcDateTime });
        }
        else if (!done && existing is not null)
        {
            db.Remove(existing);
        }

        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    /// <summary>Lessons published in the last week for a pupil's classes, newest first, with how much is done.</summary>
    public async Task<IReadOnlyList<TodayLesson>> PublishedForPupilAsync(Guid pupilId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var since = now.AddDays(-7);
        var classIds = db.ClassMemberships.Where(m => m.PupilId == pupilId).Select(m => m.ClassId);
        var rows = await db.Set<LessonClass>().AsNoTracking()
            .Where(lc => classIds.Contains(lc.ClassId) && lc.PublishAt <= now && lc.PublishAt > since)
            .Join(db.Set<Lesson>(), lc => lc.LessonId, l => l.Id, (lc, l) => new { l.Id, l.CourseId, l.Title, lc.PublishAt })
            .Join(db.Courses, x => x.CourseId, c => c.Id, (x, c) => new { x.Id, x.CourseId, x.Title, x.PublishAt, Course = c.Name })
            .ToListAsync(cancellationToken);
        var lessonIds = rows.Select(r => r.Id).Distinct().ToList();
        var items = await db.Set<CourseItem>().AsNoTracking()
            .Where(i => i.LessonId != null && lessonIds.Contains(i.LessonId.Value) && i.DeletedAt == null && !i.Hidden)
            .Select(i => new { i.Id, LessonId = i.LessonId!.Value })
            .ToListAsync(cancellationToken);
        var itemIds = items.Select(i => i.Id).ToList();
        var done = (await db.Set<ItemProgress>().Where(p => p.PupilId == pupilId && itemIds.Contains(p.ItemId)).Select(p => p.ItemId).ToListAsync(cancellationToken)).ToHashSet();
        return rows.GroupBy(r => r.Id)
            .Select(g => g.OrderBy(r => r.PublishAt).First())
            .OrderByDescending(r => r.PublishAt)
            .Select(r => new TodayLesson(r.Id, r.CourseId, r.Course, r.Title, r.PublishAt,
                items.Count(i => i.LessonId == r.Id), items.Count(i => i.LessonId == r.Id && done.Contains(i.Id))))
            .ToList();
    }

    /// <summary>A teacher's lessons due in the coming week, with the exact time per class.</summary>
    public async Task<IReadOnlyList<LessonSummary>> UpcomingForTeacherAsync(Guid teacherId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var courses = db.CourseTeachers.Where(t => t.TeacherId == teacherId).Select(t => t.CourseId);
        var lessons = await db.Set<Lesson>().AsNoTracking()
            .Where(l => courses.Contains(l.CourseId) && l.RequestedPublishAt != null && l.RequestedPublishAt > now.AddHours(-1) && l.RequestedPublishAt < now.AddDays(7))
            .OrderBy(l => l.RequestedPublishAt)
            .ToListAsync(cancellationToken);
        var result = new List<LessonSummary>(lessons.Count);
        foreach (var lesson in lessons)
        {
            result.Add(await SummaryAsync(lesson, cancellationToken));
        }

        return result;
    }

    public async Task<int> SpreadMinutesAsync(CancellationToken cancellationToken) =>
        await db.Set<LessonSettings>().Select(s => (int?)s.SpreadMinutes).FirstOrDefaultAsync(cancellationToken) ?? 0;

    public async Task<Outcome<LessonSettingsView>> SetSpreadMinutesAsync(int minutes, CancellationToken cancellationToken)
    {
        if (minutes is < 0 or > MaxSpreadMinutes)
        {
            var errors = new FieldErrors();
            errors.Add("spreadMinutes", $"Kies 0 (uit) tot {MaxSpreadMinutes} minuten.");
            return errors;
        }

        var settings = await db.Set<LessonSettings>().FirstOrDefaultAsync(cancellationToken);
        if (settings is null)
        {
            db.Add(new LessonSettings { SchoolId = db.CurrentSchoolId!.Value, SpreadMinutes = minutes });
        }
        else
        {
            settings.SpreadMinutes = minutes;
        }

        await db.SaveChangesAsync(cancellationToken);
        return new LessonSettingsView(minutes);
    }

    private IQueryable<Guid> Published(IReadOnlyList<Guid> classIds)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return db.Set<LessonClass>().Where(lc => classIds.Contains(lc.ClassId) && lc.PublishAt <= now).Select(lc => lc.LessonId);
    }

    private async Task<LessonSummary> SummaryAsync(Lesson lesson, CancellationToken cancellationToken)
    {
        var classes = await db.Set<LessonClass>().AsNoTracking().Where(lc => lc.LessonId == lesson.Id)
            .Join(db.Classes, lc => lc.ClassId, c => c.Id, (lc, c) => new LessonClassTime(c.Id, c.Name, lc.PublishAt))
            .ToListAsync(cancellationToken);
        return new LessonSummary(lesson.Id, lesson.CourseId, lesson.Title, lesson.RequestedPublishAt,
            classes.OrderBy(c => c.PublishAt).ThenBy(c => c.ClassName, StringComparer.Ordinal).ToList());
    }

    private async Task<IReadOnlyList<PupilProgress>> ProgressAsync(Guid lessonId, List<Guid> itemIds, CancellationToken cancellationToken)
    {
        var classIds = db.Set<LessonClass>().Where(lc => lc.LessonId == lessonId).Select(lc => lc.ClassId);
        var pupils = await db.ClassMemberships.Where(m => classIds.Contains(m.ClassId))
            .Join(db.People, m => m.PupilId, p => p.Id, (m, p) => new { p.Id, p.FirstName, p.LastName })
            .Distinct()
            .ToListAsync(cancellationToken);
        var pupilIds = pupils.Select(p => p.Id).ToList();
        var done = await db.Set<ItemProgress>().Where(p => itemIds.Contains(p.ItemId) && pupilIds.Contains(p.PupilId))
            .Select(p => new { p.PupilId, p.ItemId }).ToListAsync(cancellationToken);
        var byPupil = done.ToLookup(d => d.PupilId, d => d.ItemId);
        return pupils.OrderBy(p => p.LastName, StringComparer.CurrentCulture).ThenBy(p => p.FirstName, StringComparer.CurrentCulture)
            .Select(p => new PupilProgress(p.Id, p.FirstName + " " + p.LastName, byPupil[p.Id].ToList()))
            .ToList();
    }

    private async Task<Dictionary<DateTime, int>> SlotLoadAsync(DateTime requested, int spread, Guid lessonId, CancellationToken cancellationToken)
    {
        var slots = Enumerable.Range(0, spread).ToDictionary(k => requested.AddMinutes(k - spread), _ => 0);
        var taken = await db.Set<LessonClass>()
            .Where(lc => lc.LessonId != lessonId)
            .Join(db.Set<Lesson>(), lc => lc.LessonId, l => l.Id, (lc, l) => new { lc.ClassId, lc.PublishAt, l.RequestedPublishAt })
            .Where(x => x.RequestedPublishAt == requested)
            .Select(x => new { x.ClassId, x.PublishAt })
            .Distinct()
            .ToListAsync(cancellationToken);
        foreach (var slot in taken.GroupBy(t => t.PublishAt))
        {
            if (slots.ContainsKey(slot.Key))
            {
                slots[slot.Key] = slot.Select(s => s.ClassId).Distinct().Count();
            }
        }

        return slots;
    }

    private async Task<DateTime?> ExistingSlotAsync(Guid classId, DateTime requested, Guid lessonId, CancellationToken cancellationToken) =>
        await db.Set<LessonClass>()
            .Where(lc => lc.ClassId == classId && lc.LessonId != lessonId)
            .Join(db.Set<Lesson>(), lc => lc.LessonId, l => l.Id, (lc, l) => new { lc.PublishAt, l.RequestedPublishAt })
            .Where(x => x.RequestedPublishAt == requested)
            .Select(x => (DateTime?)x.PublishAt)
            .FirstOrDefaultAsync(cancellationToken);

    private static DateTime TruncateToMinute(DateTime value) =>
        new(value.Ticks - value.Ticks % TimeSpan.TicksPerMinute, DateTimeKind.Utc);
}

public sealed record LessonInput(string? Title, string? Instructions = null);

/// <summary>When to publish (null: now) and for which classes of the course (null or empty: all).</summary>
public sealed record ScheduleInput(DateTimeOffset? PublishAt, IReadOnlyList<Guid>? ClassIds = null);

public sealed record LessonClassTime(Guid ClassId, string ClassName, DateTime PublishAt);

public sealed record LessonSummary(Guid Id, Guid CourseId, string Title, DateTime? RequestedPublishAt, IReadOnlyList<LessonClassTime> Classes);

public sealed record PupilProgress(Guid PupilId, string Name, IReadOnlyList<Guid> DoneItemIds);

public sealed record LessonDetails(LessonSummary Lesson, string? Instructions, IReadOnlyList<ItemNode> Items, IReadOnlyList<Guid> DoneItemIds, IReadOnlyList<PupilProgress> Progress);

public sealed record TodayLesson(Guid Id, Guid CourseId, string CourseName, string Title, DateTime PublishedAt, int Items, int Done);

public sealed record LessonSettingsView(int SpreadMinutes);
