using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Assignments;

/// <summary>All assignments of the signed-in person's courses (a parent: their children's).</summary>
[Authorize(Policy = SchoolbelPolicies.SchoolMember)]
[SchoolEndpoint]
public sealed class AssignmentsOverviewModel(AssignmentBook book, TimeProvider time) : PageModel
{
    public AssignmentList? List { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var role = User.Role() ?? PersonRole.Pupil;
        List = new AssignmentList(await book.ForPersonAsync(User.PersonId(), role, cancellationToken), role, time.GetUtcNow().UtcDateTime, ShowCourse: true);
    }
}
