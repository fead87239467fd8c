using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Schoolbel.Server.Courses;
using Schoolbel.Server.Data;
using Schoolbel.Server.Documents;
using Schoolbel.Server.Lessons;
using Schoolbel.Server.Schools;

namespace Schoolbel.Server.HotReads;

/// <summary>
/// Fills the hot-read cache before each school's first lesson (<see cref="LessonSettings.FirstLessonAt"/>,
/// minus <see cref="HotReadsOptions.WarmUpLead"/>), from the lessons scheduled for that morning:
/// the schedules of the classes they are for, the contents of every lesson those classes' pupils
/// see that day, the trees, lesson lists and details of their courses, and the pupils' classes,
/// courses and permissions. Values are loaded in batches (a handful of queries per school, not
/// one per pupil), one school at a time, outside any request. Entries are filled only if no write
/// invalidated them while loading.
/// </summary>
public sealed partial class MorningWarmUp(
    SchoolbelDb db,
    IServiceScopeFactory scopes,
    SchoolDirectory directory,
    WarmUpStatus status,
    IOptions<HotReadsOptions> options,
    ILogger<MorningWarmUp> logger)
{
    /// <summary>The morning whose lessons are warmed and forecast: from midnight to 13:00, school-local.</summary>
    public static readonly TimeOnly MorningEnds = new(13, 0);

    /// <summary>
    /// Warms every school whose warm-up time has come at <paramref name="instant"/> (from
    /// <see cref="HotReadsOptions.WarmUpLead"/> before its first lesson until the end of the
    /// morning) and that was not yet warmed that day on this node. Returns those schools.
    /// </summary>
    public async Task<IReadOnlyList<WarmUpRecord>> WarmDueAsync(DateTimeOffset instant, CancellationToken cancellationToken)
    {
        var now = instant.UtcDateTime;
        var day = SchoolTime.LocalDate(now);
        var morningEnds = SchoolTime.AtUtc(day, MorningEnds);
        var warmed = new List<WarmUpRecord>();
        foreach (var school in await TimetablesAsync(cancellationToken))
        {
            var warmFrom = SchoolTime.AtUtc(day, school.FirstLessonAt) - options.Value.WarmUpLead;
            if (now < warmFrom || now >= morningEnds || status.Find(school.Id, day) is not null)
            {
                continue;
            }

            warmed.Add(await WarmSchoolAsync(school.Id, day, cancellationToken));
        }

        return warmed;
    }

    /// <summary>Each school with the start of its first lesson.</summary>
    public async Task<IReadOnlyList<SchoolTimetable>> TimetablesAsync(CancellationToken cancellationToken)
    {
        var settings = await db.Set<LessonSettings>().IgnoreQueryFilters().AsNoTracking()
            .ToDictionaryAsync(s => s.SchoolId, s => s.FirstLessonAt, cancellationToken);
        return (await db.Schools.AsNoTracking().OrderBy(s => s.Code).Select(s => new { s.Id, s.Code, s.Name }).ToListAsync(cancellationToken))
            .Select(s => new SchoolTimetable(s.Id, s.Code, s.Name, settings.GetValueOrDefault(s.Id, LessonSettings.DefaultFirstLessonAt)))
            .ToList();
    }

    /// <summary>Warms one school for the morning of <paramref name="day"/>, in a scope of its own, and records it.</summary>
    public async Task<WarmUpRecord> WarmSchoolAsync(Guid schoolId, DateOnly day, CancellationToken cancellationToken)
    {
        var info = await directory.FindByIdAsync(schoolId, cancellationToken) ?? throw new InvalidOperationException($"No school {schoolId}.");
        var started = Stopwatch.GetTimestamp();
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<SchoolScope>().Enter(info);
        var record = await scope.ServiceProvider.GetRequiredService<SchoolWarmUp>().WarmAsync(day, cancellationToken)
            with { Took = Stopwatch.GetElapsedTime(started) };
        status.Record(record);
        LogWarmed(logger, info.Code, day, record.Classes, record.Lessons, record.Pupils, record.Entries, record.Took.TotalMilliseconds);
        return record;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Warmed the cache of {School} for {Day}: {Classes} classes, {Lessons} lessons, {Pupils} pupils, {Entries} entries in {Milliseconds:0} ms")]
    private static partial void LogWarmed(ILogger logger, string school, DateOnly day, int classes, int lessons, int pupils, int entries, double milliseconds);
}

/// <summary>The warm-up of one school (the scope has entered it).</summary>
public sealed class SchoolWarmUp(SchoolbelDb db, HotCache cache, CourseAccess access, CoursesAdmin courses, CourseContent content, LessonPlanner lessons, TimeProvider time)
{
    private const int Batch = 200;

    public async Task<WarmUpRecord> WarmAsync(DateOnly day, CancellationToken cancellationToken)
    {
        var school = db.CurrentSchoolId ?? throw new InvalidOperationException("No school in scope.");
        // Taken before reading: a write during the warm-up wins over what we read.
        var stamp = cache.Stamp();
        var from = SchoolTime.StartOfDayUtc(day);
        var until = SchoolTime.AtUtc(day, MorningWarmUp.MorningEnds);
        var morning = await db.Set<LessonClass>().AsNoTracking()
            .Where(lc => lc.PublishAt >= from && lc.PublishAt < until)
            .Join(db.Set<Lesson>(), lc => lc.LessonId, l => l.Id, (lc, l) => new { lc.ClassId, lc.LessonId, l.CourseId })
            .ToListAsync(cancellationToken);
        var entries = 0;
        var classIds = morning.Select(m => m.ClassId).Distinct().ToList();
        var courseIds = morning.Select(m => m.CourseId).Distinct().ToList();

        // The classes' schedules (their pupils' today pages) and every lesson on them up to the
        // end of the morning: last week's too, as the today page lists them.
        var lessonCourses = new Dictionary<Guid, Guid>();
        foreach (var chunk in classIds.Chunk(Batch))
        {
            foreach (var (classId, schedule) in await lessons.LoadClassSchedulesAsync(chunk, day, cancellationToken))
            {
                entries += await SetAsync(HotKinds.ClassSchedule, LessonPlanner.ClassScheduleKey(school, classId, day), [HotTags.Class(classId)], schedule);
                foreach (var scheduled in schedule.Where(s => s.PublishAt < until))
                {
                    lessonCourses[scheduled.LessonId] = scheduled.CourseId;
                }
            }
        }

        foreach (var chunk in lessonCourses.Keys.Chunk(Batch))
        {
            foreach (var (lessonId, lesson) in await lessons.LoadLessonContentsAsync(chunk, cancellationToken))
            {
                entries += await SetAsync(HotKinds.Lesson, LessonPlanner.LessonKey(school, lesson.Head.CourseId, lessonId), [HotTags.Course(lesson.Head.CourseId)], lesson);
            }
        }

        // The courses of the morning's lessons: their pages.
        foreach (var chunk in courseIds.Chunk(Batch))
        {
            foreach (var (courseId, tree) in await content.LoadTreesAsync(chunk, cancellationToken))
            {
                entries += await SetAsync(HotKinds.Tree, CourseContent.TreeKey(school, courseId), [HotTags.Course(courseId)], tree);
            }

            foreach (var (courseId, list) in await lessons.LoadCourseLessonsAsync(chunk, cancellationToken))
            {
                entries += await SetAsync(HotKinds.CourseLessons, LessonPlanner.CourseLessonsKey(school, courseId), [HotTags.Course(courseId)], list);
            }
        }

        foreach (var courseId in courseIds)
        {
            await courses.GetAsync(courseId, cancellationToken);
            entries++;
        }

        await access.ClassNamesAsync(cancellationToken);

        // The pupils they reach: their classes, courses and permissions.
        var pupilIds = await db.ClassMemberships.AsNoTracking().Where(m => classIds.Contains(m.ClassId)).Select(m => m.PupilId)
            .Union(db.CoursePupils.AsNoTracking().Where(p => courseIds.Contains(p.CourseId)).Select(p => p.PupilId))
            .ToListAsync(cancellationToken);
        foreach (var chunk in pupilIds.Chunk(Batch))
        {
            entries += await access.WarmPupilsAsync(chunk, stamp, cancellationToken);
        }

        return new WarmUpRecord(school, day, time.GetUtcNow(), classIds.Count, lessonCourses.Count, courseIds.Count, pupilIds.Count, entries, TimeSpan.Zero);

        async Task<int> SetAsync<T>(string kind, string key, string[] tags, T value) =>
            await cache.SetAsync(kind, key, tags, value, stamp) ? 1 : 0;
    }
}

/// <summary>A school with the start of its first lesson (school-local).</summary>
public sealed record SchoolTimetable(Guid Id, string Code, string Name, TimeOnly FirstLessonAt);

/// <summary>One warm-up: the school, the morning, when, what (classes, lessons on their today pages, courses, pupils, entries filled) and how long it took.</summary>
public sealed record WarmUpRecord(Guid SchoolId, DateOnly Day, DateTimeOffset WarmedAt, int Classes, int Lessons, int Courses, int Pupils, int Entries, TimeSpan Took);

/// <summary>The warm-ups done on this node, per school (the last one).</summary>
public sealed class WarmUpStatus
{
    private readonly ConcurrentDictionary<Guid, WarmUpRecord> _last = new();

    public void Record(WarmUpRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        _last[record.SchoolId] = record;
    }

    /// <summary>The warm-up of the school for that morning, if it happened.</summary>
    public WarmUpRecord? Find(Guid schoolId, DateOnly day) =>
        _last.TryGetValue(schoolId, out var record) && record.Day == day ? record : null;
}

/// <summary>Runs <see cref="MorningWarmUp.WarmDueAsync"/> every <see cref="HotReadsOptions.WarmUpCheckInterval"/> on the injected clock.</summary>
internal sealed partial class MorningWarmUpService(IServiceScopeFactory scopes, TimeProvider time, IOptions<HotReadsOptions> options, ILogger<MorningWarmUpService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.WarmUp)
        {
            return;
        }

        while (true)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<MorningWarmUp>().WarmDueAsync(time.GetUtcNow(), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A failed warm-up only costs speed; try again at the next check.
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogFailed(logger, e);
            }

            // A fresh delay per check rather than a PeriodicTimer, which on a clock moved far
            // ahead (tests' FakeTimeProvider) would run once per missed interval.
            try
            {
                await Task.Delay(options.Value.WarmUpCheckInterval, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Warming the cache failed; trying again at the next check")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
