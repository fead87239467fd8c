using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Data;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;

namespace Schoolbel.Server.SignIn;

/// <summary>
/// Sign-in with the school's identity provider: <c>/signin/external</c> sends the browser there,
/// <c>/signin/external/done</c> matches the identity that came back to a person of this school by
/// <see cref="Person.ExternalId"/>. It never creates accounts.
/// </summary>
[AllowAnonymous]
[SchoolEndpoint]
public sealed partial class ExternalSignInModel(
    SchoolScope scope, SchoolIdentityProviders providers, PendingTwoFactor pendingTwoFactor, SchoolbelDb db, ILogger<ExternalSignInModel> logger) : PageModel
{
    /// <summary>Entra ID's stable object id; other providers only have "sub" (Entra's "sub" differs per application).</summary>
    internal const string EntraObjectIdClaim = "oid";
    internal const string SubjectClaim = "sub";

    public string? Message { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? returnUrl, CancellationToken cancellationToken)
    {
        var school = scope.School!;
        var scheme = await providers.PrepareAsync(school, cancellationToken);
        if (scheme is null)
        {
            return LocalRedirect(Url.Content("~/signin"));
        }

        var done = Url.Content("~/signin/external/done");
        if (Url.IsLocalUrl(returnUrl))
        {
            done += QueryString.Create("returnUrl", returnUrl);
        }

        try
        {
            // Challenged here rather than through a ChallengeResult, so an unreachable provider is caught.
            await HttpContext.ChallengeAsync(scheme, new AuthenticationProperties { RedirectUri = done });
            return new EmptyResult();
        }
        catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or IOException)
        {
            LogChallengeFailed(logger, school.Id, ex.GetType().Name, ex.Message);
            return LocalRedirect(Url.Content("~/signin?error=external"));
        }
    }

    public async Task<IActionResult> OnGetDoneAsync(string? returnUrl, CancellationToken cancellationToken)
    {
        var result = await HttpContext.AuthenticateAsync(SchoolbelSchemes.External);
        // The external identity is only needed for this one step.
        await HttpContext.SignOutAsync(SchoolbelSchemes.External);
        var schoolId = scope.SchoolId!.Value;
        if (!result.Succeeded || result.Principal.SchoolId() != schoolId)
        {
            // No identity, an expired one, or one obtained for another school.
            return LocalRedirect(Url.Content("~/signin?error=external"));
        }

        var subject = ExternalSubject(result.Principal);
        var person = subject is null ? null : await db.People.FirstOrDefaultAsync(p => p.ExternalId == subject, cancellationToken);
        if (person is null)
        {
            LogUnknownSubject(logger, schoolId, subject);
            Message = "Er is geen Schoolbel-account gekoppeld aan dit schoolaccount.";
            Response.StatusCode = StatusCodes.Status403Forbidden;
            return Page();
        }

        var persistent = person.Role == PersonRole.Pupil && scope.School!.StaySignedInByDefaultForPupils;
        if (person.TotpEnabledAt is not null)
        {
            // Whoever turned on two-factor keeps it, whichever way they sign in.
            pendingTwoFactor.Start(HttpContext, person.Id, persistent, returnUrl);
            return LocalRedirect(Url.Content("~/signin/two-factor"));
        }

        await CookieSessions.SignInAsync(HttpContext, person, persistent, "oidc");
        LogSignedIn(logger, person.Username, schoolId);
        if (person.MustChangePassword)
        {
            return LocalRedirect(Url.Content("~/account/password"));
        }

        return LocalRedirect(Url.IsLocalUrl(returnUrl) ? returnUrl : Url.Content("~/"));
    }

    internal static string? ExternalSubject(ClaimsPrincipal principal)
    {
        var value = principal.FindFirstValue(EntraObjectIdClaim) ?? principal.FindFirstValue(SubjectClaim);
        return string.IsNullOrWhiteSpace(value) ? null : value;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not start sign-in with the identity provider of school {SchoolId}: {ErrorType} {ErrorMessage}")]
    private static partial void LogChallengeFailed(ILogger logger, Guid schoolId, string errorType, string errorMessage);

    [LoggerMessage(Level = LogLevel.Information, Message = "No person in school {SchoolId} has external id {ExternalId}")]
    private static partial void LogUnknownSubject(ILogger logger, Guid schoolId, string? externalId);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Username} signed in to school {SchoolId} with the school's identity provider")]
    private static partial void LogSignedIn(ILogger logger, string username, Guid schoolId);
}
