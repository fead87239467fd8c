using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Schoolbel.Server.Schools;

namespace Schoolbel.Server.Web;

/// <summary>The platform's front door: asks for the school code and sends you to its sign-in.</summary>
[AllowAnonymous]
[PlatformEndpoint]
public sealed class WelcomeModel(SchoolDirectory directory) : PageModel
{
    public string? Code { get; private set; }
    public string? Message { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(string? code, CancellationToken cancellationToken)
    {
        Code = code?.Trim().ToLowerInvariant();
        if (!string.IsNullOrEmpty(Code) && await directory.FindByCodeAsync(Code, cancellationToken) is { } school)
        {
            return Redirect($"/{school.Code}/signin");
        }

        Message = "Die schoolcode kennen we niet.";
        Response.StatusCode = StatusCodes.Status404NotFound;
        return Page();
    }
}
