using System.Globalization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Schoolbel.Server.Courses;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Assignments;

/// <summary>A teacher opens one pupil's work: every hand-in, and the feedback and score to save, release or return.</summary>
[Authorize(Policy = SchoolbelPolicies.SchoolMember)]
[SchoolEndpoint]
public sealed class ReviewPageModel(CourseAccess access, AssignmentBook book) : PageModel
{
    public AssignmentSummary? Assignment { get; private set; }
    public PupilWork? Work { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid courseId, Guid assignmentId, Guid personId, CancellationToken cancellationToken) =>
        await LoadAsync(courseId, assignmentId, personId, cancellationToken) is { } failed ? failed : Page();

    /// <summary><paramref name="score"/> as typed: a comma or a point for decimals; empty for none.</summary>
    public async Task<IActionResult> OnPostAsync(Guid courseId, Guid assignmentId, Guid personId, string? feedback, string? score, ReviewAction action, CancellationToken cancellationToken)
    {
        if (await LoadAsync(courseId, assignmentId, personId, cancellationToken) is { } failed)
        {
            return failed;
        }

        decimal? points = null;
        if (!string.IsNullOrWhiteSpace(score))
        {
            if (!decimal.TryParse(score.Trim().Replace(',', '.'), NumberStyles.Number, CultureInfo.InvariantCulture, out var parsed))
            {
                ModelState.AddModelError("score", "De score is geen getal.");
                return BadPage();
            }

            points = parsed;
        }

        var viewer = (await access.ViewerAsync(courseId, User.PersonId(), User.Role() ?? PersonRole.Pupil, cancellationToken))!;
        var outcome = await book.ReviewAsync(courseId, assignmentId, personId, new ReviewInput(feedback, points, action), viewer, cancellationToken);
        if (outcome is null)
        {
            return NotFound();
        }

        if (!outcome.Value.Succeeded)
        {
            outcome.Value.Errors!.CopyTo(ModelState);

            await LoadAsync(courseId, assignmentId, personId, cancellationToken);
            return BadPage();
        }

        return Redirect(Url.Content($"~/courses/{courseId}/assignments/{assignmentId}"));
    }

    private PageResult BadPage()
    {
        var page = Page();
        page.StatusCode = StatusCodes.Status400BadRequest;
        return page;
    }

    private async Task<IActionResult?> LoadAsync(Guid courseId, Guid assignmentId, Guid personId, CancellationToken cancellationToken)
    {
        var viewer = await access.ViewerAsync(courseId, User.PersonId(), User.Role() ?? PersonRole.Pupil, cancellationToken);
        var details = viewer is null ? null : await book.DetailsAsync(courseId, assignmentId, viewer, cancellationToken);
        if (details is null)
        {
            return NotFound();
        }

        if (!viewer!.CanEdit)
        {
            return Forbid();
        }

        Assignment = details.Assignment;
        Work = details.Work.FirstOrDefault(w => w.PupilId == personId);
        return Work is null ? NotFound() : null;
    }
}
