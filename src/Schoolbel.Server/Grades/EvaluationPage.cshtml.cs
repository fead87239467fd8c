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

/// <summary>Scores of one evaluation for every pupil of the course: points, AFW (absent) or VR (exempt); and releasing them.</summary>
[Authorize(Policy = SchoolbelPolicies.SchoolMember)]
[SchoolEndpoint]
public sealed class EvaluationPageModel(CourseAccess access, Gradebook book) : PageModel
{
    public ScoreSheet? Sheet { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid courseId, Guid evaluationId, CancellationToken cancellationToken) =>
        await LoadAsync(courseId, evaluationId, cancellationToken) ?? Page();

    /// <summary>
    /// One row per pupil, in the same order in each list: <paramref name="score"/> as typed
    /// (points with a comma or a point, "AFW", "VR", or empty to clear).
    /// </summary>
    public async Task<IActionResult> OnPostSaveAsync(Guid courseId, Guid evaluationId, List<Guid>? pupilId, List<string?>? score, List<string?>? comment, CancellationToken cancellationToken)
    {
        if (await LoadAsync(courseId, evaluationId, cancellationToken) is { } failed)
        {
            return failed;
        }

        var pupils = pupilId ?? [];
        var rows = new List<ScoreInput>();
        for (var i = 0; i < pupils.Count; i++)
        {
            var typed = (score?.ElementAtOrDefault(i) ?? "").Trim();
            var note = comment?.ElementAtOrDefault(i);
            var name = Sheet!.Rows.FirstOrDefault(r => r.PupilId == pupils[i])?.Name ?? "?";
            if (typed.Equals("AFW", StringComparison.OrdinalIgnoreCase) || typed.Equals("A", StringComparison.OrdinalIgnoreCase))
            {
                rows.Add(new ScoreInput(pupils[i], null, ScoreCode.Absent, note));
            }
            else if (typed.Equals("VR", StringComparison.OrdinalIgnoreCase) || typed.Equals("V", StringComparison.OrdinalIgnoreCase))
            {
                rows.Add(new ScoreInput(pupils[i], null, ScoreCode.Exempt, note));
            }
            else if (typed.Length == 0)
            {
                rows.Add(new ScoreInput(pupils[i], null, ScoreCode.Points, note));
            }
            else if (decimal.TryParse(typed.Replace(',', '.'), NumberStyles.Number, CultureInfo.InvariantCulture, out var points))
            {
                rows.Add(new ScoreInput(pupils[i], points, ScoreCode.Points, note));
            }
            else
            {
                ModelState.AddModelError($"scores[{i}].points", $"{name}: \"{typed}\" is geen score (een getal, AFW of VR).");
            }
        }

        if (ModelState.IsValid)
        {
            var editor = (await access.ViewerAsync(courseId, User.PersonId(), User.Role() ?? PersonRole.Pupil, cancellationToken))!;
            var outcome = await book.RecordAsync(courseId, evaluationId, rows, editor, cancellationToken);
            if (outcome is { Succeeded: true })
            {
                return Redirect(Url.Content($"~/courses/{courseId}/grades/{evaluationId}"));
            }

            foreach (var (field, messages) in outcome?.Errors?.ToDictionary() ?? new Dictionary<string, string[]>())
            {
                var index = int.TryParse(field.AsSpan(7, Math.Max(0, field.IndexOf(']', StringComparison.Ordinal) - 7)), out var n) ? n : -1;
                var who = index >= 0 && index < pupils.Count ? Sheet!.Rows.FirstOrDefault(r => r.PupilId == pupils[index])?.Name + ": " : "";
                foreach (var message in messages)
                {
                    ModelState.AddModelError(field, who + message);
                }
            }
        }

        var page = Page();
        page.StatusCode = StatusCodes.Status400BadRequest;
        return page;
    }

    /// <summary>Changes the evaluation itself (name, date, maximum, weight, category).</summary>
    public async Task<IActionResult> OnPostEditAsync(Guid courseId, Guid evaluationId, string? name, DateOnly? date, string? maxScore, string? weight, string? category, CancellationToken cancellationToken)
    {
        if (await LoadAsync(courseId, evaluationId, cancellationToken) is { } failed)
        {
            return failed;
        }

        var max = ModelState.ReadDecimal(maxScore, "maxScore");
        var weightValue = ModelState.ReadDecimal(weight, "weight");
        if (ModelState.IsValid)
        {
            var editor = (await access.ViewerAsync(courseId, User.PersonId(), User.Role() ?? PersonRole.Pupil, cancellationToken))!;
            var outcome = await book.UpdateAsync(courseId, evaluationId, new EvaluationInput(name, date, max, weightValue, category), editor, cancellationToken);
            if (outcome is null)
            {
                return NotFound();
            }

            if (outcome.Value.Succeeded)
            {
                return Redirect(Url.Content($"~/courses/{courseId}/grades/{evaluationId}"));
            }

            outcome.Value.Errors!.CopyTo(ModelState);
        }

        var page = Page();
        page.StatusCode = StatusCodes.Status400BadRequest;
        return page;
    }

    /// <summary>Deletes the evaluation and its scores; a graded assignment's evaluation goes with the assignment instead.</summary>
    public async Task<IActionResult> OnPostDeleteAsync(Guid courseId, Guid evaluationId, CancellationToken cancellationToken)
    {
        if (await LoadAsync(courseId, evaluationId, cancellationToken) is { } failed)
        {
            return failed;
        }

        var editor = (await access.ViewerAsync(courseId, User.PersonId(), User.Role() ?? PersonRole.Pupil, cancellationToken))!;
        switch (await book.DeleteAsync(courseId, evaluationId, editor, cancellationToken))
        {
            case EvaluationDeletion.Deleted:
                return Redirect(Url.Content($"~/courses/{courseId}/grades"));
            case EvaluationDeletion.BelongsToAssignment:
                ModelState.AddModelError("", "Deze evaluatie hoort bij een opdracht: verwijder de opdracht of zet ze niet meer op punten.");
                var page = Page();
                page.StatusCode = StatusCodes.Status409Conflict;
                return page;
            default:
                return NotFound();
        }
    }

    public async Task<IActionResult> OnPostReleaseAsync(Guid courseId, Guid evaluationId, CancellationToken cancellationToken)
    {
        if (await LoadAsync(courseId, evaluationId, cancellationToken) is { } failed)
        {
            return failed;
        }

        await book.ReleaseAsync(courseId, evaluationId, cancellationToken);
        return Redirect(Url.Content($"~/courses/{courseId}/grades/{evaluationId}"));
    }

    private async Task<IActionResult?> LoadAsync(Guid courseId, Guid evaluationId, CancellationToken cancellationToken)
    {
        var viewer = await access.ViewerAsync(courseId, User.PersonId(), User.Role() ?? PersonRole.Pupil, cancellationToken);
        Sheet = viewer is null ? null : await book.SheetAsync(courseId, evaluationId, cancellationToken);
        if (Sheet is null)
        {
            return NotFound();
        }

        return viewer!.CanEdit ? null : Forbid();
    }
}
