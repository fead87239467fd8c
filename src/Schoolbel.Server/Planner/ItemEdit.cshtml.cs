using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Planner;

/// <summary>Change or remove one homework, test or bring item (teachers of its course, school admins).</summary>
[Authorize(Policy = SchoolbelPolicies.Staff)]
[SchoolEndpoint]
public sealed class ItemEditModel(PlannerItems items) : PageModel
{
    private IDictionary<string, string[]> _errors = new Dictionary<string, string[]>();

    public PlannerItemView? Item { get; private set; }
    public PlannerItemInput Form { get; private set; } = new(null, null, null, null, null, null);
    public IReadOnlyList<PlannableCourse> Plannable { get; private set; } = [];

    public IReadOnlyList<string> ErrorsFor(string field) => _errors.TryGetValue(field, out var messages) ? messages : [];

    public async Task<IActionResult> OnGetAsync(Guid plannerItemId, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(plannerItemId, cancellationToken))
        {
            return NotFound();
        }

        var item = Item!;
        Form = new PlannerItemInput(item.CourseId, item.ClassId, item.Kind, item.Day, item.Title, item.Details);
        return Page();
    }

    public async Task<IActionResult> OnPostSaveAsync(
        Guid plannerItemId, string? courseClass, PlannerItemKind? kind, DateOnly? day, string? title, string? details, CancellationToken cancellationToken)
    {
        var (courseId, classId) = WeekPageModel.ParseCourseClass(courseClass);
        var input = new PlannerItemInput(courseId, classId, kind, day, title, details);
        var outcome = await items.UpdateAsync(plannerItemId, input, User.PersonId(), User.Role() ?? PersonRole.Pupil, cancellationToken);
        if (outcome is null)
        {
            return NotFound();
        }

        if (outcome.Value.Succeeded)
        {
            TempData[nameof(WeekPageModel.Notice)] = "Opgeslagen.";
            return Redirect(Url.Content("~/planner?week=" + WeekPageModel.Iso(PlannerWeeks.MondayOf(day!.Value))));
        }

        _errors = outcome.Value.Errors!.ToDictionary();
        Form = input;
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return await LoadAsync(plannerItemId, cancellationToken) ? Page() : NotFound();
    }

    public async Task<IActionResult> OnPostDeleteAsync(Guid plannerItemId, CancellationToken cancellationToken)
    {
        var item = await items.GetAsync(plannerItemId, User.PersonId(), User.Role() ?? PersonRole.Pupil, cancellationToken);
        if (item is null || !await items.DeleteAsync(plannerItemId, User.PersonId(), User.Role() ?? PersonRole.Pupil, cancellationToken))
        {
            return NotFound();
        }

        TempData[nameof(WeekPageModel.Notice)] = "Verwijderd.";
        return Redirect(Url.Content("~/planner?week=" + WeekPageModel.Iso(PlannerWeeks.MondayOf(item.Day))));
    }

    private async Task<bool> LoadAsync(Guid plannerItemId, CancellationToken cancellationToken)
    {
        Item = await items.GetAsync(plannerItemId, User.PersonId(), User.Role() ?? PersonRole.Pupil, cancellationToken);
        if (Item is null)
        {
            return false;
        }

        Plannable = await items.PlannableAsync(User.PersonId(), User.Role() ?? PersonRole.Pupil, cancellationToken);
        return true;
    }
}
