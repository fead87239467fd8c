using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Schoolbel.Server.Courses;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Assignments;

/// <summary>
/// One assignment. Pupils read it and hand in (text, files or both; again until the deadline),
/// parents follow their child's work, teachers add attachments and see who has handed in.
/// The POST handlers stream their multipart bodies (see <see cref="AssignmentUploads"/>), so
/// this page checks the anti-forgery token itself instead of MVC reading the whole form first.
/// </summary>
[Authorize(Policy = SchoolbelPolicies.SchoolMember)]
[SchoolEndpoint]
[FormStreaming]
[IgnoreAntiforgeryToken]
public sealed class AssignmentPageModel(CourseAccess access, AssignmentBook book, AssignmentUploads uploads, TimeProvider time) : PageModel
{
    public CourseViewer? Viewer { get; private set; }
    public AssignmentDetails? Details { get; private set; }
    public DateTime Now { get; private set; }

    /// <summary>A fresh key per rendering of the form: a double click or a retried POST sends the same one.</summary>
    public string IdempotencyKey { get; } = Guid.NewGuid().ToString("N");

    /// <summary>Whether the pupil may hand in now: before the deadline, when late work is accepted, or when the work was returned.</summary>
    public bool CanSubmit { get; private set; }

    public async Task<IActionResult> OnGetAsync([FromRoute] Guid courseId, [FromRoute] Guid assignmentId, CancellationToken cancellationToken) =>
        await LoadAsync(courseId, assignmentId, cancellationToken) ? Page() : NotFound();

    public async Task<IActionResult> OnPostSubmitAsync([FromRoute] Guid courseId, [FromRoute] Guid assignmentId, CancellationToken cancellationToken)
    {
        var result = await uploads.SubmitAsync(HttpContext, courseId, assignmentId, fromPage: true, cancellationToken);
        if (result.Status is IntakeStatus.Created or IntakeStatus.Replayed)
        {
            // See Other: reloading the receipt never posts again.
            return See(Url.Content($"~/courses/{courseId}/assignments/{assignmentId}/submissions/{result.Receipt!.SubmissionId}"));
        }

        return await FailAsync(courseId, assignmentId, result, cancellationToken);
    }

    public async Task<IActionResult> OnPostAttachAsync([FromRoute] Guid courseId, [FromRoute] Guid assignmentId, CancellationToken cancellationToken)
    {
        var result = await uploads.AttachAsync(HttpContext, courseId, assignmentId, fromPage: true, cancellationToken);
        return result.Status == IntakeStatus.Created
            ? See(Url.Content($"~/courses/{courseId}/assignments/{assignmentId}"))
            : await FailAsync(courseId, assignmentId, result, cancellationToken);
    }

    private StatusCodeResult See(string url)
    {
        Response.Headers.Location = url;
        return StatusCode(StatusCodes.Status303SeeOther);
    }

    private async Task<IActionResult> FailAsync(Guid courseId, Guid assignmentId, IntakeResult result, CancellationToken cancellationToken)
    {
        if (result.Status == IntakeStatus.NotFound || !await LoadAsync(courseId, assignmentId, cancellationToken))
        {
            return NotFound();
        }

        ModelState.AddModelError(result.Field ?? "", result.Message ?? "Er ging iets mis.");
        var page = Page();
        page.StatusCode = AssignmentsEndpoints.StatusOf(result.Status);
        return page;
    }

    private async Task<bool> LoadAsync(Guid courseId, Guid assignmentId, CancellationToken cancellationToken)
    {
        Now = time.GetUtcNow().UtcDateTime;
        Viewer = await access.ViewerAsync(courseId, User.PersonId(), User.Role() ?? PersonRole.Pupil, cancellationToken);
        Details = Viewer is null ? null : await book.DetailsAsync(courseId, assignmentId, Viewer, cancellationToken);
        if (Details is null)
        {
            return false;
        }

        var assignment = Details.Assignment;
        CanSubmit = Viewer!.Role == PersonRole.Pupil
            && (Now <= assignment.DueAt || assignment.AcceptsLate || Details.Work.Any(w => w.Review?.Status == ReviewStatus.Returned));
        return true;
    }
}
