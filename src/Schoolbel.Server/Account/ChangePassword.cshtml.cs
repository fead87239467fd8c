using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using System.Security.Claims;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Account;

[Authorize(Policy = SchoolbelPolicies.SchoolMember)]
[SchoolEndpoint]
public sealed class ChangePasswordModel(PasswordResets passwords) : PageModel
{
    private IDictionary<string, string[]> _errors = new Dictionary<string, string[]>();

    public bool MustChange => User.HasClaim(CookieSessions.MustChangePasswordClaim, "1");
    public bool Done { get; private set; }

    public string? ErrorFor(string field) => _errors.TryGetValue(field, out var messages) ? string.Join(" ", messages) : null;

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(string? currentPassword, string? newPassword, CancellationToken cancellationToken)
    {
        var errors = await passwords.ChangeOwnAsync(User.PersonId(), User.SessionId(), currentPassword, newPassword, cancellationToken);
        if (errors.Any)
        {
            _errors = errors.ToDictionary();
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        await CookieSessions.RemoveClaimAsync(HttpContext, CookieSessions.MustChangePasswordClaim);
        Done = true;
        return Page();
    }
}
