using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Grades;

/// <summary>A pupil's report to print (the print stylesheet hides the site's chrome): released scores for the pupil and parents, more for staff.</summary>
[Authorize(Policy = SchoolbelPolicies.SchoolMember)]
[SchoolEndpoint]
public sealed class GradeReportModel(GradeReaders readers, TimeProvider time) : PageModel
{
    public PupilReport? Report { get; private set; }
    public DateTime PrintedAt { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid personId, CancellationToken cancellationToken)
    {
        PrintedAt = time.GetUtcNow().UtcDateTime;
        Report = await readers.ReportForAsync(User.PersonId(), User.Role() ?? PersonRole.Pupil, personId, cancellationToken);
        return Report is null ? NotFound() : Page();
    }
}
