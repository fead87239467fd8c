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

/// <summary>A course's assignments; its teachers create new ones here.</summary>
[Authorize(Policy = SchoolbelPolicies.SchoolMember)]
[SchoolEndpoint]
public sealed class CourseAssignmentsModel(CourseAccess access, CoursesAdmin courses, AssignmentBook book, TimeProvider time) : PageModel
{
    public CourseDetails? Course { get; private set; }
    public CourseViewer? Viewer { get; private set; }
    public IReadOnlyList<AssignmentSummary> Assignments { get; private set; } = [];
    public IReadOnlyList<IdName> Pupils { get; private set; } = [];
    public DateTime Now { get; private set; }

    /// <summary>The form's default deadline: a week from now at 08:30, school time.</summary>
    public string DefaultDue => SchoolTime.LocalDate(Now).AddDays(7).ToDateTime(new TimeOnly(8, 30)).ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture);

    public async Task<IActionResult> OnGetAsync(Guid courseId, CancellationToken cancellationToken) =>
        await LoadAsync(courseId, cancellationToken) ? Page() : NotFound();

    /// <summary><paramref name="dueAt"/> is school-local time from a datetime-local field.</summary>
    public async Task<IActionResult> OnPostCreateAsync(
        Guid courseId, string? title, string? instructions, DateTime? dueAt, bool acceptsLate, bool graded, string? maxScore, string? weight, string? category,
        List<Guid>? classIds, List<Guid>? pupilIds, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(courseId, cancellationToken))
        {
            return NotFound();
        }

        if (!Viewer!.CanEdit)
        {
            return Forbid();
        }

        var max = ModelState.ReadDecimal(maxScore, "maxScore");
        var weightValue = ModelState.ReadDecimal(weight, "weight");
        if (ModelState.IsValid)
        {
            var input = new AssignmentInput(title, instructions, dueAt is { } local ? SchoolTime.FromLocal(local) : null, acceptsLate, graded,
                graded ? max : null, classIds, pupilIds, weightValue, category);
            var outcome = await book.CreateAsync(courseId, input, Viewer, cancellationToken);
            if (outcome.Succeeded)
            {
                return Redirect(Url.Content($"~/courses/{courseId}/assignments/{outcome.Value!.Id}"));
            }

            outcome.Errors!.CopyTo(ModelState);
        }

        var page = Page();
        page.StatusCode = StatusCodes.Status400BadRequest;
        return page;
    }

    private async Task<bool> LoadAsync(Guid courseId, CancellationToken cancellationToken)
    {
        Now = time.GetUtcNow().UtcDateTime;
        Viewer = await access.ViewerAsync(courseId, User.PersonId(), User.Role() ?? PersonRole.Pupil, cancellationToken);
        Course = Viewer is null ? null : await courses.GetAsync(courseId, cancellationToken);
        if (Course is null)
        {
            return false;
        }

        Assignments = await book.ForCourseAsync(courseId, Viewer!, cancellationToken);
        if (Viewer!.CanEdit)
        {
            Pupils = await book.CoursePupilsAsync(courseId, cancellationToken);
        }

        return true;
    }
}
