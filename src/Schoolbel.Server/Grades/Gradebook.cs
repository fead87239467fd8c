using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Courses;
using Schoolbel.Server.Data;
using Schoolbel.Server.HotReads;
using Schoolbel.Server.People;
using Schoolbel.Server.Web;

namespace Schoolbel.Server.Grades;

/// <summary>
/// The gradebook (puntenboek) of a course: evaluations, scores per pupil with absent and exempt
/// codes, releasing them, and the weighted totals pupils and parents see. Callers check the course
/// with <see cref="CourseAccess"/> first; every query runs under the school filter.
/// </summary>
public sealed partial class Gradebook(SchoolbelDb db, CourseAccess access, HotCache cache, GradeNotifications notifications, TimeProvider time, ILogger<Gradebook> logger)
{
    public const decimal MaxScoreLimit = 10_000;
    public const decimal MaxWeight = 100;
    public const int MaxCommentLength = 400;

    private Guid SchoolId => db.CurrentSchoolId ?? throw new InvalidOperationException("No school in scope.");

    public async Task<IReadOnlyList<EvaluationView>> EvaluationsAsync(Guid courseId, CancellationToken cancellationToken)
    {
        var evaluations = await db.Set<Evaluation>().AsNoTracking().Where(e => e.CourseId == courseId)
            .OrderBy(e => e.Date).ThenBy(e => e.CreatedAt).ToListAsync(cancellationToken);
        var ids = evaluations.Select(e => e.Id).ToList();
        var counts = await db.Set<Score>().Where(s => ids.Contains(s.EvaluationId)).GroupBy(s => s.EvaluationId)
            .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
        return [.. evaluations.Select(e => EvaluationView.Of(e, counts.GetValueOrDefault(e.Id)))];
    }

    private static (string? Name, string Category) Validate(EvaluationInput input, FieldErrors errors)
    {
        var name = input.Name?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            errors.Add("name", "Geef de evaluatie een naam.");
        }
        else if (name.Length > 200)
        {
            errors.Add("name", "De naam is te lang (hoogstens 200 tekens).");
        }

        if (input.Date is null)
        {
            errors.Add("date", "Kies een datum.");
        }

        if (input.MaxScore is not { } max || max <= 0 || max > MaxScoreLimit || decimal.Round(max, 2) != max)
        {
            errors.Add("maxScore", $"Het maximum ligt tussen 0 en {MaxScoreLimit}, met hoogstens twee cijfers na de komma.");
        }

        if (input.Weight is { } weight && (weight <= 0 || weight > MaxWeight || decimal.Round(weight, 2) != weight))
        {
            errors.Add("weight", $"Het gewicht ligt tussen 0 en {MaxWeight}, met hoogstens twee cijfers na de komma.");
        }

        var category = string.IsNullOrWhiteSpace(input.Category) ? "dagelijks werk" : input.Category.Trim();
        if (category.Length > 60)
        {
            errors.Add("category", "De categorie is te lang (hoogstens 60 tekens).");
        }

