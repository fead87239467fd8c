using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Data;
using Schoolbel.Server.SignIn;
using Schoolbel.Server.Web;

namespace Schoolbel.Server.Schools.Admin;

/// <summary>The school admin's sign-in settings: stay signed in, pupil passwords, two-factor, QR networks, OIDC.</summary>
[Authorize(Policy = SchoolbelPolicies.SchoolAdmin)]
[SchoolEndpoint]
public sealed class SettingsModel(SchoolbelDb db, SchoolDirectory directory, SchoolScope scope, IDataProtectionProvider protection) : PageModel
{
    public const string OidcSecretPurpose = "Schoolbel.OidcClientSecret.v1";
    private IDictionary<string, string[]> _errors = new Dictionary<string, string[]>();

    public SettingsInput Input { get; private set; } = new(true, false, false, null, null, null, null);
    public bool Saved { get; private set; }

    public string? ErrorFor(string field) => _errors.TryGetValue(field, out var messages) ? string.Join(" ", messages) : null;

    // --- Publication spreading (its own form and handler on this page) ---

    /// <summary>The spreading window as typed, shown again with <see cref="SpreadMinutesError"/>; null shows the saved value.</summary>
    public string? SpreadMinutesInput { get; private set; }

    public string? SpreadMinutesError { get; private set; }

    /// <summary>
    /// Lessons due at the same minute are spread over this many minutes before it, one slot per
    /// class (0 = off). Validation in Dutch; the page's own anti-forgery check covers the form.
    /// </summary>
    public async Task<IActionResult> OnPostSpreadingAsync(string? spreadMinutes, [FromServices] Lessons.LessonPlanner planner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(planner);
        SpreadMinutesInput = spreadMinutes?.Trim() ?? "";
        if (string.IsNullOrEmpty(SpreadMinutesInput))
        {
            SpreadMinutesError = "Vul een aantal minuten in (0 = niet spreiden).";
        }
        else if (!int.TryParse(SpreadMinutesInput, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var minutes))
        {
            SpreadMinutesError = $"Geef een geheel aantal minuten, van 0 tot {Lessons.LessonPlanner.MaxSpreadMinutes}.";
        }
        else if (await planner.SetSettingsAsync(new Lessons.LessonSettingsInput(SpreadMinutes: minutes), cancellationToken) is { Succeeded: false } outcome)
        {
            SpreadMinutesError = string.Join(" ", outcome.Errors!.ToDictionary().Values.SelectMany(m => m));
        }

        if (SpreadMinutesError is null)
        {
            return RedirectToPage(new { saved = true });
        }

        await OnGetAsync(false, cancellationToken);
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    // --- End of publication spreading ---

    public async Task OnGetAsync(bool saved, CancellationToken cancellationToken)
    {
        Saved = saved;
        var school = await db.Schools.AsNoTracking().FirstAsync(s => s.Id == scope.SchoolId, cancellationToken);
        Input = new SettingsInput(school.StaySignedInByDefaultForPupils, school.AllowSimplePupilPasswords, school.RequireTwoFactorForStaff,
            school.QrSignInNetworks, school.OidcAuthority, school.OidcClientId, school.OidcDisplayName);
    }

    public async Task<IActionResult> OnPostAsync(
        bool staySignedIn, bool simplePupilPasswords, bool requireTwoFactor, string? qrNetworks,
        string? oidcAuthority, string? oidcClientId, string? oidcClientSecret, string? oidcDisplayName, CancellationToken cancellationToken)
    {
        Input = new SettingsInput(staySignedIn, simplePupilPasswords, requireTwoFactor, qrNetworks?.Trim(), oidcAuthority?.Trim(), oidcClientId?.Trim(), oidcDisplayName?.Trim());
        var errors = new FieldErrors();
        if (!QrCodes.IsValidNetworkList(Input.QrNetworks))
        {
            errors.Add("qrNetworks", "Geef netwerken als 192.168.10.0/24, gescheiden door komma's.");
        }

        var oidcOn = !string.IsNullOrEmpty(Input.OidcAuthority);
        if (oidcOn && (!Uri.TryCreate(Input.OidcAuthority, UriKind.Absolute, out var authority) || authority.Scheme != Uri.UriSchemeHttps && !authority.IsLoopback))
        {
            errors.Add("oidcAuthority", "De issuer is een https-adres.");
        }

        var school = await db.Schools.FirstAsync(s => s.Id == scope.SchoolId, cancellationToken);
        if (oidcOn && string.IsNullOrEmpty(Input.OidcClientId))
        {
            errors.Add("oidcClientId", "Vul de client-id in.");
        }

        if (errors.Any)
        {
            _errors = errors.ToDictionary();
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        school.StaySignedInByDefaultForPupils = staySignedIn;
        school.AllowSimplePupilPasswords = simplePupilPasswords;
        school.RequireTwoFactorForStaff = requireTwoFactor;
        school.QrSignInNetworks = string.IsNullOrEmpty(Input.QrNetworks) ? null : Input.QrNetworks;
        school.OidcAuthority = oidcOn ? Input.OidcAuthority : null;
        school.OidcClientId = oidcOn ? Input.OidcClientId : null;
        school.OidcDisplayName = oidcOn ? Input.OidcDisplayName : null;
        if (!oidcOn)
        {
            school.OidcClientSecret = null;
        }
        else if (!string.IsNullOrEmpty(oidcClientSecret))
        {
            school.OidcClientSecret = protection.CreateProtector(OidcSecretPurpose).Protect(oidcClientSecret);
        }

        await db.SaveChangesAsync(cancellationToken);
        directory.Invalidate();
        return RedirectToPage(new { saved = true });
    }

    /// <summary>The timetable as typed, when it was refused.</summary>
    public string? FirstLessonInput { get; private set; }

    /// <summary>The timetable (its own form): when the first lesson starts; the morning warm-up goes by it.</summary>
    public async Task<IActionResult> OnPostTimetableAsync(string? firstLessonAt, [FromServices] Lessons.LessonPlanner planner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(planner);
        var outcome = await planner.SetSettingsAsync(new Lessons.LessonSettingsInput(FirstLessonAt: firstLessonAt ?? ""), cancellationToken);
        if (outcome.Succeeded)
        {
            return RedirectToPage(new { saved = true });
        }

        await OnGetAsync(false, cancellationToken);
        _errors = outcome.Errors!.ToDictionary();
        FirstLessonInput = firstLessonAt;
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    public sealed record SettingsInput(bool StaySignedIn, bool SimplePupilPasswords, bool RequireTwoFactor, string? QrNetworks, string? OidcAuthority, string? OidcClientId, string? OidcDisplayName);
}
