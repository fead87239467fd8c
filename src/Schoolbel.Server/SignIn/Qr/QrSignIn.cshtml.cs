using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;

namespace Schoolbel.Server.SignIn.Qr;

/// <summary>
/// Where a scanned QR card lands. Scanning shows one big button (a POST with anti-forgery, so
/// another site cannot sign a class tablet into someone's account); no typing needed.
/// </summary>
[AllowAnonymous]
[SchoolEndpoint]
public sealed partial class QrSignInModel(QrCodes codes, SchoolScope school, ILogger<QrSignInModel> logger) : PageModel
{
    public string? Message { get; private set; }
    public string FirstName { get; private set; } = "";
    public string Name { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync(string code, CancellationToken cancellationToken)
    {
        var pupil = await FindAsync(code, cancellationToken);
        if (pupil is not null)
        {
            FirstName = pupil.FirstName;
            Name = pupil.FirstName + " " + pupil.LastName[..1] + ".";
        }

        Response.Headers.CacheControl = "no-store";
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string code, CancellationToken cancellationToken)
    {
        var pupil = await FindAsync(code, cancellationToken);
        if (pupil is null)
        {
            return Page();
        }

        await CookieSessions.SignInAsync(HttpContext, pupil, school.School?.StaySignedInByDefaultForPupils ?? true, "qr");
        return LocalRedirect(Url.Content("~/"));
    }

    private async Task<Person?> FindAsync(string code, CancellationToken cancellationToken)
    {
        if (!QrCodes.AllowedFrom(school.School?.QrSignInNetworks, HttpContext.Connection.RemoteIpAddress))
        {
            LogOutsideNetwork(logger, HttpContext.Connection.RemoteIpAddress, school.SchoolId);
            Message = "QR-aanmelding werkt alleen op het netwerk van de school.";
            Response.StatusCode = StatusCodes.Status403Forbidden;
            return null;
        }

        var pupil = await codes.FindAsync(code, cancellationToken);
        if (pupil is null)
        {
            Message = "Deze QR-code werkt niet (meer). Vraag je juf of meester om een nieuwe kaart.";
            Response.StatusCode = StatusCodes.Status404NotFound;
        }

        return pupil;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "QR sign-in refused from {Address} outside the networks of school {SchoolId}")]
    private static partial void LogOutsideNetwork(ILogger logger, System.Net.IPAddress? address, Guid? schoolId);
}
