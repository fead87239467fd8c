using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Schoolbel.Server.Schools;

namespace Schoolbel.Server.SignIn;

[AllowAnonymous]
[SchoolEndpoint]
public sealed class ForgotPasswordModel(EmailPasswordReset resets) : PageModel
{
    public bool Sent { get; private set; }

    public IActionResult OnGet() => resets.Available ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync(string? account, CancellationToken cancellationToken)
    {
        if (!resets.Available)
        {
            return NotFound();
        }

        await resets.RequestAsync(account, $"{Request.Scheme}://{Request.Host}{Request.PathBase}/password/reset/", cancellationToken);
        Sent = true; // the same answer whether or not the account exists
        return Page();
    }
}
