using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Courses;
using Schoolbel.Server.Data;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Grades;

/// <summary>The gradebook: CSV exports for pages, and evaluations, scores and reports under /api/v1.</summary>
internal static class GradesEndpoints
{
    public static IServiceCollection AddSchoolbelGrades(this IServiceCollection services) =>
        services.AddScoped<Gradebook>().AddScoped<GradeReleases>().AddScoped<GradeReaders>().AddScoped<GradeNotifications>()
            .AddSingleton<Jobs.IJobHandler, GradeNotificationHandler>();

    public static void MapSchoolbelGrades(this IEndpointRouteBuilder endpoints)
    {
        var pages = endpoints.MapGroup("").WithMetadata(new SchoolEndpointAttribute()).RequireAuthorization(SchoolbelPolicies.SchoolMember).ExcludeFromDescription();
        pages.MapGet("/courses/{courseId:guid}/grades.csv", CourseCsv);
        pages.MapGet("/classes/{classId:guid}/grades.csv", ClassCsv);
    }

    public static void MapGradesApi(this IEndpointRouteBuilder api)
    {
        var evaluations = api.MapGroup("/courses/{courseId:guid}/evaluations").WithTags("Grades");
        evaluations.MapGet("/", List).WithSummary("The course's evaluations (teachers of the course).");
        evaluations.MapPost("/", Create).WithSummary("Add an evaluation: name, date, maxScore, weight (default 1) and category (e.g. \"dagelijks werk\", \"toets\").");
        evaluations.MapPut("/{evaluationId:guid}", Update)
            .WithSummary("Change an evaluation (teachers of the course): name, date, maxScore, weight, category, as on create. "
                + "400 naming maxScore when it is below a score already recorded. For a graded assignment's evaluation the assignment's maximum follows.");
        evaluations.MapDelete("/{evaluationId:guid}", Delete)
            .WithSummary("Delete an evaluation and its scores (teachers of the course); the scores leave the pupils' totals and a queued grade notification "
                + "for it announces nothing. 409 for a graded assignment's evaluation: delete the assignment (or make it ungraded) instead.");
        evaluations.MapGet("/{evaluationId:guid}/scores", Sheet).WithSummary("Every pupil of the course with their score on this evaluation (or none yet).");
        evaluations.MapPut("/{evaluationId:guid}/scores", Record)
            .WithSummary("Record scores: [{pupilId, points, code (Points, Absent, Exempt), comment}]. All or nothing; 400 naming the field for points below 0 "
                + "or above the maximum. Points null with code Points clears a score. Once released, recorded scores are released at once.");
        evaluations.MapPost("/{evaluationId:guid}/release", Release).WithSummary("Show this evaluation's scores to pupils and parents.");
        api.MapGet("/pupils/{personId:guid}/grades", Report).WithTags("Grades")
            .WithSummary("A pupil's scores and weighted totals per course: released ones for the pupil and their parents; staff see their courses' scores. "
                + "Totals: weight × points / maximum over scored evaluations; exempt is left out; absent is left out and marks the total provisional.");
    }

    private static async Task<CourseViewer?> EditorAsync(HttpContext context, Guid courseId, CourseAccess access, CancellationToken ct) =>
        await access.ViewerAsync(courseId, context.User.PersonId(), context.User.Role() ?? PersonRole.Pupil, ct);

    private static async Task<Results<Ok<IReadOnlyList<EvaluationView>>, NotFound, ForbidHttpResult>> List(HttpContext context, Guid courseId, CourseAccess access, Gradebook book, CancellationToken ct)
    {
        var viewer = await EditorAsync(context, courseId, access, ct);
        if (viewer is null)
        {
            return TypedResults.NotFound();
        }

        return viewer.CanEdit ? TypedResults.Ok(await book.EvaluationsAsync(courseId, ct)) : TypedResults.Forbid();
    }

    private static async Task<Results<Created<EvaluationView>, ValidationProblem, NotFound, ForbidHttpResult>> Create(
        HttpContext context, Guid courseId, EvaluationInput input, CourseAccess access, Gradebook book, CancellationToken ct)
    {
        var viewer = await EditorAsync(context, courseId, access, ct);
        if (viewer is null)
        {
            return TypedResults.NotFound();
        }

        if (!viewer.CanEdit)
        {
            return TypedResults.Forbid();
        }

        var outcome = await book.CreateAsync(courseId, input, viewer, ct);
        return outcome.Succeeded
            ? TypedResults.Created($"/api/v1/courses/{courseId}/evaluations/{outcome.Value!.Id}/scores", outcome.Value)
            : TypedResults.ValidationProblem(outcome.Errors!.ToDictionary());
    }

