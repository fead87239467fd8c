using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Notifications;

/// <summary>A person's notification preferences: e-mail, web push on this browser, and the grade digest.</summary>
[Authorize(Policy = SchoolbelPolicies.SchoolMember)]
[SchoolEndpoint]
public sealed class PreferencesModel(NotificationCenter center, PushSender push) : PageModel
{
    public PreferencesView Preferences { get; private set; } = null!;
    public string? PushPublicKey => push.PublicKey;
    public bool Saved { get; private set; }
    public string? Error { get; private set; }

    public async Task OnGetAsync(bool saved, CancellationToken cancellationToken)
    {
        Saved = saved;
        Preferences = await center.PreferencesAsync(User.PersonId(), cancellationToken);
    }

    public async Task<IActionResult> OnPostAsync(bool email, bool push, string? gradeDigest, CancellationToken cancellationToken)
    {
        if (!Enum.TryParse<DigestFrequency>(gradeDigest, ignoreCase: true, out var digest) || !Enum.IsDefined(digest))
        {
            Error = "Kies hoe je punten wilt krijgen.";
            Preferences = await center.PreferencesAsync(User.PersonId(), cancellationToken);
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        await center.SetPreferencesAsync(User.PersonId(), new PreferencesInput(email, push, digest), cancellationToken);
        return RedirectToPage(new { saved = true });
    }
}
