using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Notifications;

/// <summary>Announcements from the school: staff post them here; everyone sees them on the today page.</summary>
[Authorize(Policy = SchoolbelPolicies.Staff)]
[SchoolEndpoint]
public sealed class AnnouncementsModel(NotificationCenter center) : PageModel
{
    public IReadOnlyList<AnnouncementView> Current { get; private set; } = [];
    public string? Error { get; private set; }
    public string Title { get; private set; } = "";
    public string Body { get; private set; } = "";

    public async Task OnGetAsync(CancellationToken cancellationToken) => Current = await center.CurrentAsync(cancellationToken);

    public async Task<IActionResult> OnPostAsync(string? title, string? body, int? days, CancellationToken cancellationToken)
    {
        var outcome = await center.AnnounceAsync(User.PersonId(), new AnnouncementInput(title, body, days), cancellationToken);
        if (outcome.Succeeded)
        {
            return Redirect(Url.Content("~/"));
        }

        Error = string.Join(" ", outcome.Errors!.ToDictionary().Values.SelectMany(m => m));
        Title = title ?? "";
        Body = body ?? "";
        Current = await center.CurrentAsync(cancellationToken);
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }
}