    private static async Task<Results<Ok<EvaluationView>, ValidationProblem, NotFound, ForbidHttpResult>> Update(
        HttpContext context, Guid courseId, Guid evaluationId, EvaluationInput input, CourseAccess access, Gradebook book, CancellationToken ct)
    {
        var viewer = await EditorAsync(context, courseId, access, ct);
        if (viewer is null)
        {
            return TypedResults.NotFound();
        }

        if (!viewer.CanEdit)
        {
            return TypedResults.Forbid();
        }

        var outcome = await book.UpdateAsync(courseId, evaluationId, input, viewer, ct);
        if (outcome is null)
        {
            return TypedResults.NotFound();
        }

        return outcome.Value.Succeeded ? TypedResults.Ok(outcome.Value.Value!) : TypedResults.ValidationProblem(outcome.Value.Errors!.ToDictionary());
    }

    private static async Task<Results<NoContent, NotFound, ForbidHttpResult, ProblemHttpResult>> Delete(
        HttpContext context, Guid courseId, Guid evaluationId, CourseAccess access, Gradebook book, CancellationToken ct)
    {
        var viewer = await EditorAsync(context, courseId, access, ct);
        if (viewer is null)
        {
            return TypedResults.NotFound();
        }

        if (!viewer.CanEdit)
        {
            return TypedResults.Forbid();
        }

        return await book.DeleteAsync(courseId, evaluationId, viewer, ct) switch
        {
            EvaluationDeletion.Deleted => TypedResults.NoContent(),
            EvaluationDeletion.BelongsToAssignment => TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict, title: "Belongs to an assignment",
                detail: "Deze evaluatie hoort bij een opdracht: verwijder de opdracht of zet ze niet meer op punten."),
            _ => TypedResults.NotFound(),
        };
    }

    private static async Task<Results<Ok<ScoreSheet>, NotFound, ForbidHttpResult>> Sheet(HttpContext context, Guid courseId, Guid evaluationId, CourseAccess access, Gradebook book, CancellationToken ct)
    {
        var viewer = await EditorAsync(context, courseId, access, ct);
        if (viewer is null)
        {
            return TypedResults.NotFound();
        }

        if (!viewer.CanEdit)
        {
            return TypedResults.Forbid();
        }

        return await book.SheetAsync(courseId, evaluationId, ct) is { } sheet ? TypedResults.Ok(sheet) : TypedResults.NotFound();
    }

    private static async Task<Results<Ok<ScoreSheet>, ValidationProblem, NotFound, ForbidHttpResult>> Record(
        HttpContext context, Guid courseId, Guid evaluationId, ScoresInput input, CourseAccess access, Gradebook book, CancellationToken ct)
    {
        var viewer = await EditorAsync(context, courseId, access, ct);
        if (viewer is null)
        {
            return TypedResults.NotFound();
        }

        if (!viewer.CanEdit)
        {
            return TypedResults.Forbid();
        }

        var outcome = await book.RecordAsync(courseId, evaluationId, input.Scores, viewer, ct);
        if (outcome is null)
        {
            return TypedResults.NotFound();
        }

        return outcome.Value.Succeeded ? TypedResults.Ok(outcome.Value.Value!) : TypedResults.ValidationProblem(outcome.Value.Errors!.ToDictionary());
    }

    private static async Task<Results<Ok<EvaluationView>, NotFound, ForbidHttpResult>> Release(HttpContext context, Guid courseId, Guid evaluationId, CourseAccess access, Gradebook book, CancellationToken ct)
    {
        var viewer = await EditorAsync(context, courseId, access, ct);
        if (viewer is null)
        {
            return TypedResults.NotFound();
        }

        if (!viewer.CanEdit)
        {
            return TypedResults.Forbid();
        }

        return await book.ReleaseAsync(courseId, evaluationId, ct) is { } released ? TypedResults.Ok(released) : TypedResults.NotFound();
    }

    private static async Task<Results<Ok<PupilReport>, NotFound>> Report(HttpContext context, Guid personId, GradeReaders readers, CancellationToken ct) =>
        await readers.ReportForAsync(context.User.PersonId(), context.User.Role() ?? PersonRole.Pupil, personId, ct) is { } report
            ? TypedResults.Ok(report)
            : TypedResults.NotFound();

    private static async Task<IResult> CourseCsv(HttpContext context, Guid courseId, CourseAccess access, CoursesAdmin courses, Gradebook book, CancellationToken ct)
    {
        var viewer = await EditorAsync(context, courseId, access, ct);
        if (viewer is null)
        {
            return TypedResults.NotFound();
        }

        if (!viewer.CanEdit)
        {
            return TypedResults.Forbid();
        }

        var name = (await courses.GetAsync(courseId, ct))?.Name ?? "vak";
        return Csv(name, await book.ExportAsync([courseId], null, ct));
    }

    /// <summary>A class's scores in the courses the caller teaches to it (all of its courses for a school admin).</summary>
    private static async Task<IResult> ClassCsv(HttpContext context, Guid classId, SchoolbelDb db, CourseAccess access, Gradebook book, CancellationToken ct)
    {
        var personId = context.User.PersonId();
        var role = context.User.Role();
        var className = await db.Classes.Where(c => c.Id == classId).Select(c => c.Name).FirstOrDefaultAsync(ct);
        if (className is null || role is not (PersonRole.Teacher or PersonRole.SchoolAdmin))
        {
            return TypedResults.NotFound();
        }

        var ofClass = db.CourseClasses.Where(c => c.ClassId == classId).Select(c => c.CourseId);
        var courseIds = role == PersonRole.SchoolAdmin
            ? await ofClass.ToListAsync(ct)
            : await ofClass.Where(c => db.CourseTeachers.Any(t => t.CourseId == c && t.TeacherId == personId)).ToListAsync(ct);
        if (courseIds.Count == 0)
        {
            return TypedResults.NotFound();
        }

        return Csv(className, await book.ExportAsync(courseIds, classId, ct));
    }

    /// <summary>Semicolons and decimal commas, as Excel in Flanders opens them; UTF-8 with a BOM so accents survive.</summary>
    private static FileContentHttpResult Csv(string name, IReadOnlyList<ExportRow> rows)
    {
        var culture = CultureInfo.GetCultureInfo("nl-BE");
        using var text = new StringWriter(culture);
        using (var csv = new CsvWriter(text, new CsvConfiguration(culture) { Delimiter = ";" }))
        {
            foreach (var header in new[] { "klas", "familienaam", "voornaam", "vak", "evaluatie", "datum", "categorie", "gewicht", "maximum", "score", "code", "vrijgegeven" })
            {
                csv.WriteField(header);
            }

            csv.NextRecord();
            foreach (var row in rows)
            {
                csv.WriteField(row.Class);
                csv.WriteField(row.LastName);
                csv.WriteField(row.FirstName);
                csv.WriteField(row.Course);
                csv.WriteField(row.Evaluation);
                csv.WriteField(row.Date?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "");
                csv.WriteField(row.Category);
                csv.WriteField(row.Weight.ToString("0.##", culture));
                csv.WriteField(row.Maximum.ToString("0.##", culture));
                csv.WriteField(row.Score?.ToString("0.##", culture) ?? "");
                csv.WriteField(row.Code switch { ScoreCode.Absent => "AFW", ScoreCode.Exempt => "VR", _ => "" });
                csv.WriteField(row.Evaluation == "Totaal" ? "" : row.Released ? "ja" : "nee");
                csv.NextRecord();
            }
        }

        // A gradebook is a few thousand rows at most: building it in memory is fine (unlike the submissions zip).
        var bytes = System.Text.Encoding.UTF8.GetPreamble().Concat(System.Text.Encoding.UTF8.GetBytes(text.ToString())).ToArray();
        var fileName = string.Concat(name.Select(c => char.IsLetterOrDigit(c) ? c : '-')) + "-punten.csv";
        return TypedResults.File(bytes, "text/csv; charset=utf-8", fileName);
    }
}

