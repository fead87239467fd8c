using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Courses;

[Authorize(Policy = SchoolbelPolicies.SchoolMember)]
[SchoolEndpoint]
public sealed class CoursePageModel(CourseAccess access, CoursesAdmin courses) : PageModel
{
    public CourseDetails? Course { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid courseId, CancellationToken cancellationToken)
    {
        if (!await access.CanViewAsync(courseId, User.PersonId(), User.Role()!.Value, cancellationToken))
        {
            return NotFound();
        }

        Course = await courses.GetAsync(courseId, cancellationToken);
        return Course is null ? NotFound() : Page();
    }
}
