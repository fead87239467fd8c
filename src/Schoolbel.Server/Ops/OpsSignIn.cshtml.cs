using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Data;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Ops;

[AllowAnonymous]
[PlatformEndpoint]
public sealed partial class OpsSignInModel(SchoolbelDb db, PasswordHasher hasher, ILogger<OpsSignInModel> logger) : PageModel
{
    public string? Username { get; private set; }
    public string? ReturnUrl { get; private set; }
    public string? Message { get; private set; }

    public void OnGet(string? returnUrl) => ReturnUrl = returnUrl;

    public async Task<IActionResult> OnPostAsync(string? username, string? password, string? returnUrl, CancellationToken cancellationToken)
    {
        Username = username;
        ReturnUrl = returnUrl;
        var name = PasswordSignIn.NormalizeUsername(username);
        var found = name.Length == 0 ? null : await db.Operators.FirstOrDefaultAsync(o => o.Username == name, cancellationToken);
        var check = hasher.Verify(password ?? "", found?.PasswordHash);
        if (found is null || check == PasswordCheck.Failed || string.IsNullOrEmpty(password))
        {
            LogFailed(logger, name);
            Message = "Die gebruikersnaam of dat wachtwoord klopt niet.";
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Page();
        }

        if (check == PasswordCheck.SucceededNeedsUpgrade)
        {
            found.PasswordHash = hasher.Hash(password);
            await db.SaveChangesAsync(cancellationToken);
        }

        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, found.Id.ToString()),
                new Claim(ClaimTypes.Name, found.DisplayName),
                new Claim(ClaimTypes.Role, SchoolbelClaims.OperatorRole),
            ],
            SchoolbelSchemes.OperatorCookie, ClaimTypes.Name, ClaimTypes.Role);
        await HttpContext.SignInAsync(SchoolbelSchemes.OperatorCookie, new ClaimsPrincipal(identity));
        return LocalRedirect(Url.IsLocalUrl(returnUrl) ? returnUrl : "/ops");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Failed operator sign-in for {Username}")]
    private static partial void LogFailed(ILogger logger, string username);
}
