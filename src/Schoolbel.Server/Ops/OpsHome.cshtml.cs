using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Ops;

/// <summary>The operator's page: every school on the platform, and a form to add one.</summary>
[Authorize(Policy = SchoolbelPolicies.Operator)]
[PlatformEndpoint]
public sealed class OpsHomeModel(SchoolsAdmin schools) : PageModel
{
    private IDictionary<string, string[]> _errors = new Dictionary<string, string[]>();

    public IReadOnlyList<SchoolOverview> Schools { get; private set; } = [];
    public string? Code { get; private set; }
    public string? Name { get; private set; }

    public string? ErrorFor(string field) => _errors.TryGetValue(field, out var messages) ? string.Join(" ", messages) : null;

    public async Task OnGetAsync(CancellationToken cancellationToken) => Schools = await schools.ListAsync(cancellationToken);

    public async Task<IActionResult> OnPostAsync(string? code, string? name, string? language, CancellationToken cancellationToken)
    {
        var outcome = await schools.CreateAsync(code, name, language, cancellationToken);
        if (outcome.Succeeded)
        {
            return RedirectToPage();
        }

        Code = code;
        Name = name;
        _errors = outcome.Errors!.ToDictionary();
        Response.StatusCode = StatusCodes.Status400BadRequest;
        Schools = await schools.ListAsync(cancellationToken);
        return Page();
    }
}
