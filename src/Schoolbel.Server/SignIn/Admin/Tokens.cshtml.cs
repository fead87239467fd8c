using System.Globalization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Schoolbel.Server.Schools;

namespace Schoolbel.Server.SignIn.Admin;

/// <summary>The school's API tokens: create one (its secret is shown once), list and revoke them.</summary>
[Authorize(Policy = SchoolbelPolicies.SchoolAdmin)]
[SchoolEndpoint]
public sealed class TokensModel(AccessTokens tokens, TimeProvider time) : PageModel
{
    private const string DateFormat = "yyyy-MM-dd";
    private Dictionary<string, string[]> _errors = [];

    public IReadOnlyList<AccessTokenView> Tokens { get; private set; } = [];
    public string? Name { get; private set; }
    public string? ExpiresOn { get; private set; }

    /// <summary>Set only in the answer to a successful create; its secret is never shown again.</summary>
    public CreatedAccessToken? Created { get; private set; }

    public DateTime UtcNow => time.GetUtcNow().UtcDateTime;

    public IReadOnlyList<string> ErrorsFor(string field) => _errors.TryGetValue(field, out var messages) ? messages : [];

    /// <summary>A stored UTC time in the server's time zone, for display.</summary>
    public DateTime Local(DateTime utc) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), time.LocalTimeZone);

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        ExpiresOn = DefaultExpiry();
        Tokens = await tokens.ListAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostCreateAsync(string? name, string? expiresOn, CancellationToken cancellationToken)
    {
        Name = name;
        ExpiresOn = expiresOn;
        var errors = new Dictionary<string, string[]>();
        DateTime? expiresAt = null;
        if (!string.IsNullOrWhiteSpace(expiresOn))
        {
            if (DateOnly.TryParseExact(expiresOn.Trim(), DateFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                expiresAt = EndOfLocalDayInUtc(date);
            }
            else
            {
                errors["expiresAt"] = ["Dit is geen geldige datum."];
            }
        }

        if (errors.Count == 0)
        {
            var outcome = await tokens.CreateAsync(User.PersonId(), name, expiresAt, cancellationToken);
            if (outcome.Succeeded)
            {
                Created = outcome.Value;
                Name = null;
                ExpiresOn = DefaultExpiry();
                // The secret is in this answer only: keep it out of every cache.
                Response.Headers.CacheControl = "no-store";
                Tokens = await tokens.ListAsync(cancellationToken);
                return Page();
            }

            errors = new Dictionary<string, string[]>(outcome.Errors!.ToDictionary());
        }

        _errors = errors;
        Response.StatusCode = StatusCodes.Status400BadRequest;
        Tokens = await tokens.ListAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(Guid id, CancellationToken cancellationToken) =>
        await tokens.RevokeAsync(id, cancellationToken) ? RedirectToPage() : NotFound();

    private string DefaultExpiry() =>
        DateOnly.FromDateTime(time.GetLocalNow().DateTime).AddDays(AccessTokens.DefaultLifetime.Days)
            .ToString(DateFormat, CultureInfo.InvariantCulture);

    /// <summary>A date input holds a local date; the token stays valid until that day ends here.</summary>
    private DateTime EndOfLocalDayInUtc(DateOnly date)
    {
        var endOfDay = date.ToDateTime(TimeOnly.MaxValue, DateTimeKind.Unspecified);
        var zone = time.LocalTimeZone;
        // A day that ends inside a clock change (rare, but real in a few zones) ends an hour earlier.
        if (zone.IsInvalidTime(endOfDay))
        {
            endOfDay = endOfDay.AddHours(-1);
        }

        return TimeZoneInfo.ConvertTimeToUtc(endOfDay, zone);
    }
}
