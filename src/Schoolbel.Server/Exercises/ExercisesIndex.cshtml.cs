using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Schoolbel.Server.Courses;
using Schoolbel.Server.Lessons;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;
using Schoolbel.Server.Web;

namespace Schoolbel.Server.Exercises;

/// <summary>A course's exercise sets: pupils see their stars and mastery; teachers make sets and tasks.</summary>
[Authorize(Policy = SchoolbelPolicies.SchoolMember)]
[SchoolEndpoint]
public sealed class ExercisesIndexModel(CourseAccess access, CoursesAdmin courses, ExerciseService exercises, ExerciseTasks tasks) : PageModel
{
    public CourseDetails? Course { get; private set; }
    public CourseViewer? Viewer { get; private set; }
    public IReadOnlyList<SetSummary> Sets { get; private set; } = [];
    public IReadOnlyDictionary<Guid, int> Stars { get; private set; } = new Dictionary<Guid, int>();
    public IReadOnlyList<ExerciseAbility> Abilities { get; private set; } = [];
    public IReadOnlyList<TaskView> Tasks { get; private set; } = [];
    public IReadOnlyList<IdName> Pupils { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(Guid courseId, CancellationToken cancellationToken) =>
        await LoadAsync(courseId, cancellationToken) ? Page() : NotFound();

    public Task<IActionResult> OnPostSetAsync(Guid courseId, string? title, CancellationToken cancellationToken) =>
        EditAsync(courseId, async editor =>
        {
            var outcome = await exercises.CreateSetAsync(courseId, title, editor.PersonId, cancellationToken);
            return outcome.Succeeded ? (null, $"~/courses/{courseId}/exercises/{outcome.Value!.Id}") : (outcome.Errors, null);
        }, cancellationToken);

    /// <summary><paramref name="what"/> is "set:{id}" or "skill:{name}", <paramref name="who"/> "class:{id}" or "pupil:{id}"; the days are school-local.</summary>
    public Task<IActionResult> OnPostTaskAsync(Guid courseId, string? what, string? who, DateOnly? from, DateOnly? until, CancellationToken cancellationToken) =>
        EditAsync(courseId, async editor =>
        {
            var input = new TaskInput(
                Guid.TryParse(After(what, "set:"), out var set) ? set : null,
                After(what, "skill:"),
                Guid.TryParse(After(who, "class:"), out var cls) ? cls : null,
                Guid.TryParse(After(who, "pupil:"), out var pupil) ? pupil : null,
                from is { } f ? SchoolTime.FromLocal(f.ToDateTime(TimeOnly.MinValue)) : null,
                until is { } u ? SchoolTime.FromLocal(u.AddDays(1).ToDateTime(TimeOnly.MinValue)) : null);
            var outcome = await tasks.CreateAsync(courseId, input, editor.PersonId, cancellationToken);
            return (outcome.Errors, null);
        }, cancellationToken);

    public Task<IActionResult> OnPostDeleteTaskAsync(Guid courseId, Guid taskId, CancellationToken cancellationToken) =>
        EditAsync(courseId, async _ =>
        {
            await tasks.DeleteAsync(courseId, taskId, cancellationToken);
            return (null, null);
        }, cancellationToken);

    private static string? After(string? text, string prefix) =>
        text is not null && text.StartsWith(prefix, StringComparison.Ordinal) && text.Length > prefix.Length ? text[prefix.Length..] : null;

    private async Task<IActionResult> EditAsync(Guid courseId, Func<CourseViewer, Task<(FieldErrors? Errors, string? Then)>> change, CancellationToken cancellationToken)
    {
        var editor = await access.ViewerAsync(courseId, User.PersonId(), User.Role()!.Value, cancellationToken);
        if (editor is null)
        {
            return NotFound();
        }

        if (!editor.CanEdit)
        {
            return Forbid();
        }

        var (errors, then) = await change(editor);
        if (errors is null)
        {
            return Redirect(Url.Content(then ?? $"~/courses/{courseId}/exercises"));
        }

        errors.CopyTo(ModelState);
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return await LoadAsync(courseId, cancellationToken) ? Page() : NotFound();
    }

    private async Task<bool> LoadAsync(Guid courseId, CancellationToken cancellationToken)
    {
        Viewer = await access.ViewerAsync(courseId, User.PersonId(), User.Role() ?? PersonRole.Pupil, cancellationToken);
        Course = Viewer is null ? null : await courses.GetAsync(courseId, cancellationToken);
        if (Course is null)
        {
            return false;
        }

        Sets = await exercises.SetsAsync(courseId, cancellationToken);
        if (Viewer!.Role == PersonRole.Pupil)
        {
            Stars = await exercises.StarsAsync(courseId, Viewer.PersonId, cancellationToken);
            Abilities = [.. (await exercises.AbilitiesAsync(courseId, Viewer.PersonId, cancellationToken)).Values.OrderBy(a => a.Skill, StringComparer.Ordinal)];
        }

        if (Viewer.CanEdit)
        {
            Tasks = await tasks.ForCourseAsync(courseId, cancellationToken);
            Pupils = await tasks.PupilsAsync(courseId, cancellationToken);
        }

        return true;
    }
}
