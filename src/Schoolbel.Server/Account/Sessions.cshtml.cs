using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Account;

/// <summary>Where you are signed in (device, last seen), with a way to end one or all others.</summary>
[Authorize(Policy = SchoolbelPolicies.SchoolMember)]
[SchoolEndpoint]
public sealed class SessionsModel(SessionStore sessions) : PageModel
{
    public IReadOnlyList<SessionView> Sessions { get; private set; } = [];
    public Guid? Current => User.SessionId();

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Sessions = await sessions.ListAsync(User.PersonId(), cancellationToken);

    public async Task<IActionResult> OnPostEndAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        if (!await sessions.EndAsync(User.PersonId(), sessionId, cancellationToken))
        {
            return NotFound();
        }

        if (sessionId == Current)
        {
            await HttpContext.SignOutAsync(SchoolbelSchemes.SchoolCookie);
            return LocalRedirect(Url.Content("~/signin"));
        }

        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostEndOthersAsync(CancellationToken cancellationToken)
    {
        await sessions.EndAllAsync(User.PersonId(), keep: Current, cancellationToken);
        return RedirectToPage();
    }
}
