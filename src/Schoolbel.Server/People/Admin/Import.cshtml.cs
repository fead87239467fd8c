using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.People.Admin;

/// <summary>Uploads a CSV of people; shows what changed, or every bad row (and then nothing is stored).</summary>
[Authorize(Policy = SchoolbelPolicies.SchoolAdmin)]
[SchoolEndpoint]
// A little room above the file limit for the multipart framing and the antiforgery field, so a
// file just over the limit still reaches the handler and gets a readable message.
[RequestSizeLimit(PeopleCsvImport.MaxBytes + 64 * 1024)]
[RequestFormLimits(MultipartBodyLengthLimit = PeopleCsvImport.MaxBytes + 64 * 1024)]
public sealed class ImportModel(PeopleCsvImport import) : PageModel
{
    public const long MaxMegabytes = PeopleCsvImport.MaxBytes / (1024 * 1024);

    /// <summary>A text key for a problem with the upload itself (no file, too large).</summary>
    public string? FileError { get; private set; }
    public CsvImportResult? Result { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(IFormFile? file, CancellationToken cancellationToken)
    {
        if (file is null || file.Length == 0)
        {
            FileError = "Kies een CSV-bestand dat niet leeg is.";
        }
        else if (file.Length > PeopleCsvImport.MaxBytes)
        {
            FileError = "Het bestand is groter dan {0} MB.";
        }

        if (FileError is not null)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        await using (var stream = file!.OpenReadStream())
        {
            Result = await import.ImportAsync(stream, cancellationToken);
        }

        if (!Result.Succeeded)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }

        return Page();
    }
}
