using System.Globalization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Schoolbel.Server.Courses;
using Schoolbel.Server.Lessons;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;
using Schoolbel.Server.Web;

namespace Schoolbel.Server.Assignments;

/// <summary>
/// Editing an assignment (its teachers and school admins): everything it was created with, its
/// attachments removed one by one, and deleting it (a soft delete: the pupils' work stays stored,
/// see <see cref="Assignment.DeletedAt"/>). Ordinary forms, so MVC checks the anti-forgery token.
/// </summary>
[Authorize(Policy = SchoolbelPolicies.SchoolMember)]
[SchoolEndpoint]
public sealed class AssignmentEditModel(CourseAccess access, CoursesAdmin courses, AssignmentBook book) : PageModel
{
    public CourseDetails? Course { get; private set; }
    public AssignmentForm? Form { get; private set; }
    public IReadOnlyList<IdName> Pupils { get; private set; } = [];

    /// <summary>The deadline for the datetime-local field, in school time.</summary>
    public string DueLocal => SchoolTime.ToLocal(Form!.DueAt).ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture);

    public async Task<IActionResult> OnGetAsync(Guid courseId, Guid assignmentId, CancellationToken cancellationToken) =>
        (await LoadAsync(courseId, assignmentId, cancellationToken)).Failed ?? Page();

    /// <summary><paramref name="dueAt"/> is school-local time from a datetime-local field.</summary>
    public async Task<IActionResult> OnPostSaveAsync(
        Guid courseId, Guid assignmentId, string? title, string? instructions, DateTime? dueAt, bool acceptsLate, bool graded, string? maxScore, string? weight,
        string? category, List<Guid>? classIds, List<Guid>? pupilIds, CancellationToken cancellationToken)
    {
        var (editor, failed) = await LoadAsync(courseId, assignmentId, cancellationToken);
        if (failed is not null)
        {
            return failed;
        }

        var max = ModelState.ReadDecimal(maxScore, "maxScore");
        var weightValue = ModelState.ReadDecimal(weight, "weight");
        if (ModelState.IsValid)
        {
            var input = new AssignmentInput(title, instructions, dueAt is { } local ? SchoolTime.FromLocal(local) : null, acceptsLate, graded,
                graded ? max : null, classIds, pupilIds, weightValue, category);
            var outcome = await book.UpdateAsync(courseId, assignmentId, input, editor!, cancellationToken);
            if (outcome is null)
            {
                return NotFound();
            }

            if (outcome.Value.Succeeded)
            {
                return Redirect(Url.Content($"~/courses/{courseId}/assignments/{assignmentId}"));
            }

            outcome.Value.Errors!.CopyTo(ModelState);
        }

        var page = Page();
        page.StatusCode = StatusCodes.Status400BadRequest;
        return page;
    }

    public async Task<IActionResult> OnPostDeleteAsync(Guid courseId, Guid assignmentId, CancellationToken cancellationToken)
    {
        var (editor, failed) = await LoadAsync(courseId, assignmentId, cancellationToken);
        if (failed is not null)
        {
            return failed;
        }

        await book.DeleteAsync(courseId, assignmentId, editor!, cancellationToken);
        return Redirect(Url.Content($"~/courses/{courseId}/assignments"));
    }

    public async Task<IActionResult> OnPostRemoveAttachmentAsync(Guid courseId, Guid assignmentId, Guid fileId, CancellationToken cancellationToken)
    {
        var (_, failed) = await LoadAsync(courseId, assignmentId, cancellationToken);
        if (failed is not null)
        {
            return failed;
        }

        return await book.RemoveAttachmentAsync(courseId, assignmentId, fileId, cancellationToken)
            ? Redirect(Url.Content($"~/courses/{courseId}/assignments/{assignmentId}/edit"))
            : NotFound();
    }

    /// <summary>The editor, or the answer when there is none: 404 for another course or school, 403 for pupils and parents.</summary>
    private async Task<(CourseViewer? Editor, IActionResult? Failed)> LoadAsync(Guid courseId, Guid assignmentId, CancellationToken cancellationToken)
    {
        var viewer = await access.ViewerAsync(courseId, User.PersonId(), User.Role() ?? PersonRole.Pupil, cancellationToken);
        if (viewer is null)
        {
            return (null, NotFound());
        }

        if (!viewer.CanEdit)
        {
            return (null, Forbid());
        }

        Course = await courses.GetAsync(courseId, cancellationToken);
        Form = Course is null ? null : await book.FormAsync(courseId, assignmentId, cancellationToken);
        if (Form is null)
        {
            return (null, NotFound());
        }

        Pupils = await book.CoursePupilsAsync(courseId, cancellationToken);
        return (viewer, null);
    }
}
