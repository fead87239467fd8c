using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Ops;

[AllowAnonymous]
[PlatformEndpoint]
public sealed class OpsSignOutModel : PageModel
{
    public IActionResult OnGet() => LocalRedirect("/ops");

    public async Task<IActionResult> OnPostAsync()
    {
        await HttpContext.SignOutAsync(SchoolbelSchemes.OperatorCookie);
        return LocalRedirect("/ops/signin");
    }
}
