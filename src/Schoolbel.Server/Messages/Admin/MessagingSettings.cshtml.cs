using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Messages.Admin;

/// <summary>The school admin's choices about messages: who may write to whom, parents' co-view, and quiet hours.</summary>
[Authorize(Policy = SchoolbelPolicies.SchoolAdmin)]
[SchoolEndpoint]
public sealed class MessagingSettingsModel(MessagingSettings settings) : PageModel
{
    public MessagingSettingsView Input { get; private set; } = null!;
    public bool Saved { get; private set; }
    public string? Error { get; private set; }

    public async Task OnGetAsync(bool saved, CancellationToken cancellationToken)
    {
        Saved = saved;
        Input = await settings.GetAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostAsync(
        bool pupilsToTheirTeachers, bool pupilsToClassmates, bool pupilsToAllPupils, bool pupilsToAllStaff,
        bool parentsToTheirChildrensTeachers, bool parentsToAllStaff, bool parentsSeePupilConversations,
        bool quietHours, string? deliverFrom, string? deliverUntil, bool quietWeekends, CancellationToken cancellationToken)
    {
        Input = new MessagingSettingsView(pupilsToTheirTeachers, pupilsToClassmates, pupilsToAllPupils, pupilsToAllStaff,
            parentsToTheirChildrensTeachers, parentsToAllStaff, parentsSeePupilConversations, quietHours, deliverFrom ?? "", deliverUntil ?? "", quietWeekends);
        var outcome = await settings.SetAsync(Input, cancellationToken);
        if (outcome.Succeeded)
        {
            return RedirectToPage(new { saved = true });
        }

        Error = string.Join(" ", outcome.Errors!.ToDictionary().Values.SelectMany(m => m));
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }
}
