using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Schoolbel.Server.Data;
using Schoolbel.Server.People;
using Schoolbel.Server.People.Admin;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Courses.Admin;

/// <summary>One course: name, teachers, classes, chosen pupils, and deletion.</summary>
[Authorize(Policy = SchoolbelPolicies.SchoolAdmin)]
[SchoolEndpoint]
public sealed class CourseEditModel(CoursesAdmin courses, ClassesAdmin classes, SchoolbelDb db) : PageModel
{
    private IDictionary<string, string[]> _errors = new Dictionary<string, string[]>();

    public CourseDetails? Course { get; private set; }
    public IReadOnlyList<PersonRef> Teachers { get; private set; } = [];
    public IReadOnlyList<ClassSummary> Classes { get; private set; } = [];
    public string? Name { get; private set; }
    public IReadOnlyCollection<Guid> SelectedTeacherIds { get; private set; } = [];
    public IReadOnlyCollection<Guid> SelectedClassIds { get; private set; } = [];
    public string? Pupils { get; private set; }
    public IReadOnlyList<string> UnknownPupils { get; private set; } = [];

    [TempData(Key = PersonEditModel.NoticeKey)]
    public string? Notice { get; set; }

    public IReadOnlyList<string> ErrorsFor(string field) => _errors.TryGetValue(field, out var messages) ? messages : [];

    public async Task<IActionResult> OnGetAsync(Guid courseId, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(courseId, cancellationToken))
        {
            return NotFound();
        }

        var course = Course!;
        Name = course.Name;
        SelectedTeacherIds = [.. course.Teachers.Select(t => t.Id)];
        SelectedClassIds = [.. course.Classes.Select(c => c.Id)];
        Pupils = string.Join(", ", course.Pupils.Select(p => p.Username));
        return Page();
    }

    public async Task<IActionResult> OnPostSaveAsync(
        Guid courseId, string? name, Guid[]? teacherIds, Guid[]? classIds, string? pupils, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(courseId, cancellationToken))
        {
            return NotFound();
        }

        Name = name;
        SelectedTeacherIds = teacherIds ?? [];
        SelectedClassIds = classIds ?? [];
        Pupils = pupils;
        var (pupilIds, unknown) = await PupilUsernames.ResolveAsync(db, pupils, cancellationToken);
        if (unknown.Count > 0)
        {
            UnknownPupils = unknown;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        // The form shows all teachers and classes, so nothing ticked means none.
        var input = new CourseInput(name, teacherIds ?? [], classIds ?? [], pupilIds);
        var outcome = await courses.UpdateAsync(courseId, input, cancellationToken);
        if (outcome is null)
        {
            return NotFound();
        }

        if (!outcome.Value.Succeeded)
        {
            _errors = outcome.Value.Errors!.ToDictionary();
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        Notice = "Opgeslagen.";
        return RedirectToPage(new { courseId });
    }

    public async Task<IActionResult> OnPostDeleteAsync(Guid courseId, CancellationToken cancellationToken)
    {
        if (!await courses.DeleteAsync(courseId, cancellationToken))
        {
            return NotFound();
        }

        return RedirectToPage("/Courses/Admin/CoursesList");
    }

    private async Task<bool> LoadAsync(Guid courseId, CancellationToken cancellationToken)
    {
        Course = await courses.GetAsync(courseId, cancellationToken);
        if (Course is null)
        {
            return false;
        }

        Teachers = await CourseChoices.TeachersAsync(db, cancellationToken);
        Classes = await classes.ListAsync(cancellationToken);
        return true;
    }
}
