using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.People.Admin;

/// <summary>All classes with their number of pupils, and a form to add one.</summary>
[Authorize(Policy = SchoolbelPolicies.SchoolAdmin)]
[SchoolEndpoint]
public sealed class ClassesListModel(ClassesAdmin classes) : PageModel
{
    private IDictionary<string, string[]> _errors = new Dictionary<string, string[]>();

    public IReadOnlyList<ClassSummary> Classes { get; private set; } = [];
    public string? Name { get; private set; }
    public string? SchoolYear { get; private set; }

    public IReadOnlyList<string> ErrorsFor(string field) => _errors.TryGetValue(field, out var messages) ? messages : [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        SchoolYear = classes.CurrentSchoolYear;
        Classes = await classes.ListAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostCreateAsync(string? name, string? schoolYear, CancellationToken cancellationToken)
    {
        var outcome = await classes.CreateAsync(new ClassInput(name, schoolYear), cancellationToken);
        if (outcome.Succeeded)
        {
            TempData[PersonEditModel.NoticeKey] = "Klas aangemaakt.";
            return RedirectToPage("/People/Admin/ClassEdit", new { classId = outcome.Value!.Id });
        }

        Name = name;
        SchoolYear = schoolYear;
        _errors = outcome.Errors!.ToDictionary();
        Response.StatusCode = StatusCodes.Status400BadRequest;
        Classes = await classes.ListAsync(cancellationToken);
        return Page();
    }
}
