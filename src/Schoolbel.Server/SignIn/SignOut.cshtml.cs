using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Schoolbel.Server.Schools;

namespace Schoolbel.Server.SignIn;

/// <summary>Sign-out is a POST with an anti-forgery token, so a link on another site cannot sign you out.</summary>
[AllowAnonymous]
[SchoolEndpoint]
public sealed class SignOutModel(SessionStore sessions) : PageModel
{
    public IActionResult OnGet() => LocalRedirect(Url.Content("~/"));

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (User.Identity?.IsAuthenticated == true && User.SessionId() is { } sessionId)
        {
            await sessions.EndAsync(User.PersonId(), sessionId, cancellationToken);
        }

        await HttpContext.SignOutAsync(SchoolbelSchemes.SchoolCookie);
        return LocalRedirect(Url.Content("~/signin"));
    }
}
