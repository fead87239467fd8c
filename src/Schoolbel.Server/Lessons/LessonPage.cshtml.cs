using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Schoolbel.Server.Courses;
using Schoolbel.Server.Documents;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;
using Schoolbel.Server.Web;

namespace Schoolbel.Server.Lessons;

[Authorize(Policy = SchoolbelPolicies.SchoolMember)]
[SchoolEndpoint]
public sealed class LessonPageModel(CourseAccess access, CoursesAdmin courses, CourseContent content, LessonPlanner planner) : PageModel
{
    public CourseDetails? Course { get; private set; }
    public CourseViewer? Viewer { get; private set; }
    public LessonDetails? Lesson { get; private set; }
    public int SpreadMinutes { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid courseId, Guid lessonId, CancellationToken cancellationToken) =>
        await LoadAsync(courseId, lessonId, cancellationToken) ? Page() : NotFound();

    /// <summary><paramref name="publishAt"/> is school-local time from a datetime-local field; empty means now.</summary>
    public Task<IActionResult> OnPostScheduleAsync(Guid courseId, Guid lessonId, DateTime? publishAt, List<Guid>? classIds, CancellationToken cancellationToken) =>
        EditAsync(courseId, lessonId, async _ =>
        {
            var outcome = await planner.ScheduleAsync(courseId, lessonId, new ScheduleInput(publishAt is { } local ? SchoolTime.FromLocal(local) : null, classIds), cancellationToken);
            return outcome is null ? Missing() : outcome.Value.Errors;
        }, cancellationToken);

    public Task<IActionResult> OnPostNoteAsync(Guid courseId, Guid lessonId, string? title, string? text, CancellationToken cancellationToken) =>
        EditAsync(courseId, lessonId, async editor => (await content.AddNoteAsync(courseId, null, lessonId, title, text, editor, cancellationToken)).Errors, cancellationToken);

    public Task<IActionResult> OnPostLinkAsync(Guid courseId, Guid lessonId, string? title, string? url, string? text, CancellationToken cancellationToken) =>
        EditAsync(courseId, lessonId, async editor => (await content.AddLinkAsync(courseId, null, lessonId, title, url, text, editor, cancellationToken)).Errors, cancellationToken);

    public async Task<IActionResult> OnPostDoneAsync(Guid courseId, Guid lessonId, Guid itemId, bool done, CancellationToken cancellationToken)
    {
        var viewer = await access.ViewerAsync(courseId, User.PersonId(), User.Role()!.Value, cancellationToken);
        if (viewer is null || !await planner.MarkAsync(courseId, lessonId, itemId, viewer, done, cancellationToken))
        {
            return NotFound();
        }

        return Redirect(Url.Content($"~/courses/{courseId}/lessons/{lessonId}") + "#item-" + itemId);
    }

    private static FieldErrors Missing()
    {
        var errors = new FieldErrors();
        errors.Add("lessonId", "Deze les bestaat niet (meer).");
        return errors;
    }

    private async Task<IActionResult> EditAsync(Guid courseId, Guid lessonId, Func<CourseViewer, Task<FieldErrors?>> change, CancellationToken cancellationToken)
    {
        var editor = await access.ViewerAsync(courseId, User.PersonId(), User.Role()!.Value, cancellationToken);
        if (editor is null || (!editor.CanEdit && await planner.GetAsync(courseId, lessonId, editor, cancellationToken) is null))
        {
            return NotFound();
        }

        if (!editor.CanEdit)
        {
            return Forbid();
        }

        var errors = await change(editor);
        if (errors is null)
        {
            return Redirect(Url.Content($"~/courses/{courseId}/lessons/{lessonId}"));
        }

        errors.CopyTo(ModelState);

        return await LoadAsync(courseId, lessonId, cancellationToken) ? Page() : NotFound();
    }

    private async Task<bool> LoadAsync(Guid courseId, Guid lessonId, CancellationToken cancellationToken)
    {
        Viewer = await access.ViewerAsync(courseId, User.PersonId(), User.Role() ?? PersonRole.Pupil, cancellationToken);
        if (Viewer is null)
        {
            return false;
        }

        Course = await courses.GetAsync(courseId, cancellationToken);
        Lesson = Course is null ? null : await planner.GetAsync(courseId, lessonId, Viewer, cancellationToken);
        if (Lesson is null)
        {
            return false;
        }

        if (Viewer.CanEdit)
        {
            SpreadMinutes = await planner.SpreadMinutesAsync(cancellationToken);
        }

        return true;
    }
}
