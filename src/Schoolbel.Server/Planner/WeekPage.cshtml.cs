using System.Globalization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Planner;

/// <summary>
/// The week of the planner: a pupil's own, a parent's per child, a teacher's courses or one of
/// their classes. Teachers add homework, tests and things to bring here (and change them on ItemEdit).
/// </summary>
[Authorize(Policy = SchoolbelPolicies.SchoolMember)]
[SchoolEndpoint]
public sealed class WeekPageModel(PlannerWeeks weeks, PlannerItems items) : PageModel
{
    private IDictionary<string, string[]> _errors = new Dictionary<string, string[]>();

    public PlannerSubject? Subject { get; private set; }
    public PlannerWeek? Week { get; private set; }
    public DateOnly Today { get; private set; }
    public bool IsStaff { get; private set; }

    /// <summary>The week asked for was not a date (yyyy-MM-dd).</summary>
    public bool BadWeek { get; private set; }
    public IReadOnlyList<PlannableCourse> Plannable { get; private set; } = [];

    /// <summary>The add form's values (kept after a mistake).</summary>
    public PlannerItemInput Form { get; private set; } = new(null, null, PlannerItemKind.Homework, null, null, null);

    [TempData]
    public string? Notice { get; set; }

    public IReadOnlyList<string> ErrorsFor(string field) => _errors.TryGetValue(field, out var messages) ? messages : [];

    public static string Iso(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public async Task<IActionResult> OnGetAsync(string? week, Guid? child, Guid? @class, CancellationToken cancellationToken) =>
        await LoadAsync(week, child, @class, cancellationToken) ? Page() : NotFound();

    public async Task<IActionResult> OnPostAddAsync(
        string? week, Guid? @class, string? courseClass, PlannerItemKind? kind, DateOnly? day, string? title, string? details, CancellationToken cancellationToken)
    {
        if (User.Role() is not (PersonRole.Teacher or PersonRole.SchoolAdmin))
        {
            return Forbid();
        }

        var (courseId, classId) = ParseCourseClass(courseClass);
        var input = new PlannerItemInput(courseId, classId, kind, day, title, details);
        var outcome = await items.CreateAsync(input, User.PersonId(), User.Role() ?? PersonRole.Pupil, cancellationToken);
        if (outcome.Succeeded)
        {
            Notice = "Toegevoegd.";
            return RedirectToPage(new { week = Iso(day!.Value), @class });
        }

        _errors = outcome.Errors!.ToDictionary();
        Form = input;
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return await LoadAsync(week, null, @class, cancellationToken) ? Page() : NotFound();
    }

    /// <summary>The form's one choice of "course · class", sent as "courseId|classId".</summary>
    public static (Guid? CourseId, Guid? ClassId) ParseCourseClass(string? value)
    {
        var parts = (value ?? "").Split('|');
        return parts.Length == 2 && Guid.TryParse(parts[0], out var course) && Guid.TryParse(parts[1], out var schoolClass)
            ? (course, schoolClass)
            : (null, null);
    }

    private async Task<bool> LoadAsync(string? week, Guid? child, Guid? classId, CancellationToken cancellationToken)
    {
        var role = User.Role() ?? PersonRole.Pupil;
        IsStaff = role is PersonRole.Teacher or PersonRole.SchoolAdmin;
        Today = weeks.Today;
        var day = weeks.DefaultDay;
        if (!string.IsNullOrEmpty(week) && !DateOnly.TryParseExact(week, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day))
        {
            // A mangled link: say so, and show this week instead.
            BadWeek = true;
            day = weeks.DefaultDay;
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }

        Subject = await weeks.SubjectAsync(User.PersonId(), role, child, classId, cancellationToken);
        if (Subject is null)
        {
            // A parent without children linked yet still gets the page, with a word about it.
            return role == PersonRole.Parent && child is null;
        }

        Week = await weeks.WeekAsync(Subject.Audience, day, cancellationToken);
        if (IsStaff)
        {
            Plannable = await items.PlannableAsync(User.PersonId(), User.Role() ?? PersonRole.Pupil, cancellationToken);
            Form = Form.Day is null ? Form with { Day = Today >= Week.Monday && Today < Week.NextMonday ? Today : Week.Monday } : Form;
        }

        return true;
    }
}
