using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Schoolbel.Server.Documents;
using Schoolbel.Server.Lessons;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;
using Schoolbel.Server.Web;

namespace Schoolbel.Server.Courses;

[Authorize(Policy = SchoolbelPolicies.SchoolMember)]
[SchoolEndpoint]
public sealed class CoursePageModel(CourseAccess access, CoursesAdmin courses, CourseContent content, LessonPlanner lessons) : PageModel
{
    public CourseDetails? Course { get; private set; }
    public CourseViewer? Viewer { get; private set; }
    public IReadOnlyList<ItemNode> Items { get; private set; } = [];
    public IReadOnlyList<FolderChoice> Folders { get; private set; } = [];
    public IReadOnlyList<BinEntry> Bin { get; private set; } = [];
    public IReadOnlyList<LessonSummary> Lessons { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(Guid courseId, CancellationToken cancellationToken) =>
        await LoadAsync(courseId, cancellationToken) ? Page() : NotFound();

    public Task<IActionResult> OnPostFolderAsync(Guid courseId, string? title, Guid? folderId, CancellationToken cancellationToken) =>
        EditAsync(courseId, async editor => (await content.AddFolderAsync(courseId, folderId, title, editor, cancellationToken)).Errors, cancellationToken);

    public Task<IActionResult> OnPostLinkAsync(Guid courseId, string? title, string? url, Guid? folderId, CancellationToken cancellationToken) =>
        EditAsync(courseId, async editor => (await content.AddLinkAsync(courseId, folderId, null, title, url, null, editor, cancellationToken)).Errors, cancellationToken);

    public Task<IActionResult> OnPostNoteAsync(Guid courseId, string? title, string? text, Guid? folderId, CancellationToken cancellationToken) =>
        EditAsync(courseId, async editor => (await content.AddNoteAsync(courseId, folderId, null, title, text, editor, cancellationToken)).Errors, cancellationToken);

    public Task<IActionResult> OnPostRenameAsync(Guid courseId, Guid itemId, string? title, CancellationToken cancellationToken) =>
        ChangeAsync(courseId, itemId, new ItemChange(Title: title ?? ""), cancellationToken);

    public Task<IActionResult> OnPostMoveAsync(Guid courseId, Guid itemId, Guid? folderId, CancellationToken cancellationToken) =>
        ChangeAsync(courseId, itemId, new ItemChange(FolderId: folderId, MoveToRoot: folderId is null), cancellationToken);

    public Task<IActionResult> OnPostHideAsync(Guid courseId, Guid itemId, bool hidden, CancellationToken cancellationToken) =>
        ChangeAsync(courseId, itemId, new ItemChange(Hidden: hidden), cancellationToken);

    public Task<IActionResult> OnPostDeleteAsync(Guid courseId, Guid itemId, CancellationToken cancellationToken) =>
        EditAsync(courseId, async _ => await content.DeleteAsync(courseId, itemId, cancellationToken) ? null : NotFoundErrors(), cancellationToken);

    public Task<IActionResult> OnPostRestoreAsync(Guid courseId, Guid itemId, CancellationToken cancellationToken) =>
        EditAsync(courseId, async _ => await content.RestoreAsync(courseId, itemId, cancellationToken) ? null : NotFoundErrors(), cancellationToken);

    public async Task<IActionResult> OnPostLessonAsync(Guid courseId, string? title, CancellationToken cancellationToken)
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

        var outcome = await lessons.CreateAsync(courseId, new LessonInput(title), editor, cancellationToken);
        if (!outcome.Succeeded)
        {
            return await ShowErrorsAsync(courseId, outcome.Errors!, cancellationToken);
        }

        return Redirect(Url.Content($"~/courses/{courseId}/lessons/{outcome.Value!.Id}"));
    }

    private Task<IActionResult> ChangeAsync(Guid courseId, Guid itemId, ItemChange change, CancellationToken cancellationToken) =>
        EditAsync(courseId, async _ =>
        {
            var outcome = await content.UpdateAsync(courseId, itemId, change, cancellationToken);
            return outcome is null ? NotFoundErrors() : outcome.Value.Errors;
        }, cancellationToken);

    private static FieldErrors NotFoundErrors()
    {
        var errors = new FieldErrors();
        errors.Add("itemId", "Dat onderdeel bestaat niet (meer).");
        return errors;
    }

    /// <summary>Teachers (and admins) only; others get 404 (not in the course) or 403 (may only read).</summary>
    private async Task<IActionResult> EditAsync(Guid courseId, Func<CourseViewer, Task<FieldErrors?>> change, CancellationToken cancellationToken)
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

        var errors = await change(editor);
        return errors is null ? Redirect(Url.Content($"~/courses/{courseId}")) : await ShowErrorsAsync(courseId, errors, cancellationToken);
    }

    private async Task<IActionResult> ShowErrorsAsync(Guid courseId, FieldErrors errors, CancellationToken cancellationToken)
    {
        errors.CopyTo(ModelState);

        return await LoadAsync(courseId, cancellationToken) ? Page() : NotFound();
    }

    private async Task<bool> LoadAsync(Guid courseId, CancellationToken cancellationToken)
    {
        Viewer = await access.ViewerAsync(courseId, User.PersonId(), User.Role()!.Value, cancellationToken);
        if (Viewer is null)
        {
            return false;
        }

        Course = await courses.GetAsync(courseId, cancellationToken);
        if (Course is null)
        {
            return false;
        }

        Items = await content.TreeAsync(courseId, Viewer, cancellationToken);
        Lessons = await lessons.ForCourseAsync(courseId, Viewer, cancellationToken);
        if (Viewer.CanEdit)
        {
            Folders = await content.FoldersAsync(courseId, cancellationToken);
            Bin = await content.RecycleBinAsync(courseId, cancellationToken);
        }

        return true;
    }
}
