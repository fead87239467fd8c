using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Schoolbel.Server.Data;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.People.Admin;

/// <summary>One class: name and school year, its pupils, and deletion.</summary>
[Authorize(Policy = SchoolbelPolicies.SchoolAdmin)]
[SchoolEndpoint]
public sealed class ClassEditModel(ClassesAdmin classes, SchoolbelDb db) : PageModel
{
    private IDictionary<string, string[]> _errors = new Dictionary<string, string[]>();

    public ClassDetails? Class { get; private set; }
    public string? Name { get; private set; }
    public string? SchoolYear { get; private set; }
    public string? Usernames { get; private set; }
    public IReadOnlyList<string> UnknownPupils { get; private set; } = [];

    [TempData(Key = PersonEditModel.NoticeKey)]
    public string? Notice { get; set; }

    public IReadOnlyList<string> ErrorsFor(string field) => _errors.TryGetValue(field, out var messages) ? messages : [];

    public async Task<IActionResult> OnGetAsync(Guid classId, CancellationToken cancellationToken) =>
        await LoadAsync(classId, cancellationToken) ? Page() : NotFound();

    public async Task<IActionResult> OnPostSaveAsync(Guid classId, string? name, string? schoolYear, CancellationToken cancellationToken)
    {
        var outcome = await classes.UpdateAsync(classId, new ClassInput(name, schoolYear), cancellationToken);
        if (outcome is null)
        {
            return NotFound();
        }

        if (outcome.Value.Succeeded)
        {
            Notice = "Opgeslagen.";
            return RedirectToPage(new { classId });
        }

        await LoadAsync(classId, cancellationToken);
        Name = name;
        SchoolYear = schoolYear;
        return Invalid(outcome.Value.Errors!.ToDictionary());
    }

    public async Task<IActionResult> OnPostAddAsync(Guid classId, string? usernames, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(classId, cancellationToken))
        {
            return NotFound();
        }

        Usernames = usernames;
        var (ids, unknown) = await PupilUsernames.ResolveAsync(db, usernames, cancellationToken);
        if (unknown.Count > 0 || ids.Count == 0)
        {
            UnknownPupils = unknown;
            return Invalid(ids.Count == 0 && unknown.Count == 0
                ? new Dictionary<string, string[]> { ["usernames"] = ["Vul minstens één gebruikersnaam in."] }
                : new Dictionary<string, string[]>());
        }

        var pupils = Class!.Pupils.Select(p => p.Id).Union(ids).ToList();
        return await UpdatePupilsAsync(classId, pupils, "Leerlingen toegevoegd.", cancellationToken);
    }

    public async Task<IActionResult> OnPostRemoveAsync(Guid classId, Guid pupilId, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(classId, cancellationToken))
        {
            return NotFound();
        }

        var pupils = Class!.Pupils.Select(p => p.Id).Where(id => id != pupilId).ToList();
        return await UpdatePupilsAsync(classId, pupils, "Leerling uit de klas gehaald.", cancellationToken);
    }

    public async Task<IActionResult> OnPostDeleteAsync(Guid classId, CancellationToken cancellationToken)
    {
        if (!await classes.DeleteAsync(classId, cancellationToken))
        {
            return NotFound();
        }

        return RedirectToPage("/People/Admin/ClassesList");
    }

    private async Task<IActionResult> UpdatePupilsAsync(Guid classId, List<Guid> pupils, string notice, CancellationToken cancellationToken)
    {
        var outcome = await classes.UpdateAsync(classId, new ClassInput(Class!.Name, Class.SchoolYear, pupils), cancellationToken);
        if (outcome is null)
        {
            return NotFound();
        }

        if (!outcome.Value.Succeeded)
        {
            return Invalid(outcome.Value.Errors!.ToDictionary());
        }

        Notice = notice;
        return RedirectToPage(new { classId });
    }

    private PageResult Invalid(IDictionary<string, string[]> errors)
    {
        _errors = errors;
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    private async Task<bool> LoadAsync(Guid classId, CancellationToken cancellationToken)
    {
        Class = await classes.GetAsync(classId, cancellationToken);
        Name = Class?.Name;
        SchoolYear = Class?.SchoolYear;
        return Class is not null;
    }
}
