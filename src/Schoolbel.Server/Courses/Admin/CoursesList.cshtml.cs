using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Data;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Courses.Admin;

/// <summary>All courses with teachers and classes, and a form to add one.</summary>
[Authorize(Policy = SchoolbelPolicies.SchoolAdmin)]
[SchoolEndpoint]
public sealed class CoursesListModel(CoursesAdmin courses, ClassesAdmin classes, SchoolbelDb db) : PageModel
{
    private IDictionary<string, string[]> _errors = new Dictionary<string, string[]>();

    public IReadOnlyList<CourseSummary> Courses { get; private set; } = [];
    public IReadOnlyList<PersonRef> Teachers { get; private set; } = [];
    public IReadOnlyList<ClassSummary> Classes { get; private set; } = [];
    public string? Name { get; private set; }
    public IReadOnlyCollection<Guid> SelectedTeacherIds { get; private set; } = [];
    public IReadOnlyCollection<Guid> SelectedClassIds { get; private set; } = [];

    public IReadOnlyList<string> ErrorsFor(string field) => _errors.TryGetValue(field, out var messages) ? messages : [];

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostCreateAsync(string? name, Guid[]? teacherIds, Guid[]? classIds, CancellationToken cancellationToken)
    {
        var outcome = await courses.CreateAsync(new CourseInput(name, teacherIds ?? [], classIds ?? []), cancellationToken);
        if (outcome.Succeeded)
        {
            TempData[People.Admin.PersonEditModel.NoticeKey] = "Vak aangemaakt.";
            return RedirectToPage("/Courses/Admin/CourseEdit", new { courseId = outcome.Value!.Id });
        }

        Name = name;
        SelectedTeacherIds = teacherIds ?? [];
        SelectedClassIds = classIds ?? [];
        _errors = outcome.Errors!.ToDictionary();
        Response.StatusCode = StatusCodes.Status400BadRequest;
        await LoadAsync(cancellationToken);
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Courses = await courses.ListAsync(cancellationToken);
        Teachers = await CourseChoices.TeachersAsync(db, cancellationToken);
        Classes = await classes.ListAsync(cancellationToken);
    }
}

/// <summary>Who can be chosen as a course's teacher: teachers and school admins of this school.</summary>
internal static class CourseChoices
{
    public static async Task<IReadOnlyList<PersonRef>> TeachersAsync(SchoolbelDb db, CancellationToken cancellationToken) =>
        await db.People.AsNoTracking()
            .Where(p => p.Role == PersonRole.Teacher || p.Role == PersonRole.SchoolAdmin)
            .OrderBy(p => p.LastName).ThenBy(p => p.FirstName)
            .Select(p => new PersonRef(p.Id, p.Username, p.FirstName + " " + p.LastName))
            .ToListAsync(cancellationToken);
}
