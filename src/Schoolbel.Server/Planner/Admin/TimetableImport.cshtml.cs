using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Planner.Admin;

/// <summary>The school's timetables: classes with their number of lessons, and the CSV import (all or nothing).</summary>
[Authorize(Policy = SchoolbelPolicies.SchoolAdmin)]
[SchoolEndpoint]
// A little room above the file limit for the multipart framing and the antiforgery field, so a
// file just over the limit still reaches the handler and gets a readable message.
[RequestSizeLimit(Timetables.MaxBytes + 64 * 1024)]
[RequestFormLimits(MultipartBodyLengthLimit = Timetables.MaxBytes + 64 * 1024)]
public sealed class TimetableImportModel(Timetables timetables, ClassesAdmin classes) : PageModel
{
    public const long MaxMegabytes = Timetables.MaxBytes / (1024 * 1024);

    public IReadOnlyList<ClassSummary> Classes { get; private set; } = [];
    public IReadOnlyDictionary<Guid, int> Counts { get; private set; } = new Dictionary<Guid, int>();

    /// <summary>A text key for a problem with the upload itself (no file, too large).</summary>
    public string? FileError { get; private set; }
    public TimetableImportResult? Result { get; private set; }

    public Task OnGetAsync(CancellationToken cancellationToken) => LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostAsync(IFormFile? file, CancellationToken cancellationToken)
    {
        if (file is null || file.Length == 0)
        {
            FileError = "Kies een CSV-bestand dat niet leeg is.";
        }
        else if (file.Length > Timetables.MaxBytes)
        {
            FileError = "Het bestand is groter dan {0} MB.";
        }

        if (FileError is null)
        {
            await using var stream = file!.OpenReadStream();
            Result = await timetables.ImportAsync(stream, cancellationToken);
        }

        if (FileError is not null || Result is { Succeeded: false })
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }

        await LoadAsync(cancellationToken);
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Classes = await classes.ListAsync(cancellationToken);
        Counts = await timetables.CountsAsync(cancellationToken);
    }
}
