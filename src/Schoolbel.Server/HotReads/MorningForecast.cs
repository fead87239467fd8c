using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Data;
using Schoolbel.Server.Lessons;

namespace Schoolbel.Server.HotReads;

/// <summary>
/// The operator's view of the coming morning: per school, when its first lesson starts, how
/// many lessons are scheduled for publication that morning, the classes and pupils they reach
/// (the pupils to expect online) and whether this node warmed the school's cache yet.
/// Platform-wide, outside any school, in a few grouped queries.
/// </summary>
public sealed class MorningForecast(SchoolbelDb db, MorningWarmUp warmUp, WarmUpStatus status, Microsoft.Extensions.Options.IOptions<HotReadsOptions> options)
{
    /// <summary>The morning to look at: today's until it ends (13:00), then tomorrow's.</summary>
    public static DateOnly ComingMorning(DateTimeOffset now)
    {
        var day = SchoolTime.LocalDate(now.UtcDateTime);
        return now.UtcDateTime < SchoolTime.AtUtc(day, MorningWarmUp.MorningEnds) ? day : day.AddDays(1);
    }

    public async Task<IReadOnlyList<SchoolMorning>> ForAsync(DateOnly day, CancellationToken cancellationToken)
    {
        var from = SchoolTime.StartOfDayUtc(day);
        var until = SchoolTime.AtUtc(day, MorningWarmUp.MorningEnds);
        var slots = db.Set<LessonClass>().IgnoreQueryFilters().Where(lc => lc.PublishAt >= from && lc.PublishAt < until);
        var lessons = await slots.Select(lc => new { lc.SchoolId, lc.LessonId, lc.ClassId }).ToListAsync(cancellationToken);
        var courseIds = db.Set<Lesson>().IgnoreQueryFilters().Where(l => slots.Any(s => s.LessonId == l.Id)).Select(l => l.CourseId);
        var pupils = await db.ClassMemberships.IgnoreQueryFilters().Where(m => slots.Any(s => s.ClassId == m.ClassId)).Select(m => new { m.SchoolId, m.PupilId })
            .Union(db.CoursePupils.IgnoreQueryFilters().Where(p => courseIds.Contains(p.CourseId)).Select(p => new { p.SchoolId, p.PupilId }))
            .GroupBy(p => p.SchoolId)
            .Select(g => new { SchoolId = g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.SchoolId, g => g.Count, cancellationToken);
        var bySchool = lessons.ToLookup(l => l.SchoolId);
        return (await warmUp.TimetablesAsync(cancellationToken)).Select(school =>
        {
            var first = SchoolTime.AtUtc(day, school.FirstLessonAt);
            var mine = bySchool[school.Id].ToList();
            return new SchoolMorning(
                school.Id, school.Code, school.Name, day, school.FirstLessonAt, first, first - options.Value.WarmUpLead,
                mine.Select(l => l.LessonId).Distinct().Count(),
                mine.Select(l => l.ClassId).Distinct().Count(),
                pupils.GetValueOrDefault(school.Id),
                status.Find(school.Id, day));
        }).ToList();
    }
}

/// <summary>One school's coming morning; <see cref="WarmUp"/> is null until this node warmed it.</summary>
public sealed record SchoolMorning(
    Guid SchoolId, string Code, string Name, DateOnly Day, TimeOnly FirstLessonAt, DateTime FirstLessonUtc, DateTime WarmUpAtUtc,
    int Lessons, int Classes, int Pupils, WarmUpRecord? WarmUp);
