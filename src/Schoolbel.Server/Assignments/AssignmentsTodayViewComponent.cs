using Microsoft.AspNetCore.Mvc;
using Schoolbel.Server.Courses;
using Schoolbel.Server.Lessons;
using Schoolbel.Server.People;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Assignments;

/// <summary>The today page's "to hand in" list for a pupil: due from yesterday up to two weeks ahead (cached per pupil).</summary>
public sealed class AssignmentsTodayViewComponent(CourseAccess access, AssignmentDueDates dueDates, TimeProvider time) : ViewComponent
{
    public async Task<IViewComponentResult> InvokeAsync()
    {
        var user = HttpContext.User;
        if (user.Role() != PersonRole.Pupil)
        {
            return Content("");
        }

        var pupilId = user.PersonId();
        var now = time.GetUtcNow().UtcDateTime;
        var membership = await access.PupilAsync(pupilId, HttpContext.RequestAborted);
        var due = await dueDates.TodayAsync(pupilId, membership, SchoolTime.LocalDate(now), HttpContext.RequestAborted);
        return View("/Assignments/_Today.cshtml", new TodayAssignments(due, now));
    }
}

public sealed record TodayAssignments(IReadOnlyList<DueAssignment> Items, DateTime Now);