/// <summary>Who may read whose grades: a pupil their own, a parent their children's (released scores only); staff their courses' (everything).</summary>
public sealed class GradeReaders(SchoolbelDb db, CourseAccess access, Gradebook book)
{
    public async Task<PupilReport?> ReportForAsync(Guid readerId, PersonRole role, Guid pupilId, CancellationToken cancellationToken)
    {
        switch (role)
        {
            case PersonRole.Pupil when readerId == pupilId:
                return await book.ReportAsync(pupilId, releasedOnly: true, null, cancellationToken);
            case PersonRole.Parent when (await access.ChildrenAsync(readerId, cancellationToken)).Any(c => c.Id == pupilId):
                return await book.ReportAsync(pupilId, releasedOnly: true, null, cancellationToken);
            case PersonRole.SchoolAdmin:
                return await book.ReportAsync(pupilId, releasedOnly: false, null, cancellationToken);
            case PersonRole.Teacher:
                var mine = (await access.CoursesOfTeacherAsync(readerId, cancellationToken)).Select(c => c.Id).ToHashSet();
                var theirs = (await access.PupilAsync(pupilId, cancellationToken)).Courses.Select(c => c.Id).Where(mine.Contains).ToList();
                if (theirs.Count == 0 || !await db.People.AnyAsync(p => p.Id == pupilId, cancellationToken))
                {
                    return null;
                }

                return await book.ReportAsync(pupilId, releasedOnly: false, theirs, cancellationToken);
            default:
                return null;
        }
    }
}
