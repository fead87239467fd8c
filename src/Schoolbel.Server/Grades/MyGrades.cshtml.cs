using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Schoolbel.Server.Courses;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Grades;

/// <summary>
/// Grades: a pupil's released scores and course totals, a parent's for each child (read only),
/// and for staff the gradebooks of their courses.
/// </summary>
[Authorize(Policy = SchoolbelPolicies.SchoolMember)]
[SchoolEndpoint]
public sealed class MyGradesModel(CourseAccess access, GradeReaders readers) : PageModel
{
    public IReadOnlyList<PupilReport> Reports { get; private set; } = [];
    public IReadOnlyList<CourseLink> Courses { get; private set; } = [];
    public PersonRole Role { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var me = User.PersonId();
        Role = User.Role() ?? PersonRole.Pupil;
        switch (Role)
        {
            case PersonRole.Pupil:
                Reports = [.. new[] { await readers.ReportForAsync(me, Role, me, cancellationToken) }.OfType<PupilReport>()];
                break;
            case PersonRole.Parent:
                var reports = new List<PupilReport>();
                foreach (var child in await access.ChildrenAsync(me, cancellationToken))
                {
                    if (await readers.ReportForAsync(me, Role, child.Id, cancellationToken) is { } report)
                    {
                        reports.Add(report);
                    }
                }

                Reports = reports;
                break;
            default:
                Courses = await access.CoursesOfTeacherAsync(me, cancellationToken);
                break;
        }
    }
}
