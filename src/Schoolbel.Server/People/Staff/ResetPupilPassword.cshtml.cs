using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Data;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.People.Staff;

/// <summary>A teacher (for pupils of their courses) or admin gives a pupil a temporary password.</summary>
[Authorize(Policy = SchoolbelPolicies.Staff)]
[SchoolEndpoint]
public sealed class ResetPupilPasswordModel(PasswordResets resets, SchoolbelDb db) : PageModel
{
    public string PupilName { get; private set; } = "";
    public TemporaryPassword? Result { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid personId, CancellationToken cancellationToken)
    {
        var pupil = await db.People.AsNoTracking().FirstOrDefaultAsync(p => p.Id == personId && p.Role == PersonRole.Pupil, cancellationToken);
        if (pupil is null || !await resets.MayResetAsync(User, personId, cancellationToken))
        {
            return NotFound();
        }

        PupilName = pupil.FirstName + " " + pupil.LastName;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(Guid personId, CancellationToken cancellationToken)
    {
        Result = await resets.ResetPupilAsync(personId, User, cancellationToken);
        if (Result is null)
        {
            return NotFound();
        }

        Response.Headers.CacheControl = "no-store";
        return Page();
    }
}
