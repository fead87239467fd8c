using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Schoolbel.Server.Courses;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Assignments;

/// <summary>The receipt of a hand-in: shown only after the hand-in was committed, and any time later.</summary>
[Authorize(Policy = SchoolbelPolicies.SchoolMember)]
[SchoolEndpoint]
public sealed class ReceiptPageModel(CourseAccess access, AssignmentUploads uploads) : PageModel
{
    public Receipt? Receipt { get; private set; }
    public Guid CourseId { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid courseId, Guid assignmentId, Guid submissionId, CancellationToken cancellationToken)
    {
        CourseId = courseId;
        var viewer = await access.ViewerAsync(courseId, User.PersonId(), User.Role() ?? PersonRole.Pupil, cancellationToken);
        Receipt = viewer is null ? null : await uploads.ReceiptAsync(courseId, assignmentId, submissionId, viewer, cancellationToken);
        return Receipt is null ? NotFound() : Page();
    }
}
