using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Data;
using Schoolbel.Server.Schools;

namespace Schoolbel.Server.SignIn;

/// <summary>The second step of a staff sign-in: a TOTP code or a recovery code.</summary>
[AllowAnonymous]
[SchoolEndpoint]
public sealed partial class TwoFactorSignInModel(
    PendingTwoFactor pending, TwoFactor twoFactor, SchoolbelDb db, TimeProvider time, ILogger<TwoFactorSignInModel> logger) : PageModel
{
    public string? Message { get; private set; }

    public IActionResult OnGet() =>
        pending.Read(HttpContext) is null ? LocalRedirect(Url.Content("~/signin")) : Page();

    public async Task<IActionResult> OnPostAsync(string? code, CancellationToken cancellationToken)
    {
        var state = pending.Read(HttpContext);
        var person = state is null ? null : await db.People.FirstOrDefaultAsync(p => p.Id == state.PersonId, cancellationToken);
        if (state is null || person is null)
        {
            return LocalRedirect(Url.Content("~/signin"));
        }

        var now = time.GetUtcNow().UtcDateTime;
        if (person.SignInDelayedUntil is { } until && until > now)
        {
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            Response.Headers.RetryAfter = ((int)Math.Ceiling((until - now).TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            Message = "Te veel foute codes. Wacht even en probeer opnieuw.";
            return Page();
        }

        if (!await twoFactor.VerifyAsync(person, code, cancellationToken))
        {
            person.FailedSignIns++;
            person.SignInDelayedUntil = now + PasswordSignIn.DelayAfter(person.FailedSignIns, TimeSpan.FromMinutes(15));
            await db.SaveChangesAsync(cancellationToken);
            LogWrongCode(logger, person.Username, person.SchoolId);
            Message = "Die code klopt niet.";
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Page();
        }

        person.FailedSignIns = 0;
        person.SignInDelayedUntil = null;
        await db.SaveChangesAsync(cancellationToken);
        PendingTwoFactor.End(HttpContext);
        await CookieSessions.SignInAsync(HttpContext, person, state.Persistent, "password+totp");
        return LocalRedirect(person.MustChangePassword
            ? Url.Content("~/account/password")
            : Url.IsLocalUrl(state.ReturnUrl) ? state.ReturnUrl : Url.Content("~/"));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Wrong two-factor code for {Username} in school {SchoolId}")]
    private static partial void LogWrongCode(ILogger logger, string username, Guid schoolId);
}
