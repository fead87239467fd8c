using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Data;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.People.Admin;

/// <summary>One person: details, names and links, password, and deletion.</summary>
[Authorize(Policy = SchoolbelPolicies.SchoolAdmin)]
[SchoolEndpoint]
public sealed class PersonEditModel(PeopleAdmin people, ClassesAdmin classes, SchoolbelDb db) : PageModel
{
    /// <summary>TempData key of the one-line confirmation shown after a redirect.</summary>
    public const string NoticeKey = "AdminNotice";

    private IDictionary<string, string[]> _errors = new Dictionary<string, string[]>();

    public PersonDetails? Person { get; private set; }
    public IReadOnlyList<ClassSummary> AllClasses { get; private set; } = [];

    // The edit form, re-shown with what was typed when it has errors.
    public string? FirstName { get; private set; }
    public string? LastName { get; private set; }
    public string? Email { get; private set; }
    public IReadOnlyCollection<Guid> SelectedClassIds { get; private set; } = [];
    public string? Children { get; private set; }
    public IReadOnlyList<string> UnknownChildren { get; private set; } = [];

    public bool IsSelf => Person is not null && Person.Id == User.PersonId();

    [TempData(Key = NoticeKey)]
    public string? Notice { get; set; }

    public IReadOnlyList<string> ErrorsFor(string field) => _errors.TryGetValue(field, out var messages) ? messages : [];

    public async Task<IActionResult> OnGetAsync(Guid personId, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(personId, cancellationToken))
        {
            return NotFound();
        }

        FillFormFromPerson();
        return Page();
    }

    public async Task<IActionResult> OnPostSaveAsync(
        Guid personId, string? firstName, string? lastName, string? email, Guid[]? classIds, string? children,
        CancellationToken cancellationToken)
    {
        if (!await LoadAsync(personId, cancellationToken))
        {
            return NotFound();
        }

        var person = Person!;
        FirstName = firstName;
        LastName = lastName;
        Email = email;
        SelectedClassIds = classIds ?? [];
        Children = children;

        // The form shows every link of this role, so an empty choice means "none" rather than "unchanged".
        IReadOnlyList<Guid>? classChoice = person.Role == PersonRole.Pupil ? classIds ?? [] : null;
        IReadOnlyList<Guid>? childChoice = null;
        if (person.Role == PersonRole.Parent)
        {
            var resolved = await PupilUsernames.ResolveAsync(db, children, cancellationToken);
            UnknownChildren = resolved.Unknown;
            childChoice = resolved.Ids;
        }

        if (UnknownChildren.Count > 0)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        var outcome = await people.UpdateAsync(personId, new PersonInput(null, null, firstName, lastName, email, null, classChoice, childChoice), cancellationToken);
        if (outcome is null)
        {
            return NotFound();
        }

        if (!outcome.Value.Succeeded)
        {
            _errors = outcome.Value.Errors!.ToDictionary();
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        Notice = "Opgeslagen.";
        return RedirectToPage(new { personId });
    }

    public async Task<IActionResult> OnPostPasswordAsync(Guid personId, string? password, CancellationToken cancellationToken)
    {
        var errors = await people.SetPasswordAsync(personId, password, cancellationToken);
        if (errors is null)
        {
            return NotFound();
        }

        if (!errors.Any)
        {
            Notice = "Wachtwoord ingesteld.";
            return RedirectToPage(new { personId });
        }

        await LoadAsync(personId, cancellationToken);
        FillFormFromPerson();
        _errors = errors.ToDictionary();
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    public async Task<IActionResult> OnPostDeleteAsync(Guid personId, CancellationToken cancellationToken)
    {
        if (personId == User.PersonId())
        {
            if (!await LoadAsync(personId, cancellationToken))
            {
                return NotFound();
            }

            FillFormFromPerson();
            _errors = new Dictionary<string, string[]> { ["delete"] = ["Je kunt jezelf niet verwijderen."] };
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        if (!await people.DeleteAsync(personId, cancellationToken))
        {
            return NotFound();
        }

        return RedirectToPage("/People/Admin/PeopleList");
    }

    private async Task<bool> LoadAsync(Guid personId, CancellationToken cancellationToken)
    {
        Person = await people.GetAsync(personId, cancellationToken);
        if (Person is null)
        {
            return false;
        }

        if (Person.Role == PersonRole.Pupil)
        {
            AllClasses = await classes.ListAsync(cancellationToken);
        }

        return true;
    }

    private void FillFormFromPerson()
    {
        var person = Person!;
        FirstName = person.FirstName;
        LastName = person.LastName;
        Email = person.Email;
        SelectedClassIds = [.. person.Classes.Select(c => c.Id)];
        Children = string.Join(", ", person.Children.Select(c => c.Username));
    }
}

/// <summary>Turns "emma.peeters, wout.claes" as typed by an admin into the ids of those pupils.</summary>
internal static class PupilUsernames
{
    private static readonly char[] Separators = [',', ';', ' ', '\t', '\r', '\n'];

    /// <summary>The ids in the order typed, and the names that are not a pupil of this school.</summary>
    public static async Task<(IReadOnlyList<Guid> Ids, IReadOnlyList<string> Unknown)> ResolveAsync(
        SchoolbelDb db, string? text, CancellationToken cancellationToken)
    {
        var names = (text ?? "").Split(Separators, StringSplitOptions.RemoveEmptyEntries)
            .Select(PasswordSignIn.NormalizeUsername).Distinct(StringComparer.Ordinal).ToList();
        if (names.Count == 0)
        {
            return ([], []);
        }

        // The school filter on People keeps this inside the current school.
        var found = await db.People.AsNoTracking()
            .Where(p => p.Role == PersonRole.Pupil && names.Contains(p.Username))
            .Select(p => new { p.Id, p.Username })
            .ToDictionaryAsync(p => p.Username, p => p.Id, StringComparer.Ordinal, cancellationToken);
        return (
            [.. names.Where(found.ContainsKey).Select(n => found[n])],
            [.. names.Where(n => !found.ContainsKey(n))]);
    }
}
