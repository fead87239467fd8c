using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Data;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;

namespace Schoolbel.Server.SignIn.Qr;

/// <summary>A printable sheet of QR sign-in cards for one class, for its teachers and the admins.</summary>
[Authorize(Policy = SchoolbelPolicies.Staff)]
[SchoolEndpoint]
public sealed class QrSheetModel(SchoolbelDb db, QrCodes codes) : PageModel
{
    public string ClassName { get; private set; } = "";
    public int PupilCount { get; private set; }
    public IReadOnlyList<PrintedCard> Cards { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(Guid classId, CancellationToken cancellationToken) =>
        await LoadAsync(classId, cancellationToken) is null ? NotFound() : Page();

    public async Task<IActionResult> OnPostAsync(Guid classId, CancellationToken cancellationToken)
    {
        var pupils = await LoadAsync(classId, cancellationToken);
        if (pupils is null)
        {
            return NotFound();
        }

        var cards = await codes.RegenerateAsync(pupils, cancellationToken);
        var baseUrl = $"{Request.Scheme}://{Request.Host}{Request.PathBase}/qr/";
        Cards = cards.Select(c => new PrintedCard(c.Name, c.Username, baseUrl + c.Code, QrCodes.PngDataUri(baseUrl + c.Code))).ToList();
        Response.Headers.CacheControl = "no-store";
        return Page();
    }

    /// <summary>The class's pupils, or null when the class does not exist or this teacher does not teach it.</summary>
    private async Task<List<Guid>?> LoadAsync(Guid classId, CancellationToken cancellationToken)
    {
        var schoolClass = await db.Classes.AsNoTracking().FirstOrDefaultAsync(c => c.Id == classId, cancellationToken);
        if (schoolClass is null)
        {
            return null;
        }

        if (User.Role() != PersonRole.SchoolAdmin)
        {
            var teacherId = User.PersonId();
            var teaches = await db.CourseClasses.Where(cc => cc.ClassId == classId)
                .AnyAsync(cc => db.CourseTeachers.Any(t => t.CourseId == cc.CourseId && t.TeacherId == teacherId), cancellationToken);
            if (!teaches)
            {
                return null;
            }
        }

        ClassName = schoolClass.Name;
        var pupils = await db.ClassMemberships.Where(m => m.ClassId == classId).Select(m => m.PupilId).ToListAsync(cancellationToken);
        PupilCount = pupils.Count;
        return pupils;
    }

    /// <summary>The URL is printed small under the code, for a device without a camera.</summary>
    public sealed record PrintedCard(string Name, string Username, string Url, string Image);
}