        return (name, category);
    }

    /// <summary>
    /// Changes an evaluation (name, date, maximum, weight, category; the input is the whole
    /// evaluation again). The maximum cannot go below a score already recorded (400 naming
    /// <c>maxScore</c>). A graded assignment's evaluation keeps the assignment's maximum in step,
    /// since its reviews are scored against it. Null when the evaluation is not of this course.
    /// </summary>
    public async Task<Outcome<EvaluationView>?> UpdateAsync(Guid courseId, Guid evaluationId, EvaluationInput input, CourseViewer editor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(editor);
        var evaluation = await db.Set<Evaluation>().FirstOrDefaultAsync(e => e.Id == evaluationId && e.CourseId == courseId, cancellationToken);
        if (evaluation is null)
        {
            return null;
        }

        var errors = new FieldErrors();
        var (name, category) = Validate(input, errors);
        var assignment = evaluation.AssignmentId is { } assignmentId
            ? await db.Set<Assignments.Assignment>().FirstOrDefaultAsync(a => a.Id == assignmentId, cancellationToken)
            : null;
        var recorded = await db.Set<Score>().Where(s => s.EvaluationId == evaluationId && s.Points != null).MaxAsync(s => s.Points, cancellationToken);
        var reviewed = assignment is null ? null
            : await db.Set<Assignments.AssignmentReview>().Where(r => r.AssignmentId == assignment.Id && r.Score != null).MaxAsync(r => r.Score, cancellationToken);
        var highest = recorded is null ? reviewed : reviewed is null ? recorded : Math.Max(recorded.Value, reviewed.Value);
        if (input.MaxScore is { } max && highest is { } top && max < top)
        {
            errors.Add("maxScore", $"Er is al een score van {top.ToString("0.##", CultureInfo.InvariantCulture)} gegeven: het maximum kan niet lager.");
        }

        if (errors.Any)
        {
            return errors;
        }

        evaluation.Name = name!;
        evaluation.Date = input.Date!.Value;
        evaluation.MaxScore = input.MaxScore!.Value;
        evaluation.Weight = input.Weight ?? evaluation.Weight;
        evaluation.Category = category;
        if (assignment is not null)
        {
            assignment.MaxScore = evaluation.MaxScore;
        }

        await db.SaveChangesAsync(cancellationToken);
        // Totals and reports of every scored pupil change with the maximum and weight.
        var pupils = await db.Set<Score>().Where(s => s.EvaluationId == evaluationId).Select(s => s.PupilId).ToListAsync(cancellationToken);
        cache.Invalidate(pupils.Select(HotTags.Person));
        LogUpdated(logger, evaluationId, editor.PersonId);
        return EvaluationView.Of(evaluation, pupils.Count);
    }

    /// <summary>
    /// Deletes an evaluation with its scores, which so leave the pupils' totals; a notification
    /// about it still waiting in the job queue announces nothing (see <see cref="GradeNotifications.SendAsync"/>).
    /// The evaluation of a graded assignment goes only with the assignment (or when it stops being graded).
    /// </summary>
    public async Task<EvaluationDeletion> DeleteAsync(Guid courseId, Guid evaluationId, CourseViewer editor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(editor);
        var evaluation = await db.Set<Evaluation>().AsNoTracking().FirstOrDefaultAsync(e => e.Id == evaluationId && e.CourseId == courseId, cancellationToken);
        if (evaluation is null)
        {
            return EvaluationDeletion.NotFound;
        }

        if (evaluation.AssignmentId is { } assignmentId && await db.Set<Assignments.Assignment>().AnyAsync(a => a.Id == assignmentId, cancellationToken))
        {
            return EvaluationDeletion.BelongsToAssignment;
        }

        var pupils = await RemoveEvaluationAsync(db, evaluationId, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        cache.Invalidate(pupils.Select(HotTags.Person));
        LogDeleted(logger, evaluationId, editor.PersonId);
        return EvaluationDeletion.Deleted;
    }

    /// <summary>Marks an evaluation and its scores for removal in the caller's unit of work; returns the pupils who had a score.</summary>
    internal static async Task<IReadOnlyList<Guid>> RemoveEvaluationAsync(SchoolbelDb db, Guid evaluationId, CancellationToken cancellationToken)
    {
        var scores = await db.Set<Score>().Where(s => s.EvaluationId == evaluationId).ToListAsync(cancellationToken);
        db.RemoveRange(scores);
        if (await db.Set<Evaluation>().FirstOrDefaultAsync(e => e.Id == evaluationId, cancellationToken) is { } evaluation)
        {
            db.Remove(evaluation);
        }

        return [.. scores.Select(s => s.PupilId)];
    }

    public async Task<Outcome<EvaluationView>> CreateAsync(Guid courseId, EvaluationInput input, CourseViewer editor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(editor);
        var errors = new FieldErrors();
        var (name, category) = Validate(input, errors);
        if (errors.Any)
        {
            return errors;
        }

        var evaluation = new Evaluation
        {
            SchoolId = SchoolId,
            CourseId = courseId,
            Name = name!,
            Date = input.Date!.Value,
            MaxScore = input.MaxScore!.Value,
            Weight = input.Weight ?? 1,
            Category = category,
            CreatedAt = time.GetUtcNow().UtcDateTime,
            CreatedBy = editor.PersonId,
        };
        db.Add(evaluation);
        await db.SaveChangesAsync(cancellationToken);
        LogCreated(logger, evaluation.Id, courseId, editor.PersonId);
        return EvaluationView.Of(evaluation, 0);
    }

    /// <summary>An evaluation with a row for every pupil of the course (scored or not); null when it is not of this course.</summary>
    public async Task<ScoreSheet?> SheetAsync(Guid courseId, Guid evaluationId, CancellationToken cancellationToken)
    {
        var evaluation = await db.Set<Evaluation>().AsNoTracking().FirstOrDefaultAsync(e => e.Id == evaluationId && e.CourseId == courseId, cancellationToken);
        if (evaluation is null)
        {
            return null;
        }

        var pupilIds = access.PupilsOf(courseId);
        var pupils = await db.People.AsNoTracking().Where(p => pupilIds.Contains(p.Id))
            .Select(p => new { p.Id, Name = p.LastName + " " + p.FirstName }).ToListAsync(cancellationToken);
        var scores = await db.Set<Score>().AsNoTracking().Where(s => s.EvaluationId == evaluationId).ToDictionaryAsync(s => s.PupilId, cancellationToken);
        var count = scores.Count;
        return new ScoreSheet(EvaluationView.Of(evaluation, count), [.. pupils.OrderBy(p => p.Name, NameOrder)
            .Select(p => new ScoreRow(p.Id, p.Name, scores.GetValueOrDefault(p.Id) is { } s ? ScoreView.Of(s) : null))]);
    }

    /// <summary>
    /// Records scores for some pupils, all or nothing: every row is checked first (a score above
    /// the maximum or below zero, a pupil outside the course) and any error changes nothing.
    /// Code Points without points clears the pupil's score. Once the evaluation is released,
    /// what is recorded is released at once.
    /// </summary>
    public async Task<Outcome<ScoreSheet>?> RecordAsync(Guid courseId, Guid evaluationId, IReadOnlyList<ScoreInput>? input, CourseViewer editor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(editor);
        var evaluation = await db.Set<Evaluation>().FirstOrDefaultAsync(e => e.Id == evaluationId && e.CourseId == courseId, cancellationToken);
        if (evaluation is null)
        {
            return null;
        }

        var rows = input ?? [];
        var errors = new FieldErrors();
        var pupilIds = rows.Select(r => r.PupilId).Distinct().ToList();
        var inCourse = access.PupilsOf(courseId);
        var known = (await db.People.Where(p => pupilIds.Contains(p.Id) && inCourse.Contains(p.Id)).Select(p => p.Id).ToListAsync(cancellationToken)).ToHashSet();
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            var field = $"scores[{i}]";
            if (!known.Contains(row.PupilId))
            {
                errors.Add(field + ".pupilId", "Deze leerling volgt dit vak niet.");
            }

            var code = row.Code ?? ScoreCode.Points;
            if (!Enum.IsDefined(code))
            {
                errors.Add(field + ".code", "Kies punten, afwezig (AFW) of vrijgesteld (VR).");
            }
            else if (code != ScoreCode.Points && row.Points is not null)
            {
                errors.Add(field + ".points", "Bij afwezig of vrijgesteld horen geen punten.");
            }

            if (row.Points is { } points)
            {
                if (points < 0)
                {
                    errors.Add(field + ".points", "De score mag niet negatief zijn.");
                }
                else if (points > evaluation.MaxScore)
                {
                    errors.Add(field + ".points", $"De score mag niet hoger zijn dan het maximum ({evaluation.MaxScore.ToString("0.##", CultureInfo.InvariantCulture)}).");
                }
                else if (decimal.Round(points, 2) != points)
                {
                    errors.Add(field + ".points", "De score heeft hoogstens twee cijfers na de komma.");
                }
            }

            if (row.Comment?.Length > MaxCommentLength)
            {
                errors.Add(field + ".comment", $"De opmerking is te lang (hoogstens {MaxCommentLength} tekens).");
            }
        }

        if (pupilIds.Count != rows.Count)
        {
            errors.Add("scores", "Elke leerling hoogstens één keer.");
        }

        if (errors.Any)
        {
            return errors;
        }

        var now = time.GetUtcNow().UtcDateTime;
        var existing = await db.Set<Score>().Where(s => s.EvaluationId == evaluationId && pupilIds.Contains(s.PupilId)).ToDictionaryAsync(s => s.PupilId, cancellationToken);
        foreach (var row in rows)
        {
            var code = row.Code ?? ScoreCode.Points;
            var current = existing.GetValueOrDefault(row.PupilId);
            if (code == ScoreCode.Points && row.Points is null)
            {
                if (current is not null)
                {
                    db.Remove(current);
                }

                continue;
            }

            if (current is null)
            {
                current = new Score { SchoolId = SchoolId, EvaluationId = evaluationId, PupilId = row.PupilId };
                db.Add(current);
            }
            else if (current.Code == code && current.Points == row.Points && current.Comment == NullIfBlank(row.Comment))
            {
                continue;
            }

            current.Code = code;
            current.Points = code == ScoreCode.Points ? row.Points : null;
            current.Comment = NullIfBlank(row.Comment);
            current.RecordedAt = now;
            current.RecordedBy = editor.PersonId;
            current.ReleasedAt = evaluation.ReleasedAt is null ? null : now;
        }

        // On a released evaluation a new or changed score is visible at once: say so.
        var shown = db.ChangeTracker.Entries<Score>()
            .Where(e => e.State is EntityState.Added or EntityState.Modified && e.Entity.ReleasedAt is not null)
            .Select(e => e.Entity.PupilId).ToList();
        notifications.Enqueue(shown, courseId, evaluation.Name, evaluation.Id, evaluation.AssignmentId);
        await db.SaveChangesAsync(cancellationToken);
        cache.Invalidate(pupilIds.Select(HotTags.Person));
        LogRecorded(logger, rows.Count, evaluationId, editor.PersonId);
        return (await SheetAsync(courseId, evaluationId, cancellationToken))!;
    }

    /// <summary>Shows the evaluation's scores to pupils and parents, now and for every score recorded later.</summary>
    public async Task<EvaluationView?> ReleaseAsync(Guid courseId, Guid evaluationId, CancellationToken cancellationToken)
    {
        var evaluation = await db.Set<Evaluation>().FirstOrDefaultAsync(e => e.Id == evaluationId && e.CourseId == courseId, cancellationToken);
        if (evaluation is null)
        {
            return null;
        }

        var now = time.GetUtcNow().UtcDateTime;
        evaluation.ReleasedAt ??= now;
        // Joins the caller's transaction when there is one; the notification job commits (or not) with the release.
        var own = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(cancellationToken) : null;
        await using (own)
        {
            var newlyShown = await db.Set<Score>().Where(s => s.EvaluationId == evaluationId && s.ReleasedAt == null).Select(s => s.PupilId).ToListAsync(cancellationToken);
            notifications.Enqueue(newlyShown, courseId, evaluation.Name, evaluation.Id, evaluation.AssignmentId);
            await db.SaveChangesAsync(cancellationToken);
            await db.Set<Score>().Where(s => s.EvaluationId == evaluationId && s.ReleasedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.ReleasedAt, now), cancellationToken);
            if (own is not null)
            {
                await own.CommitAsync(cancellationToken);
            }
        }

        var count = await db.Set<Score>().CountAsync(s => s.EvaluationId == evaluationId, cancellationToken);
        LogReleased(logger, evaluationId);
        return EvaluationView.Of(evaluation, count);
    }

    /// <summary>
    /// A pupil's results per course, with the weighted total (see <see cref="CourseTotal"/>).
    /// <paramref name="releasedOnly"/> for pupils and parents; <paramref name="courseIds"/> limits
    /// the courses (a teacher sees only their own); null means every course of the pupil.
    /// </summary>
    public async Task<PupilReport?> ReportAsync(Guid pupilId, bool releasedOnly, IReadOnlyCollection<Guid>? courseIds, CancellationToken cancellationToken)
    {
        var pupil = await db.People.AsNoTracking().Where(p => p.Id == pupilId && p.Role == PersonRole.Pupil)
            .Select(p => new { p.Id, Name = p.FirstName + " " + p.LastName }).FirstOrDefaultAsync(cancellationToken);
        if (pupil is null)
        {
            return null;
        }

        var membership = await access.PupilAsync(pupilId, cancellationToken);
        var courses = membership.Courses.Where(c => courseIds is null || courseIds.Contains(c.Id)).ToList();
        var ids = courses.Select(c => c.Id).ToList();
        var evaluations = await db.Set<Evaluation>().AsNoTracking().Where(e => ids.Contains(e.CourseId)).OrderBy(e => e.Date).ThenBy(e => e.CreatedAt).ToListAsync(cancellationToken);
        var evaluationIds = evaluations.Select(e => e.Id).ToList();
        var scores = await db.Set<Score>().AsNoTracking()
            .Where(s => s.PupilId == pupilId && evaluationIds.Contains(s.EvaluationId) && (!releasedOnly || s.ReleasedAt != null))
            .ToDictionaryAsync(s => s.EvaluationId, cancellationToken);
        var byCourse = evaluations.ToLookup(e => e.CourseId);
        var result = new List<CourseReport>();
        foreach (var course in courses)
        {
            var lines = byCourse[course.Id]
                .Select(e => new ReportLine(EvaluationView.Of(e, 0), scores.GetValueOrDefault(e.Id) is { } s ? ScoreView.Of(s) : null))
                .Where(l => !releasedOnly || l.Score is not null)
                .ToList();
            result.Add(new CourseReport(course.Id, course.Name, lines, CourseTotal.Of(lines)));
        }

        return new PupilReport(pupil.Id, pupil.Name, membership.ClassNames, result);
    }

    /// <summary>Every score of the course (or of a class in the courses given) as rows for a CSV export.</summary>
    public async Task<IReadOnlyList<ExportRow>> ExportAsync(IReadOnlyCollection<Guid> courseIds, Guid? classId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(courseIds);
        var ids = courseIds.ToList();
        var classNames = await access.ClassNamesAsync(cancellationToken);
        var courseNames = await db.Courses.AsNoTracking().Where(c => ids.Contains(c.Id)).ToDictionaryAsync(c => c.Id, c => c.Name, cancellationToken);
        var rows = new List<ExportRow>();
        foreach (var courseId in ids)
        {
            var inCourse = access.PupilsOf(courseId);
            var pupils = db.People.AsNoTracking().Where(p => inCourse.Contains(p.Id));
            if (classId is { } only)
            {
                pupils = pupils.Where(p => db.ClassMemberships.Any(m => m.ClassId == only && m.PupilId == p.Id));
            }

            var people = await pupils.Select(p => new { p.Id, p.FirstName, p.LastName }).ToListAsync(cancellationToken);
            var pupilIds = people.Select(p => p.Id).ToList();
            var classOf = (await db.ClassMemberships.AsNoTracking().Where(m => pupilIds.Contains(m.PupilId)).ToListAsync(cancellationToken))
                .ToLookup(m => m.PupilId, m => classNames.NameOf(m.ClassId));
            var evaluations = await db.Set<Evaluation>().AsNoTracking().Where(e => e.CourseId == courseId).OrderBy(e => e.Date).ThenBy(e => e.CreatedAt).ToListAsync(cancellationToken);
            var evaluationIds = evaluations.Select(e => e.Id).ToList();
            var scores = (await db.Set<Score>().AsNoTracking().Where(s => evaluationIds.Contains(s.EvaluationId) && pupilIds.Contains(s.PupilId)).ToListAsync(cancellationToken))
                .ToDictionary(s => (s.EvaluationId, s.PupilId));
            foreach (var person in people.OrderBy(p => p.LastName, NameOrder).ThenBy(p => p.FirstName, NameOrder))
            {
                var className = string.Join(", ", classOf[person.Id].Order(NameOrder));
                var lines = evaluations.Select(e => new ReportLine(EvaluationView.Of(e, 0), scores.GetValueOrDefault((e.Id, person.Id)) is { } s ? ScoreView.Of(s) : null)).ToList();
                foreach (var line in lines)
                {
                    rows.Add(new ExportRow(className, person.LastName, person.FirstName, courseNames[courseId], line.Evaluation.Name, line.Evaluation.Date,
                        line.Evaluation.Category, line.Evaluation.Weight, line.Evaluation.MaxScore, line.Score?.Points, line.Score?.Code, line.Score?.ReleasedAt is not null));
                }

                var total = CourseTotal.Of(lines);
                rows.Add(new ExportRow(className, person.LastName, person.FirstName, courseNames[courseId], "Totaal", null, "", total.WeightCounted, 100, total.Percent, null, false));
            }
        }

        return rows;
    }

    private static string? NullIfBlank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private static readonly StringComparer NameOrder = StringComparer.Create(CultureInfo.GetCultureInfo("nl-BE"), ignoreCase: true);

    [LoggerMessage(Level = LogLevel.Information, Message = "Evaluation {EvaluationId} created in course {CourseId} by {PersonId}")]
    private static partial void LogCreated(ILogger logger, Guid evaluationId, Guid courseId, Guid personId);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} score(s) recorded for evaluation {EvaluationId} by {PersonId}")]
    private static partial void LogRecorded(ILogger logger, int count, Guid evaluationId, Guid personId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Evaluation {EvaluationId} changed by {PersonId}")]
    private static partial void LogUpdated(ILogger logger, Guid evaluationId, Guid personId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Evaluation {EvaluationId} deleted by {PersonId}")]
    private static partial void LogDeleted(ILogger logger, Guid evaluationId, Guid personId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Evaluation {EvaluationId} released")]
    private static partial void LogReleased(ILogger logger, Guid evaluationId);
}

/// <summary>
/// The weighted total of a course, in percent: the sum over scored evaluations of
/// weight × points / maximum, divided by the sum of their weights.
/// <list type="bullet">
/// <item><b>Vrijgesteld (exempt)</b>: left out of the total altogether (neither points nor weight).</item>
/// <item><b>Afwezig (absent)</b>: also left out, so an absence is never a zero, but the total is
/// then <see cref="Provisional"/> ("voorlopig"): the pupil still has to catch up, and the teacher
/// replaces the code with points once they have.</item>
/// <item>Evaluations without a (released) score yet do not count.</item>
/// </list>
/// </summary>
public sealed record CourseTotal(decimal? Percent, decimal WeightCounted, int Absent, int Exempt)
{
    public bool Provisional => Absent > 0;

    public static CourseTotal Of(IEnumerable<ReportLine> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        decimal weighted = 0, weights = 0;
        int absent = 0, exempt = 0;
        foreach (var line in lines)
        {
            switch (line.Score)
            {
                case { Code: ScoreCode.Absent }:
                    absent++;
                    break;
                case { Code: ScoreCode.Exempt }:
                    exempt++;
                    break;
                case { Code: ScoreCode.Points, Points: { } points } when line.Evaluation.MaxScore > 0:
                    weighted += line.Evaluation.Weight * points / line.Evaluation.MaxScore;
                    weights += line.Evaluation.Weight;
                    break;
            }
        }

        return new CourseTotal(weights == 0 ? null : decimal.Round(100 * weighted / weights, 1, MidpointRounding.AwayFromZero), weights, absent, exempt);
    }
}

public enum EvaluationDeletion
{
    Deleted,
    NotFound,

    /// <summary>The evaluation of a graded assignment: it goes when the assignment is deleted.</summary>
    BelongsToAssignment,
}

public sealed record EvaluationInput(string? Name, DateOnly? Date, decimal? MaxScore, decimal? Weight = null, string? Category = null);

/// <summary>One pupil's score: <see cref="Code"/> Points (default) with <see cref="Points"/>, or Absent / Exempt without. Points null with code Points clears it.</summary>
public sealed record ScoreInput(Guid PupilId, decimal? Points, ScoreCode? Code = null, string? Comment = null);

public sealed record ScoresInput(IReadOnlyList<ScoreInput>? Scores);

public sealed record EvaluationView(Guid Id, Guid CourseId, string Name, DateOnly Date, decimal MaxScore, decimal Weight, string Category, Guid? AssignmentId, DateTime? ReleasedAt, int Scored)
{
    internal static EvaluationView Of(Evaluation e, int scored) =>
        new(e.Id, e.CourseId, e.Name, e.Date, e.MaxScore, e.Weight, e.Category, e.AssignmentId, e.ReleasedAt, scored);
}

public sealed record ScoreView(decimal? Points, ScoreCode Code, string? Comment, DateTime RecordedAt, DateTime? ReleasedAt)
{
    internal static ScoreView Of(Score s) => new(s.Points, s.Code, s.Comment, s.RecordedAt, s.ReleasedAt);

    /// <summary>As shown in the gradebook: the points, AFW or VR.</summary>
    public string Display => Code switch
    {
        ScoreCode.Absent => "AFW",
        ScoreCode.Exempt => "VR",
        _ => Points?.ToString("0.##", CultureInfo.CurrentCulture) ?? "",
    };
}

public sealed record ScoreRow(Guid PupilId, string Name, ScoreView? Score);

public sealed record ScoreSheet(EvaluationView Evaluation, IReadOnlyList<ScoreRow> Rows);

public sealed record ReportLine(EvaluationView Evaluation, ScoreView? Score);

public sealed record CourseReport(Guid CourseId, string CourseName, IReadOnlyList<ReportLine> Lines, CourseTotal Total);

public sealed record PupilReport(Guid PupilId, string Name, IReadOnlyList<string> Classes, IReadOnlyList<CourseReport> Courses);

public sealed record ExportRow(
    string Class, string LastName, string FirstName, string Course, string Evaluation, DateOnly? Date, string Category, decimal Weight, decimal Maximum, decimal? Score, ScoreCode? Code, bool Released);
