using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Schoolbel.Server.Courses;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;
using Schoolbel.Server.Web;

namespace Schoolbel.Server.Exercises;

/// <summary>A set's items for its teachers: write items in a form, import and export CSV and QTI. Pupils are sent to practice.</summary>
[Authorize(Policy = SchoolbelPolicies.SchoolMember)]
[SchoolEndpoint]
public sealed class ExerciseSetPageModel(CourseAccess access, ExerciseService exercises) : PageModel
{
    private const int MaxImportBytes = 5 * 1024 * 1024;

    public Guid CourseId { get; private set; }
    public SetSummary? Set { get; private set; }
    public IReadOnlyList<ItemDetails> Items { get; private set; } = [];
    public string? Done { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid courseId, Guid setId, CancellationToken cancellationToken)
    {
        var viewer = await access.ViewerAsync(courseId, User.PersonId(), User.Role() ?? PersonRole.Pupil, cancellationToken);
        if (viewer is null || await exercises.SetAsync(courseId, setId, cancellationToken) is null)
        {
            return NotFound();
        }

        if (!viewer.CanEdit)
        {
            return Redirect(Url.Content($"~/courses/{courseId}/practice?set={setId}"));
        }

        return await LoadAsync(courseId, setId, cancellationToken) ? Page() : NotFound();
    }

    public Task<IActionResult> OnPostItemAsync(Guid courseId, Guid setId, ItemForm form, CancellationToken cancellationToken) =>
        EditAsync(courseId, setId, async () =>
        {
            var (input, problem) = form.ToInput();
            if (input is null)
            {
                return Errors("spec", problem!);
            }

            return (await exercises.AddItemsAsync(courseId, setId, [input], cancellationToken)).Errors;
        }, "Vraag toegevoegd.", cancellationToken);

    public Task<IActionResult> OnPostImportAsync(Guid courseId, Guid setId, IFormFile? file, CancellationToken cancellationToken) =>
        EditAsync(courseId, setId, async () =>
        {
            if (file is null || file.Length == 0 || file.Length > MaxImportBytes)
            {
                return Errors("file", "Kies een CSV-, QTI-XML- of QTI-zipbestand van hoogstens 5 MB.");
            }

            using var buffer = new MemoryStream();
            await file.CopyToAsync(buffer, cancellationToken);
            var bytes = buffer.ToArray();
            var isCsv = file.FileName.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) || file.FileName.EndsWith(".txt", StringComparison.OrdinalIgnoreCase);
            var (items, problems) = isCsv
                ? ExerciseCsv.Read(new StringReader(new UTF8Encoding(false).GetString(bytes).TrimStart('\uFEFF')))
                : Qti.Import(bytes);
            if (problems.Count > 0)
            {
                var errors = new FieldErrors();
                foreach (var problem in problems)
                {
                    errors.Add("file", problem);
                }

                return errors;
            }

            return (await exercises.AddItemsAsync(courseId, setId, items, cancellationToken)).Errors;
        }, "Vragen geïmporteerd.", cancellationToken);

    public Task<IActionResult> OnPostRetireAsync(Guid courseId, Guid setId, Guid itemId, CancellationToken cancellationToken) =>
        EditAsync(courseId, setId, async () => await exercises.RetireItemAsync(courseId, setId, itemId, cancellationToken) ? null : Errors("itemId", "Deze vraag bestaat niet (meer)."), "Vraag verwijderd.", cancellationToken);

    public async Task<IActionResult> OnGetCsvAsync(Guid courseId, Guid setId, CancellationToken cancellationToken)
    {
        if (!await CanEditAsync(courseId, setId, cancellationToken))
        {
            return NotFound();
        }

        var csv = ExerciseCsv.Write(await exercises.ItemsAsync(courseId, setId, cancellationToken));
        return File(new UTF8Encoding(true).GetPreamble().Concat(Encoding.UTF8.GetBytes(csv)).ToArray(), "text/csv; charset=utf-8", FileName(".csv"));
    }

    public async Task<IActionResult> OnGetQtiAsync(Guid courseId, Guid setId, CancellationToken cancellationToken)
    {
        if (!await CanEditAsync(courseId, setId, cancellationToken))
        {
            return NotFound();
        }

        return File(Qti.ExportPackage(Set!.Title, await exercises.ItemsAsync(courseId, setId, cancellationToken)), "application/zip", FileName("-qti21.zip"));
    }

    private string FileName(string extension) =>
        new string([.. Set!.Title.Select(c => char.IsLetterOrDigit(c) ? c : '-')]).Trim('-') is { Length: > 0 } name ? name + extension : "oefeningen" + extension;

    private static FieldErrors Errors(string field, string message)
    {
        var errors = new FieldErrors();
        errors.Add(field, message);
        return errors;
    }

    private async Task<bool> CanEditAsync(Guid courseId, Guid setId, CancellationToken cancellationToken)
    {
        var viewer = await access.ViewerAsync(courseId, User.PersonId(), User.Role() ?? PersonRole.Pupil, cancellationToken);
        Set = viewer is { CanEdit: true } ? await exercises.SetAsync(courseId, setId, cancellationToken) : null;
        return Set is not null;
    }

    private async Task<IActionResult> EditAsync(Guid courseId, Guid setId, Func<Task<FieldErrors?>> change, string done, CancellationToken cancellationToken)
    {
        var viewer = await access.ViewerAsync(courseId, User.PersonId(), User.Role() ?? PersonRole.Pupil, cancellationToken);
        if (viewer is null || await exercises.SetAsync(courseId, setId, cancellationToken) is null)
        {
            return NotFound();
        }

        if (!viewer.CanEdit)
        {
            return Forbid();
        }

        var errors = await change();
        if (errors is null)
        {
            Done = done;
        }
        else
        {
            errors.CopyTo(ModelState);
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }

        return await LoadAsync(courseId, setId, cancellationToken) ? Page() : NotFound();
    }

    private async Task<bool> LoadAsync(Guid courseId, Guid setId, CancellationToken cancellationToken)
    {
        CourseId = courseId;
        Set = await exercises.SetAsync(courseId, setId, cancellationToken);
        if (Set is null)
        {
            return false;
        }

        Items = await exercises.ItemsAsync(courseId, setId, cancellationToken);
        return true;
    }
}
