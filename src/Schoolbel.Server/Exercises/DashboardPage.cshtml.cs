using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Schoolbel.Server.Admission;
using Schoolbel.Server.Courses;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Exercises;

/// <summary>
/// The teacher's practice overview: mastery per pupil and skill, who is stuck, time spent, and
/// one pupil's answers. Non-essential under overload: during brown-out it says so instead of
/// querying, so pupils' answers get the capacity.
/// </summary>
[Authorize(Policy = SchoolbelPolicies.SchoolMember)]
[SchoolEndpoint]
[AdmissionPriority(RequestPriority.Sheddable)]
public sealed class DashboardPageModel(CourseAccess access, CoursesAdmin courses, ExerciseDashboard dashboard, BrownOut brownOut) : PageModel
{
    public CourseDetails? Course { get; private set; }
    public DashboardView? View { get; private set; }
    public PupilAnswers? Pupil { get; private set; }
    public bool Postponed { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid courseId, Guid? pupil, CancellationToken cancellationToken)
    {
        var viewer = await access.ViewerAsync(courseId, User.PersonId(), User.Role() ?? PersonRole.Pupil, cancellationToken);
        if (viewer is not { CanEdit: true })
        {
            return NotFound();
        }

        Course = await courses.GetAsync(courseId, cancellationToken);
        if (Course is null)
        {
            return NotFound();
        }

        if (brownOut.IsActive)
        {
            Postponed = true;
            return Page();
        }

        if (pupil is { } pupilId)
        {
            Pupil = await dashboard.PupilAsync(courseId, pupilId, cancellationToken);
            return Pupil is null ? NotFound() : Page();
        }

        View = await dashboard.ForCourseAsync(courseId, cancellationToken);
        return Page();
    }
}
