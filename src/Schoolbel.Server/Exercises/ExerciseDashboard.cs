using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Courses;
using Schoolbel.Server.Data;

namespace Schoolbel.Server.Exercises;

/// <summary>
/// The teacher's view of a course's practice: a pupil-by-skill mastery grid, who is stuck and
/// time spent. It reads the ability rows, which answers keep up to date incrementally, so it
/// never scans the answers (except for one pupil's drill-down).
/// </summary>
public sealed class ExerciseDashboard(SchoolbelDb db, CourseAccess access)
{
    public async Task<DashboardView> ForCourseAsync(Guid courseId, CancellationToken cancellationToken)
    {
        var pupilIds = access.PupilsOf(courseId);
        var pupils = await db.People.AsNoTracking().Where(p => pupilIds.Contains(p.Id))
            .OrderBy(p => p.LastName).ThenBy(p => p.FirstName)
            .Select(p => new { p.Id, Name = p.FirstName + " " + p.LastName })
            .ToListAsync(cancellationToken);
        var abilities = await db.Set<ExerciseAbility>().AsNoTracking().Where(a => a.CourseId == courseId).ToListAsync(cancellationToken);
        var skills = (await db.Set<ExerciseItem>().AsNoTracking().Where(i => i.CourseId == courseId && !i.Retired).Select(i => i.Skill).Distinct().ToListAsync(cancellationToken))
            .Union(abilities.Select(a => a.Skill)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var rows = pupils.Select(p =>
        {
            var mine = abilities.Where(a => a.PupilId == p.Id).ToDictionary(a => a.Skill, StringComparer.Ordinal);
            return new DashboardRow(
                p.Id,
                p.Name,
                [.. skills.Select(s => mine.TryGetValue(s, out var a) ? new DashboardCell(Elo.MasteryPercent(a.Rating), a.Answers, a.WrongInARow >= Elo.StuckAfter) : null)],
                mine.Values.Sum(a => a.Milliseconds) / 60_000.0,
                mine.Values.Sum(a => a.Answers));
        }).ToList();
        var stuck = abilities.Where(a => a.WrongInARow >= Elo.StuckAfter && pupils.Any(p => p.Id == a.PupilId))
            .Select(a => new StuckPupil(a.PupilId, pupils.First(p => p.Id == a.PupilId).Name, a.Skill, a.WrongInARow))
            .OrderByDescending(s => s.WrongInARow).ToList();
        return new DashboardView(skills, rows, stuck);
    }

    /// <summary>One pupil's latest answers in the course, newest first; null when the pupil does not follow it.</summary>
    public async Task<PupilAnswers?> PupilAsync(Guid courseId, Guid pupilId, CancellationToken cancellationToken)
    {
        if (!await access.PupilsOf(courseId).AnyAsync(p => p == pupilId, cancellationToken))
        {
            return null;
        }

        var name = await db.People.Where(p => p.Id == pupilId).Select(p => p.FirstName + " " + p.LastName).FirstAsync(cancellationToken);
        var answers = await db.Set<ExerciseAnswer>().AsNoTracking().Where(a => a.CourseId == courseId && a.PupilId == pupilId)
            .OrderByDescending(a => a.AnsweredAt).Take(100)
            .Join(db.Set<ExerciseItem>(), a => a.ItemId, i => i.Id, (a, i) => new { a.AnsweredAt, a.Skill, a.Correct, a.Given, a.Milliseconds, i.Spec })
            .ToListAsync(cancellationToken);
        return new PupilAnswers(pupilId, name, [.. answers.OrderByDescending(a => a.AnsweredAt).Select(a => new AnswerLine(
            a.AnsweredAt, a.Skill, ItemSpec.FromJson(a.Spec).Prompt, string.Join(" | ", System.Text.Json.JsonSerializer.Deserialize<string[]>(a.Given) ?? []), a.Correct, a.Milliseconds / 1000.0))]);
    }
}

public sealed record DashboardView(IReadOnlyList<string> Skills, IReadOnlyList<DashboardRow> Pupils, IReadOnlyList<StuckPupil> Stuck);

public sealed record DashboardRow(Guid PupilId, string Name, IReadOnlyList<DashboardCell?> Cells, double Minutes, int Answers);

public sealed record DashboardCell(int Mastery, int Answers, bool Stuck);

public sealed record StuckPupil(Guid PupilId, string Name, string Skill, int WrongInARow);

public sealed record PupilAnswers(Guid PupilId, string Name, IReadOnlyList<AnswerLine> Answers);

public sealed record AnswerLine(DateTime At, string Skill, string Prompt, string Given, bool Correct, double Seconds);
