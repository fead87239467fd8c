using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Data;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Planner.Admin;

/// <summary>One class's weekly timetable, entered by hand: add and remove lessons.</summary>
[Authorize(Policy = SchoolbelPolicies.SchoolAdmin)]
[SchoolEndpoint]
public sealed class ClassTimetableModel(Timetables timetables, SchoolbelDb db) : PageModel
{
    private IDictionary<string, string[]> _errors = new Dictionary<string, string[]>();

    public ClassTimetable? Timetable { get; private set; }

    /// <summary>The school's courses, the class's own first.</summary>
    public IReadOnlyList<Courses.CourseLink> Courses { get; private set; } = [];
    public TimetableSlotInput Form { get; private set; } = new(null, "maandag", "08:30", "09:20", null, null);

    [TempData]
    public string? Notice { get; set; }

    public IReadOnlyList<string> ErrorsFor(string field) => _errors.TryGetValue(field, out var messages) ? messages : [];

    public async Task<IActionResult> OnGetAsync(Guid classId, CancellationToken cancellationToken) =>
        await LoadAsync(classId, cancellationToken) ? Page() : NotFound();

    public async Task<IActionResult> OnPostAddAsync(Guid classId, string? weekday, string? start, string? end, Guid? courseId, string? room, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(classId, cancellationToken))
        {
            return NotFound();
        }

        var input = new TimetableSlotInput(classId, weekday, start, end, courseId, room);
        var outcome = await timetables.AddAsync(input, cancellationToken);
        if (outcome.Succeeded)
        {
            Notice = "Toegevoegd.";
            return RedirectToPage(new { classId });
        }

        _errors = outcome.Errors!.ToDictionary();
        Form = input;
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    public async Task<IActionResult> OnPostDeleteAsync(Guid classId, Guid slotId, CancellationToken cancellationToken)
    {
        // Only a lesson of this class, so a made-up pair of ids removes nothing.
        if (!await db.Set<TimetableSlot>().AnyAsync(s => s.Id == slotId && s.ClassId == classId, cancellationToken)
            || !await timetables.DeleteAsync(slotId, cancellationToken))
        {
            return NotFound();
        }

        Notice = "Verwijderd.";
        return RedirectToPage(new { classId });
    }

    private async Task<bool> LoadAsync(Guid classId, CancellationToken cancellationToken)
    {
        Timetable = await timetables.ForClassAsync(classId, cancellationToken);
        if (Timetable is null)
        {
            return false;
        }

        var own = db.CourseClasses.Where(cc => cc.ClassId == classId).Select(cc => cc.CourseId);
        Courses = (await db.Courses.AsNoTracking()
                .Select(c => new { c.Id, c.Name, Own = own.Contains(c.Id) })
                .ToListAsync(cancellationToken))
            .OrderByDescending(c => c.Own).ThenBy(c => c.Name, StringComparer.CurrentCulture)
            .Select(c => new Courses.CourseLink(c.Id, c.Name))
            .ToList();
        return true;
    }
}
