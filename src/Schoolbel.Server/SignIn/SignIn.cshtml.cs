using System.Globalization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Schoolbel.Server.Schools;

namespace Schoolbel.Server.SignIn;

[AllowAnonymous]
[SchoolEndpoint]
[Admission.NotALoadSignal]
public sealed class SignInModel(PasswordSignIn passwords, PendingTwoFactor pendingTwoFactor, SchoolScope school, Web.EmailSender email) : PageModel
{
    public string? Username { get; private set; }
    public string? ReturnUrl { get; private set; }
    public string? Message { get; private set; }
    public bool StaySignedIn { get; private set; }
    public bool Busy { get; private set; }
    public int Position { get; private set; }
    public int RetryAfterSeconds { get; private set; }
    public bool PasswordResetByEmail => email.Enabled;

    /// <summary>Only on the busy page, so the automatic retry can send it again; never logged or stored.</summary>
    public string? RetryPassword { get; private set; }

    /// <summary>Name on the "sign in with your school account" button; null when the school has no identity provider.</summary>
    public string? ExternalProvider => school.School?.OidcDisplayName;

    public void OnGet(string? returnUrl, string? error)
    {
        ReturnUrl = returnUrl;
        StaySignedIn = school.School?.StaySignedInByDefaultForPupils ?? true;
        if (error == "external")
        {
            Message = "Aanmelden via je school is niet gelukt. Probeer het opnieuw of meld je aan met je wachtwoord.";
        }
    }

    public async Task<IActionResult> OnPostAsync(string? username, string? password, bool staySignedIn, string? returnUrl, CancellationToken cancellationToken)
    {
        Username = username;
        ReturnUrl = returnUrl;
        StaySignedIn = staySignedIn;
        if (string.IsNullOrWhiteSpace(username) || string.IsNullOrEmpty(password))
        {
            Message = "Vul je gebruikersnaam en wachtwoord in.";
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        var attempt = await passwords.CheckAsync(username, password, HttpContext.Connection.RemoteIpAddress, cancellationToken);
        switch (attempt.Result)
        {
            case SignInResult.Busy:
                // 503 + Retry-After: browsers show the page, load testers and proxies see "come back", not "failed".
                Busy = true;
                Position = attempt.Position;
                RetryPassword = password;
                SetRetryAfter(attempt.RetryAfter, StatusCodes.Status503ServiceUnavailable);
                Response.Headers.CacheControl = "no-store";
                return Page();
            case SignInResult.Throttled:
                SetRetryAfter(attempt.RetryAfter, StatusCodes.Status429TooManyRequests);
                Message = "Te veel mislukte pogingen. Probeer het over {0} s opnieuw.";
                return Page();
            case SignInResult.Failed:
                Message = "Die gebruikersnaam of dat wachtwoord klopt niet.";
                Response.StatusCode = StatusCodes.Status401Unauthorized;
                return Page();
        }

        var person = attempt.Person!;
        if (person.TotpEnabledAt is not null)
        {
            pendingTwoFactor.Start(HttpContext, person.Id, staySignedIn, returnUrl);
            return LocalRedirect(Url.Content("~/signin/two-factor"));
        }

        await CookieSessions.SignInAsync(HttpContext, person, staySignedIn, "password");
        if (person.MustChangePassword)
        {
            return LocalRedirect(Url.Content("~/account/password"));
        }

        return LocalRedirect(Url.IsLocalUrl(returnUrl) ? returnUrl : Url.Content("~/"));
    }

    private void SetRetryAfter(TimeSpan retryAfter, int status)
    {
        RetryAfterSeconds = (int)Math.Max(1, Math.Ceiling(retryAfter.TotalSeconds));
        Response.StatusCode = status;
        Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
    }
}
