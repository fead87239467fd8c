using System.Globalization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Schoolbel.Server.Courses;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;
using Schoolbel.Server.Web;

namespace Schoolbel.Server.Grades;

/// <summary>A course's gradebook for its teachers: evaluations, every pupil's scores and totals, and a new evaluation.</summary>
[Authorize(Policy = SchoolbelPolicies.SchoolMember)]
[SchoolEndpoint]
public sealed class CourseGradesModel(CourseAccess access, CoursesAdmin courses, Gradebook book, TimeProvider time) : PageModel
{
    public CourseDetails? Course { get; private set; }
    public IReadOnlyList<EvaluationView> Evaluations { get; private set; } = [];

    /// <summary>Per pupil (by name): the score of each evaluation in <see cref="Evaluations"/> order, and the total.</summary>
    public IReadOnlyList<GradebookRow> Rows { get; private set; } = [];

    public string Today => Lessons.SchoolTime.LocalDate(time.GetUtcNow().UtcDateTime).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public async Task<IActionResult> OnGetAsync(Guid courseId, CancellationToken cancellationToken) =>
        await LoadAsync(courseId, cancellationToken) ?? Page();

    public async Task<IActionResult> OnPostAsync(Guid courseId, string? name, DateOnly? date, string? maxScore, string? weight, string? category, CancellationToken cancellationToken)
    {
        if (await LoadAsync(courseId, cancellationToken) is { } failed)
        {
            return failed;
        }

        var max = ModelState.ReadDecimal(maxScore, "maxScore");
        var weightValue = ModelState.ReadDecimal(weight, "weight");
        if (ModelState.IsValid)
        {
            var editor = (await access.ViewerAsync(courseId, User.PersonId(), User.Role() ?? PersonRole.Pupil, cancellationToken))!;
            var outcome = await book.CreateAsync(courseId, new EvaluationInput(name, date, max, weightValue, category), editor, cancellationToken);
            if (outcome.Succeeded)
            {
                return Redirect(Url.Content($"~/courses/{courseId}/grades/{outcome.Value!.Id}"));
            }

            outcome.Errors!.CopyTo(ModelState);
        }

        var page = Page();
        page.StatusCode = StatusCodes.Status400BadRequest;
        return page;
    }

    private async Task<IActionResult?> LoadAsync(Guid courseId, CancellationToken cancellationToken)
    {
        var viewer = await access.ViewerAsync(courseId, User.PersonId(), User.Role() ?? PersonRole.Pupil, cancellationToken);
        if (viewer is null)
        {
            return NotFound();
        }

        if (!viewer.CanEdit)
        {
            // Pupils and parents read their own (released) scores on the grades page.
            return Redirect(Url.Content("~/grades"));
        }

        Course = await courses.GetAsync(courseId, cancellationToken);
        Evaluations = await book.EvaluationsAsync(courseId, cancellationToken);
        var rows = await book.ExportAsync([courseId], null, cancellationToken);
        Rows = [.. rows.Chunk(Evaluations.Count + 1).Select(chunk => new GradebookRow(chunk[0].LastName + " " + chunk[0].FirstName, chunk[^1].Score,
            [.. chunk.Take(Evaluations.Count).Select(r => r.Code switch { ScoreCode.Absent => "AFW", ScoreCode.Exempt => "VR", _ => r.Score?.ToString("0.##", CultureInfo.CurrentCulture) ?? "" })]))];
        return null;
    }
}

public sealed record GradebookRow(string Name, decimal? TotalPercent, IReadOnlyList<string> Scores);
