using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Data;

namespace Schoolbel.Server.Grades;

/// <summary>
/// Scores that became visible to a pupil (and so to their parents) after a moment: for
/// notifications. A score changed after its release is released again, so it shows up again.
/// </summary>
public sealed class GradeReleases(SchoolbelDb db)
{
    public async Task<IReadOnlyList<ReleasedScore>> SinceAsync(Guid pupilId, DateTime since, CancellationToken cancellationToken)
    {
        var rows = await db.Set<Score>().AsNoTracking()
            .Where(s => s.PupilId == pupilId && s.ReleasedAt != null && s.ReleasedAt > since)
            .Join(db.Set<Evaluation>(), s => s.EvaluationId, e => e.Id, (s, e) => new { Score = s, Evaluation = e })
            .Join(db.Courses, x => x.Evaluation.CourseId, c => c.Id, (x, c) => new
            {
                x.Evaluation.Id,
                x.Evaluation.CourseId,
                CourseName = c.Name,
                x.Evaluation.Name,
                x.Evaluation.MaxScore,
                x.Score.Points,
                x.Score.Code,
                ReleasedAt = x.Score.ReleasedAt!.Value,
            })
            .ToListAsync(cancellationToken);
        return [.. rows.OrderBy(r => r.ReleasedAt).Select(r => new ReleasedScore(pupilId, r.CourseId, r.CourseName, r.Id, r.Name, r.Points, r.Code, r.MaxScore, r.ReleasedAt, "/grades"))];
    }
}

/// <summary>A released score; <see cref="Path"/> is the pupil's grades page, relative to the school.</summary>
public sealed record ReleasedScore(Guid PupilId, Guid CourseId, string CourseName, Guid EvaluationId, string Evaluation, decimal? Points, ScoreCode Code, decimal MaxScore, DateTime ReleasedAt, string Path);
