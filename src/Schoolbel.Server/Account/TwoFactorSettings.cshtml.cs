using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Data;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Account;

/// <summary>Turn TOTP two-factor on or off, and replace recovery codes. For teachers and admins.</summary>
[Authorize(Policy = SchoolbelPolicies.Staff)]
[SchoolEndpoint]
public sealed class TwoFactorSettingsModel(TwoFactor twoFactor, SchoolbelDb db, SchoolScope school) : PageModel
{
    public bool Enabled { get; private set; }
    public bool Required => school.School?.RequireTwoFactorForStaff == true;
    public int RecoveryCodesLeft { get; private set; }
    public TotpEnrolment? Enrolment { get; private set; }
    public string? QrImage { get; private set; }
    public IReadOnlyList<string>? RecoveryCodes { get; private set; }
    public string? Message { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostConfirmAsync(string protectedSecret, string? code, CancellationToken cancellationToken)
    {
        RecoveryCodes = await twoFactor.ConfirmAsync(User.PersonId(), protectedSecret ?? "", code, cancellationToken);
        if (RecoveryCodes is null)
        {
            await LoadAsync(cancellationToken);
            Message = "Die code klopt niet. Probeer de volgende code uit de app.";
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        await CookieSessions.RemoveClaimAsync(HttpContext, CookieSessions.MustEnrolTwoFactorClaim);
        Response.Headers.CacheControl = "no-store";
        Enabled = true;
        return Page();
    }

    public async Task<IActionResult> OnPostNewCodesAsync(CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        if (!Enabled)
        {
            return RedirectToPage();
        }

        RecoveryCodes = await twoFactor.NewRecoveryCodesAsync(User.PersonId(), cancellationToken);
        Response.Headers.CacheControl = "no-store";
        return Page();
    }

    public async Task<IActionResult> OnPostDisableAsync(CancellationToken cancellationToken)
    {
        if (Required)
        {
            await LoadAsync(cancellationToken);
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        await twoFactor.DisableAsync(User.PersonId(), cancellationToken);
        return RedirectToPage();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var personId = User.PersonId();
        var person = await db.People.AsNoTracking().FirstAsync(p => p.Id == personId, cancellationToken);
        Enabled = person.TotpEnabledAt is not null;
        if (Enabled)
        {
            RecoveryCodesLeft = await twoFactor.RecoveryCodesLeftAsync(personId, cancellationToken);
        }
        else
        {
            Enrolment = twoFactor.Start(person);
            QrImage = QrCodes.PngDataUri(Enrolment.Uri);
            Response.Headers.CacheControl = "no-store";
        }
    }
}
