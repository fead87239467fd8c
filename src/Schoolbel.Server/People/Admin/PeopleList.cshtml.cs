using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.People.Admin;

/// <summary>Everyone in the school, filtered by role and a search term, with a form to add a person.</summary>
[Authorize(Policy = SchoolbelPolicies.SchoolAdmin)]
[SchoolEndpoint]
public sealed class PeopleListModel(PeopleAdmin people, ClassesAdmin classes) : PageModel
{
    private IDictionary<string, string[]> _errors = new Dictionary<string, string[]>();

    public PeoplePage Listing { get; private set; } = new([], 1, PeopleAdmin.PageSize, 0);
    public PersonRole? RoleFilter { get; private set; }
    public string? Search { get; private set; }
    public IReadOnlyList<ClassSummary> Classes { get; private set; } = [];

    // The create form, re-shown with what was typed when it has errors.
    public PersonRole? NewRole { get; private set; }
    public string? Username { get; private set; }
    public string? FirstName { get; private set; }
    public string? LastName { get; private set; }
    public string? Email { get; private set; }
    public Guid? ClassId { get; private set; }

    public int PageCount => Math.Max(1, (Listing.Total + Listing.PageSize - 1) / Listing.PageSize);

    public IReadOnlyList<string> ErrorsFor(string field) => _errors.TryGetValue(field, out var messages) ? messages : [];

    /// <summary>The list URL for another page number, keeping the filter.</summary>
    public string ListUrl(int pageNumber)
    {
        var query = new List<KeyValuePair<string, string?>>();
        if (RoleFilter is { } role)
        {
            query.Add(new("role", role.ToString()));
        }

        if (!string.IsNullOrWhiteSpace(Search))
        {
            query.Add(new("q", Search));
        }

        if (pageNumber > 1)
        {
            query.Add(new("page", pageNumber.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        return Url.Content("~/admin/people") + QueryString.Create(query);
    }

    // "page" is also the route value Razor Pages uses for the page's name, so the query
    // parameter is bound explicitly under another C# name.
    public async Task OnGetAsync(string? role, string? q, [FromQuery(Name = "page")] int pageNumber, CancellationToken cancellationToken)
    {
        RoleFilter = PersonRoleText.Parse(role);
        Search = q?.Trim();
        await LoadAsync(pageNumber, cancellationToken);
    }

    public async Task<IActionResult> OnPostCreateAsync(
        string? role, string? username, string? firstName, string? lastName, string? email, string? password, Guid? classId,
        CancellationToken cancellationToken)
    {
        NewRole = PersonRoleText.Parse(role);
        var input = new PersonInput(NewRole, username, firstName, lastName, email, password,
            ClassIds: classId is { } id ? [id] : null);
        var outcome = await people.CreateAsync(input, cancellationToken);
        if (outcome.Succeeded)
        {
            TempData[PersonEditModel.NoticeKey] = "Persoon aangemaakt.";
            return RedirectToPage("/People/Admin/PersonEdit", new { personId = outcome.Value!.Id });
        }

        Username = username;
        FirstName = firstName;
        LastName = lastName;
        Email = email;
        ClassId = classId;
        _errors = outcome.Errors!.ToDictionary();
        Response.StatusCode = StatusCodes.Status400BadRequest;
        await LoadAsync(1, cancellationToken);
        return Page();
    }

    private async Task LoadAsync(int pageNumber, CancellationToken cancellationToken)
    {
        Listing = await people.ListAsync(RoleFilter, Search, pageNumber, cancellationToken);
        Classes = await classes.ListAsync(cancellationToken);
    }
}

/// <summary>The Dutch text key of each role (translated in the view) and lenient parsing of a role name.</summary>
internal static class PersonRoleText
{
    public static readonly PersonRole[] All = [PersonRole.Pupil, PersonRole.Teacher, PersonRole.Parent, PersonRole.SchoolAdmin];

    public static string Of(PersonRole role) => role switch
    {
        PersonRole.Pupil => "Leerling",
        PersonRole.Teacher => "Leerkracht",
        PersonRole.Parent => "Ouder",
        PersonRole.SchoolAdmin => "Schoolbeheerder",
        _ => role.ToString(),
    };

    /// <summary>Null for an empty or unknown value; numbers are not accepted as role names.</summary>
    public static PersonRole? Parse(string? value)
    {
        var name = value?.Trim();
        foreach (var role in All)
        {
            if (string.Equals(role.ToString(), name, StringComparison.OrdinalIgnoreCase))
            {
                return role;
            }
        }

        return null;
    }
}
