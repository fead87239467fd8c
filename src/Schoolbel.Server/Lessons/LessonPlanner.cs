using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Courses;
using Schoolbel.Server.Data;
using Schoolbel.Server.Documents;
using Schoolbel.Server.HotReads;
using Schoolbel.Server.People;
using Schoolbel.Server.Web;

namespace Schoolbel.Server.Lessons;

/// <summary>
/// Lessons prepared ahead and published per class at a chosen time. Publication is a matter of
/// time alone (<c>PublishAt &lt;= now</c> on the injected clock), so no job has to run at 08:30
/// and nothing can be seen or fetched a second early. What pupils read is cached (course
/// lessons and lesson contents by course, schedules by class, marks by pupil); the cached
/// values hold the times, and the clock is applied when reading.
/// </summary>
public sealed class LessonPlanner(SchoolbelDb db, CourseContent content, CourseAccess access, CoursesAdmin courses, HotCache cache, TimeProvider time)
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
        cache.Invalidate(HotTags.Course(courseId));
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
        var before = await db.Set<LessonClass>().Where(lc => lc.LessonId == lessonId).Select(lc => lc.ClassId).ToListAsync(cancellationToken);
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
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
            await transaction.CommitAsync(cancellationToken);
        }

        // The course's lesson list and this lesson's slots, and the schedules of the classes it
        // was and now is for (their pupils' today pages).
        cache.Invalidate([HotTags.Course(courseId), .. before.Union(chosen.Select(c => c.Id)).Select(HotTags.Class)]);
        return await SummaryAsync(lesson, cancellationToken);
    }

    /// <summary>The course's lessons: all of them for its teachers, the published ones for pupils and parents.</summary>
    public async Task<IReadOnlyList<LessonSummary>> ForCourseAsync(Guid courseId, CourseViewer viewer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(viewer);
        var lessons = await CourseLessonsAsync(courseId, cancellationToken);
        var names = await access.ClassNamesAsync(cancellationToken);
        var now = Now;
        return lessons.Where(l => LessonVisibility.IsVisible(l.Slots, viewer, now)).Select(l => Summary(l, names)).ToList();
    }

    /// <summary>A lesson with its items as the viewer may see it; null when not (yet) for them.</summary>
    public async Task<LessonDetails?> GetAsync(Guid courseId, Guid lessonId, CourseViewer viewer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(viewer);
        var lesson = await LessonContentAsync(courseId, lessonId, cancellationToken);
        if (lesson is null || !LessonVisibility.IsVisible(lesson.Head.Slots, viewer, Now))
        {
            return null;
        }

        var items = viewer.CanEdit ? lesson.Items : lesson.Items.Where(i => !i.Hidden).ToList();
        var itemIds = items.Select(i => i.Id).ToList();
        IReadOnlyList<Guid> done = viewer.Role == PersonRole.Pupil
            ? (await DoneItemsAsync(viewer.PersonId, [lessonId], cancellationToken)).Where(itemIds.Contains).ToList()
            : [];
        var progress = viewer.CanEdit ? await ProgressAsync(courseId, lessonId, itemIds, cancellationToken) : [];
        return new LessonDetails(Summary(lesson.Head, await access.ClassNamesAsync(cancellationToken)), lesson.Instructions, items, done, progress);
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
        cache.Invalidate(HotTags.Person(pupil.PersonId));
        return true;
    }

    /// <summary>
    /// Lessons published in the last week for a pupil, newest first, with how much is done: those
    /// of the pupil's classes, and those of the courses the pupil follows directly (see
    /// <see cref="LessonVisibility"/>). Built from cached entries: the schedule of each class, the
    /// lessons of each direct course, each lesson's contents and the pupil's marks; the clock
    /// decides what is published.
    /// </summary>
    public async Task<IReadOnlyList<TodayLesson>> PublishedForPupilAsync(Guid pupilId, CancellationToken cancellationToken)
    {
        var now = Now;
        var since = now.AddDays(-7);
        var pupil = await access.PupilAsync(pupilId, cancellationToken);
        var first = new Dictionary<Guid, (Guid CourseId, DateTime At)>();
        void Offer(Guid lessonId, Guid courseId, DateTime at)
        {
            if (at <= now && at > since && (!first.TryGetValue(lessonId, out var known) || at < known.At))
            {
                first[lessonId] = (courseId, at);
            }
        }

        foreach (var classId in pupil.ClassIds)
        {
            foreach (var scheduled in await ClassScheduleAsync(classId, now, cancellationToken))
            {
                Offer(scheduled.LessonId, scheduled.CourseId, scheduled.PublishAt);
            }
        }

        foreach (var courseId in pupil.DirectCourseIds)
        {
            foreach (var lesson in await CourseLessonsAsync(courseId, cancellationToken))
            {
                if (LessonVisibility.ForTheCourse(lesson.Slots) is { } at)
                {
                    Offer(lesson.Id, courseId, at);
                }
            }
        }

        if (first.Count == 0)
        {
            return [];
        }

        var done = (await DoneItemsAsync(pupilId, first.Keys, cancellationToken)).ToHashSet();
        var contents = await LessonContentsAsync([.. first.Select(f => (f.Key, f.Value.CourseId))], cancellationToken);
        var courseNames = pupil.Courses.ToDictionary(c => c.Id, c => c.Name);
        var result = new List<TodayLesson>(first.Count);
        foreach (var (lessonId, (courseId, at)) in first)
        {
            if (!contents.TryGetValue(lessonId, out var lesson))
            {
                continue;
            }

            var items = lesson.Items.Where(i => !i.Hidden).ToList();
            var courseName = courseNames.GetValueOrDefault(courseId) ?? (await courses.GetAsync(courseId, cancellationToken))?.Name ?? "";
            result.Add(new TodayLesson(lessonId, courseId, courseName, lesson.Head.Title, at, items.Count, items.Count(i => done.Contains(i.Id))));
        }

        return result.OrderByDescending(r => r.PublishedAt).ToList();
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

    /// <summary>All lessons of a course with their publication slots, newest first (cached).</summary>
    public async Task<IReadOnlyList<LessonHead>> CourseLessonsAsync(Guid courseId, CancellationToken cancellationToken)
    {
        var school = SchoolId;
        return await cache.GetOrLoadAsync(
            HotKinds.CourseLessons,
            CourseLessonsKey(school, courseId),
            [HotTags.Course(courseId)],
            async () => (await LoadCourseLessonsAsync([courseId], CancellationToken.None))[courseId]);
    }

    /// <summary>A lesson with its slots, instructions and items, hidden ones too (cached); null when not in this course.</summary>
    public async Task<LessonContent?> LessonContentAsync(Guid courseId, Guid lessonId, CancellationToken cancellationToken)
    {
        var school = SchoolId;
        return await cache.GetOrLoadAsync(
            HotKinds.Lesson,
            LessonKey(school, courseId, lessonId),
            [HotTags.Course(courseId)],
            async () => (await LoadLessonContentsAsync([lessonId], CancellationToken.None)).GetValueOrDefault(lessonId) is { } found && found.Head.CourseId == courseId
                ? found
                : null,
            cacheNull: false);
    }

    /// <summary>
    /// The contents of several lessons (as <see cref="LessonContentAsync"/>, by lesson id; lessons
    /// not in the given course are left out). Those this node does not hold are loaded together:
    /// the first pupil of a class the warm-up did not reach would otherwise load each lesson of
    /// their today page with queries of its own.
    /// </summary>
    internal async Task<Dictionary<Guid, LessonContent>> LessonContentsAsync(IReadOnlyList<(Guid LessonId, Guid CourseId)> lessons, CancellationToken cancellationToken)
    {
        var school = SchoolId;
        var found = new Dictionary<Guid, LessonContent>(lessons.Count);
        var missing = new List<(Guid LessonId, Guid CourseId)>();
        foreach (var (lessonId, courseId) in lessons)
        {
            if (await cache.PeekAsync<LessonContent?>(HotKinds.Lesson, LessonKey(school, courseId, lessonId), [HotTags.Course(courseId)]) is { Value: { } content })
            {
                found[lessonId] = content;
            }
            else
            {
                missing.Add((lessonId, courseId));
            }
        }

        if (missing.Count == 1)
        {
            // One miss: the single-flight load, shared with whoever asks for it at the same moment.
            if (await LessonContentAsync(missing[0].CourseId, missing[0].LessonId, cancellationToken) is { } content)
            {
                found[missing[0].LessonId] = content;
            }
        }
        else if (missing.Count > 1)
        {
            var stamp = cache.Stamp();
            var loaded = await LoadLessonContentsAsync([.. missing.Select(m => m.LessonId)], cancellationToken);
            foreach (var (lessonId, courseId) in missing)
            {
                if (loaded.GetValueOrDefault(lessonId) is { } content && content.Head.CourseId == courseId)
                {
                    await cache.SetAsync<LessonContent?>(HotKinds.Lesson, LessonKey(school, courseId, lessonId), [HotTags.Course(courseId)], content, stamp);
                    found[lessonId] = content;
                }
            }
        }

        return found;
    }

    /// <summary>
    /// The lessons scheduled for a class from a week before <paramref name="now"/>'s school day
    /// on, future ones included (cached per class and day: what is published is decided when
    /// reading, so the entry stays right when a scheduled time passes).
    /// </summary>
    public async Task<IReadOnlyList<ScheduledLesson>> ClassScheduleAsync(Guid classId, DateTime now, CancellationToken cancellationToken)
    {
        var school = SchoolId;
        var day = SchoolTime.LocalDate(now);
        return await cache.GetOrLoadAsync(
            HotKinds.ClassSchedule,
            ClassScheduleKey(school, classId, day),
            [HotTags.Class(classId)],
            async () => (await LoadClassSchedulesAsync([classId], day, CancellationToken.None))[classId]);
    }

    /// <summary>
    /// What a pupil marked done among the items of these lessons (cached per pupil and set of
    /// lessons). Loading a set of several lessons (the today page) also fills each lesson's own
    /// entry from the same query, so the lesson page the pupil opens next needs none.
    /// </summary>
    public async Task<IReadOnlyList<Guid>> DoneItemsAsync(Guid pupilId, IEnumerable<Guid> lessonIds, CancellationToken cancellationToken)
    {
        var school = SchoolId;
        var ids = lessonIds.Distinct().Order().ToList();
        string[] tags = [HotTags.Person(pupilId)];
        return await cache.GetOrLoadAsync(
            HotKinds.Done,
            DoneKey(school, pupilId, ids),
            tags,
            async () =>
            {
                // Taken before reading: a mark made while loading keeps the per-lesson entries out.
                var stamp = cache.Stamp();
                var rows = await db.Set<ItemProgress>().Where(p => p.PupilId == pupilId)
                    .Join(db.Set<CourseItem>().Where(i => i.LessonId != null && ids.Contains(i.LessonId.Value)), p => p.ItemId, i => i.Id, (p, i) => new { p.ItemId, LessonId = i.LessonId!.Value })
                    .ToListAsync(CancellationToken.None);
                if (ids.Count > 1)
                {
                    foreach (var lessonId in ids)
                    {
                        IReadOnlyList<Guid> ofLesson = [.. rows.Where(r => r.LessonId == lessonId).Select(r => r.ItemId)];
                        await cache.SetAsync(HotKinds.Done, DoneKey(school, pupilId, [lessonId]), tags, ofLesson, stamp);
                    }
                }

                return (IReadOnlyList<Guid>)[.. rows.Select(r => r.ItemId)];
            });
    }

    /// <summary>The key of a pupil's done items among a set of lessons (<paramref name="sortedLessonIds"/>, distinct and in order).</summary>
    private static string DoneKey(Guid schoolId, Guid pupilId, List<Guid> sortedLessonIds)
    {
        var bytes = new byte[sortedLessonIds.Count * 16];
        for (var i = 0; i < sortedLessonIds.Count; i++)
        {
            sortedLessonIds[i].TryWriteBytes(bytes.AsSpan(i * 16));
        }

        return HotKeys.Of(HotKinds.Done, schoolId, pupilId, Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes), 0, 12));
    }

    internal static string LessonKey(Guid schoolId, Guid courseId, Guid lessonId) => HotKeys.Of(HotKinds.Lesson, schoolId, courseId, lessonId);

    internal static string CourseLessonsKey(Guid schoolId, Guid courseId) => HotKeys.Of(HotKinds.CourseLessons, schoolId, courseId);

    internal static string ClassScheduleKey(Guid schoolId, Guid classId, DateOnly day) =>
        HotKeys.Of(HotKinds.ClassSchedule, schoolId, classId, day.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The schedules of some classes for <paramref name="day"/> in one query (see <see cref="ClassScheduleAsync"/>).</summary>
    internal async Task<Dictionary<Guid, IReadOnlyList<ScheduledLesson>>> LoadClassSchedulesAsync(IReadOnlyCollection<Guid> classIds, DateOnly day, CancellationToken cancellationToken)
    {
        var ids = classIds.Distinct().ToList();
        var since = SchoolTime.StartOfDayUtc(day).AddDays(-7);
        var rows = await db.Set<LessonClass>().AsNoTracking()
            .Where(lc => ids.Contains(lc.ClassId) && lc.PublishAt > since)
            .Join(db.Set<Lesson>(), lc => lc.LessonId, l => l.Id, (lc, l) => new { lc.ClassId, lc.LessonId, l.CourseId, lc.PublishAt })
            .ToListAsync(cancellationToken);
        var byClass = rows.ToLookup(r => r.ClassId);
        return ids.ToDictionary(
            id => id,
            id => (IReadOnlyList<ScheduledLesson>)byClass[id].OrderBy(r => r.PublishAt).Select(r => new ScheduledLesson(r.LessonId, r.CourseId, r.PublishAt)).ToList());
    }

    /// <summary>The lessons (with slots) of some courses, each course's newest first.</summary>
    internal async Task<Dictionary<Guid, IReadOnlyList<LessonHead>>> LoadCourseLessonsAsync(IReadOnlyCollection<Guid> courseIds, CancellationToken cancellationToken)
    {
        var ids = courseIds.Distinct().ToList();
        var lessons = await db.Set<Lesson>().AsNoTracking().Where(l => ids.Contains(l.CourseId))
            .OrderByDescending(l => l.RequestedPublishAt).ThenByDescending(l => l.CreatedAt)
            .ToListAsync(cancellationToken);
        var slots = await SlotsOfAsync(db.Set<LessonClass>().Where(lc => db.Set<Lesson>().Any(l => l.Id == lc.LessonId && ids.Contains(l.CourseId))), cancellationToken);
        var byCourse = lessons.ToLookup(l => l.CourseId);
        return ids.ToDictionary(id => id, id => (IReadOnlyList<LessonHead>)byCourse[id].Select(l => Head(l, slots)).ToList());
    }

    /// <summary>Some lessons with their slots, instructions and items, in four queries.</summary>
    internal async Task<Dictionary<Guid, LessonContent>> LoadLessonContentsAsync(IReadOnlyCollection<Guid> lessonIds, CancellationToken cancellationToken)
    {
        var ids = lessonIds.Distinct().ToList();
        var lessons = await db.Set<Lesson>().AsNoTracking().Where(l => ids.Contains(l.Id)).ToListAsync(cancellationToken);
        var slots = await SlotsOfAsync(db.Set<LessonClass>().Where(lc => ids.Contains(lc.LessonId)), cancellationToken);
        var items = await content.LoadLessonItemsAsync(ids, cancellationToken);
        return lessons.ToDictionary(l => l.Id, l => new LessonContent(Head(l, slots), l.Instructions, items[l.Id]));
    }

    public async Task<int> SpreadMinutesAsync(CancellationToken cancellationToken) =>
        await db.Set<LessonSettings>().Select(s => (int?)s.SpreadMinutes).FirstOrDefaultAsync(cancellationToken) ?? 0;

    /// <summary>When the school's first lesson starts (school-local time; 08:30 unless the school set it).</summary>
    public async Task<TimeOnly> FirstLessonAtAsync(CancellationToken cancellationToken) =>
        await db.Set<LessonSettings>().Select(s => (TimeOnly?)s.FirstLessonAt).FirstOrDefaultAsync(cancellationToken) ?? LessonSettings.DefaultFirstLessonAt;

    public async Task<LessonSettingsView> SettingsAsync(CancellationToken cancellationToken)
    {
        var settings = await db.Set<LessonSettings>().AsNoTracking().FirstOrDefaultAsync(cancellationToken);
        return new LessonSettingsView(settings?.SpreadMinutes ?? 0, LessonSettingsView.Format(settings?.FirstLessonAt ?? LessonSettings.DefaultFirstLessonAt));
    }

    /// <summary>Changes the school's lesson settings; what is left out (null) stays as it is.</summary>
    public async Task<Outcome<LessonSettingsView>> SetSettingsAsync(LessonSettingsInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var errors = new FieldErrors();
        if (input.SpreadMinutes is < 0 or > MaxSpreadMinutes)
        {
            errors.Add("spreadMinutes", $"Kies 0 (uit) tot {MaxSpreadMinutes} minuten.");
        }

        TimeOnly? firstLesson = null;
        if (input.FirstLessonAt is { } text)
        {
            if (LessonSettingsView.Parse(text) is { } parsed && parsed >= LessonSettings.EarliestFirstLessonAt && parsed <= LessonSettings.LatestFirstLessonAt)
            {
                firstLesson = parsed;
            }
            else
            {
                errors.Add("firstLessonAt", $"Geef het uur van de eerste les als 08:30, tussen {LessonSettingsView.Format(LessonSettings.EarliestFirstLessonAt)} en {LessonSettingsView.Format(LessonSettings.LatestFirstLessonAt)}.");
            }
        }

        if (errors.Any)
        {
            return errors;
        }

        var settings = await db.Set<LessonSettings>().FirstOrDefaultAsync(cancellationToken);
        if (settings is null)
        {
            settings = new LessonSettings { SchoolId = db.CurrentSchoolId!.Value };
            db.Add(settings);
        }

        settings.SpreadMinutes = input.SpreadMinutes ?? settings.SpreadMinutes;
        settings.FirstLessonAt = firstLesson ?? settings.FirstLessonAt;
        await db.SaveChangesAsync(cancellationToken);
        return new LessonSettingsView(settings.SpreadMinutes, LessonSettingsView.Format(settings.FirstLessonAt));
    }

    /// <summary>A summary with the classes' names, each class's time in order.</summary>
    public static LessonSummary Summary(LessonHead lesson, SchoolClassNames names)
    {
        ArgumentNullException.ThrowIfNull(lesson);
        ArgumentNullException.ThrowIfNull(names);
        return new LessonSummary(lesson.Id, lesson.CourseId, lesson.Title, lesson.RequestedPublishAt,
            lesson.Slots.Select(s => new LessonClassTime(s.ClassId, names.NameOf(s.ClassId), s.PublishAt))
                .OrderBy(c => c.PublishAt).ThenBy(c => c.ClassName, StringComparer.Ordinal).ToList());
    }

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    private Guid SchoolId => db.CurrentSchoolId ?? throw new InvalidOperationException("No school in scope.");

    private static LessonHead Head(Lesson lesson, ILookup<Guid, LessonSlot> slots) =>
        new(lesson.Id, lesson.CourseId, lesson.Title, lesson.RequestedPublishAt, lesson.CreatedAt, slots[lesson.Id].ToList());

    private static async Task<ILookup<Guid, LessonSlot>> SlotsOfAsync(IQueryable<LessonClass> slots, CancellationToken cancellationToken) =>
        (await slots.AsNoTracking().Select(lc => new { lc.LessonId, lc.ClassId, lc.PublishAt }).ToListAsync(cancellationToken))
            .OrderBy(s => s.PublishAt)
            .ToLookup(s => s.LessonId, s => new LessonSlot(s.ClassId, s.PublishAt));

    private async Task<LessonSummary> SummaryAsync(Lesson lesson, CancellationToken cancellationToken)
    {
        var classes = await db.Set<LessonClass>().AsNoTracking().Where(lc => lc.LessonId == lesson.Id)
            .Join(db.Classes, lc => lc.ClassId, c => c.Id, (lc, c) => new LessonClassTime(c.Id, c.Name, lc.PublishAt))
            .ToListAsync(cancellationToken);
        return new LessonSummary(lesson.Id, lesson.CourseId, lesson.Title, lesson.RequestedPublishAt,
            classes.OrderBy(c => c.PublishAt).ThenBy(c => c.ClassName, StringComparer.Ordinal).ToList());
    }

    private async Task<IReadOnlyList<PupilProgress>> ProgressAsync(Guid courseId, Guid lessonId, List<Guid> itemIds, CancellationToken cancellationToken)
    {
        // The pupils of the classes it is scheduled for, and (once it is scheduled at all) the
        // course's directly enrolled pupils, who see it too.
        var classIds = db.Set<LessonClass>().Where(lc => lc.LessonId == lessonId).Select(lc => lc.ClassId);
        var inClasses = db.ClassMemberships.Where(m => classIds.Contains(m.ClassId)).Select(m => m.PupilId);
        var direct = db.CoursePupils.Where(p => p.CourseId == courseId && classIds.Any()).Select(p => p.PupilId);
        var pupils = await db.People.Where(p => inClasses.Contains(p.Id) || direct.Contains(p.Id))
            .Select(p => new { p.Id, p.FirstName, p.LastName })
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

/// <summary>The school's lesson settings: spreading window (minutes, 0 = off) and the start of its first lesson ("08:30", school-local).</summary>
public sealed record LessonSettingsView(int SpreadMinutes, string FirstLessonAt)
{
    public static string Format(TimeOnly time) => time.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture);

    public static TimeOnly? Parse(string? text) =>
        TimeOnly.TryParseExact(text?.Trim(), ["H:mm", "HH:mm", "HH:mm:ss"], System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var time)
            ? time
            : null;
}

/// <summary>A change to the lesson settings; null leaves a setting as it is.</summary>
public sealed record LessonSettingsInput(int? SpreadMinutes = null, string? FirstLessonAt = null);

/// <summary>One class's time for a lesson, as cached.</summary>
public sealed record LessonSlot(Guid ClassId, DateTime PublishAt);

/// <summary>A lesson and its slots (earliest first), as cached per course.</summary>
public sealed record LessonHead(Guid Id, Guid CourseId, string Title, DateTime? RequestedPublishAt, DateTime CreatedAt, IReadOnlyList<LessonSlot> Slots);

/// <summary>A lesson with its instructions and its not deleted items (hidden ones too), as cached.</summary>
public sealed record LessonContent(LessonHead Head, string? Instructions, IReadOnlyList<ItemNode> Items);

/// <summary>A lesson scheduled for a class, as cached per class.</summary>
public sealed record ScheduledLesson(Guid LessonId, Guid CourseId, DateTime PublishAt);
