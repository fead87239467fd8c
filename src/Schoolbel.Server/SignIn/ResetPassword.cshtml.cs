using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Schoolbel.Server.Schools;

namespace Schoolbel.Server.SignIn;

/// <summary>The page behind the e-mailed link.</summary>
[AllowAnonymous]
[SchoolEndpoint]
public sealed class ResetPasswordModel(EmailPasswordReset resets) : PageModel
{
    public bool Valid { get; private set; } = true;
    public bool Done { get; private set; }
    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(string token, CancellationToken cancellationToken)
    {
        Response.Headers.CacheControl = "no-store";
        Response.Headers["Referrer-Policy"] = "no-referrer"; // the token is in the URL
        Valid = await resets.FindAsync(token, cancellationToken) is not null;
        if (!Valid)
        {
            Response.StatusCode = StatusCodes.Status404NotFound;
        }

        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string token, string? password, CancellationToken cancellationToken)
    {
        var errors = await resets.CompleteAsync(token, password, cancellationToken);
        if (errors is null)
        {
            Valid = false;
            Response.StatusCode = StatusCodes.Status404NotFound;
        }
        else if (errors.Any)
        {
            Error = string.Join(" ", errors.ToDictionary().Values.SelectMany(m => m));
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }
        else
        {
            Done = true;
        }

        return Page();
    }
}
