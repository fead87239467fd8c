using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using System.Security.Claims;
using Schoolbel.Server.Courses;
using Schoolbel.Server.Exercises;
using Schoolbel.Server.Lessons;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Today;

[Authorize(Policy = SchoolbelPolicies.SchoolMember)]
[SchoolEndpoint]
public sealed class TodayModel(TodayQueries queries, LessonPlanner lessons, CourseAccess access, ExerciseTasks exerciseTasks) : PageModel
{
    public TodayView? View { get; private set; }
    public string FirstName { get; private set; } = "";

    /// <summary>A pupil's lessons published in the last week.</summary>
    public IReadOnlyList<TodayLesson> Lessons { get; private set; } = [];

    /// <summary>A teacher's lessons due in the coming week, with the exact time per class.</summary>
    public IReadOnlyList<LessonSummary> Upcoming { get; private set; } = [];

    /// <summary>A pupil's current exercise tasks.</summary>
    public IReadOnlyList<TaskView> ExerciseTasks { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var name = User.FindFirstValue(ClaimTypes.Name) ?? "";
        FirstName = name.Split(' ')[0];
        View = await queries.ForAsync(User.PersonId(), User.Role()!.Value, cancellationToken);
        if (View.Role == PersonRole.Pupil)
        {
            Lessons = await lessons.PublishedForPupilAsync(User.PersonId(), cancellationToken);
            var membership = await access.PupilAsync(User.PersonId(), cancellationToken);
            ExerciseTasks = await exerciseTasks.ForPupilAsync(User.PersonId(), membership.ClassIds, cancellationToken);
        }
        else if (View.Role == PersonRole.Teacher)
        {
            Upcoming = await lessons.UpcomingForTeacherAsync(User.PersonId(), cancellationToken);
        }
    }
}
