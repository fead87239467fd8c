using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Planner;

/// <summary>
/// The person's own calendar feed: make a secret URL (shown once, in this answer only), make a
/// new one (the old one stops working) or revoke it.
/// </summary>
[Authorize(Policy = SchoolbelPolicies.SchoolMember)]
[SchoolEndpoint]
public sealed class CalendarPageModel(CalendarFeeds feeds, SchoolScope scope, IOptions<TenancyOptions> tenancy) : PageModel
{
    public DateTime? CreatedAt { get; private set; }

    /// <summary>Set only in the answer to the request that made it.</summary>
    public string? NewUrl { get; private set; }

    [TempData]
    public string? Notice { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        CreatedAt = await feeds.CreatedAtAsync(User.PersonId(), cancellationToken);

    public async Task<IActionResult> OnPostRenewAsync(CancellationToken cancellationToken)
    {
        var token = await feeds.RenewAsync(User.PersonId(), cancellationToken);
        NewUrl = PlannerEndpoints.FeedUrl(Request, scope.School!.Code, tenancy.Value.Domain, token);
        CreatedAt = await feeds.CreatedAtAsync(User.PersonId(), cancellationToken);

        // The secret is in this page; it has a form, so antiforgery already marks it no-store (no cached copy).
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(CancellationToken cancellationToken)
    {
        Notice = await feeds.RevokeAsync(User.PersonId(), cancellationToken) ? "De link werkt niet meer." : "Je had geen link.";
        return RedirectToPage();
    }
}
