using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using System.Security.Claims;
using Schoolbel.Server.Schools;

namespace Schoolbel.Server.SignIn;

[AllowAnonymous]
[SchoolEndpoint]
public sealed class SignInModel(PasswordSignIn passwords) : PageModel
{
    public string? Username { get; private set; }
    public string? ReturnUrl { get; private set; }
    public string? Message { get; private set; }

    public void OnGet(string? returnUrl) => ReturnUrl = returnUrl;

    public async Task<IActionResult> OnPostAsync(string? username, string? password, string? returnUrl, CancellationToken cancellationToken)
    {
        Username = username;
        ReturnUrl = returnUrl;
        if (string.IsNullOrWhiteSpace(username) || string.IsNullOrEmpty(password))
        {
            Message = "Vul je gebruikersnaam en wachtwoord in.";
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        var person = await passwords.CheckAsync(username, password, cancellationToken);
        if (person is null)
        {
            Message = "Die gebruikersnaam of dat wachtwoord klopt niet.";
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Page();
        }

        var principal = new ClaimsPrincipal(SchoolbelClaims.ForPerson(person, SchoolbelSchemes.SchoolCookie));
        await HttpContext.SignInAsync(SchoolbelSchemes.SchoolCookie, principal);
        return LocalRedirect(Url.IsLocalUrl(returnUrl) ? returnUrl : Url.Content("~/"));
    }
}
