using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Notifications;

/// <summary>The in-app list of notifications (grades, digests, announcements).</summary>
[Authorize(Policy = SchoolbelPolicies.SchoolMember)]
[SchoolEndpoint]
public sealed class NotificationsListModel(NotificationCenter center, UnreadCounters counters) : PageModel
{
    public NotificationsPage Notifications { get; private set; } = new([], 1, false);

    public async Task OnGetAsync(int? page, CancellationToken cancellationToken)
    {
        Notifications = await center.ListAsync(User.PersonId(), page ?? 1, cancellationToken);
        if ((page ?? 1) == 1)
        {
            // This page is about these rows anyway: the moment to heal a counter that drifted.
            await counters.RecountAsync(User.PersonId(), cancellationToken);
        }
    }

    public async Task<IActionResult> OnPostReadAsync(Guid notificationId, CancellationToken cancellationToken)
    {
        if (!await center.MarkReadAsync(notificationId, User.PersonId(), cancellationToken))
        {
            return NotFound();
        }

        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostReadAllAsync(CancellationToken cancellationToken)
    {
        await center.MarkAllReadAsync(User.PersonId(), cancellationToken);
        return RedirectToPage();
    }
}
