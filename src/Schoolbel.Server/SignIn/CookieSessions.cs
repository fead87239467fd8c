using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;

namespace Schoolbel.Server.SignIn;

/// <summary>
/// Issues the school cookie for a new server-side session, and validates it on each request:
/// right school, session still open (a cached check, usually no database round trip).
/// </summary>
public static class CookieSessions
{
    public const string SessionClaim = "sb:sid";
    public const string MustChangePasswordClaim = "sb:mustchange";
    public const string MustEnrolTwoFactorClaim = "sb:must2fa";

    public static async Task SignInAsync(HttpContext context, Person person, bool persistent, string method)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(person);
        var sessions = context.RequestServices.GetRequiredService<SessionStore>();
        var time = context.RequestServices.GetRequiredService<TimeProvider>();
        var session = await sessions.StartAsync(person, persistent, context.Request.Headers.UserAgent, method, context.RequestAborted);
        var identity = SchoolbelClaims.ForPerson(person, SchoolbelSchemes.SchoolCookie);
        identity.AddClaim(new Claim(SessionClaim, session.Id.ToString()));
        if (person.MustChangePassword)
        {
            identity.AddClaim(new Claim(MustChangePasswordClaim, "1"));
        }

        var school = context.RequestServices.GetRequiredService<SchoolScope>().School;
        if (school?.RequireTwoFactorForStaff == true && TwoFactor.IsStaff(person.Role) && person.TotpEnabledAt is null)
        {
            identity.AddClaim(new Claim(MustEnrolTwoFactorClaim, "1"));
        }

        var now = time.GetUtcNow();
        await context.SignInAsync(SchoolbelSchemes.SchoolCookie, new ClaimsPrincipal(identity), new AuthenticationProperties
        {
            // The cookie slides with the same lifetime; the session row is what really counts.
            IsPersistent = persistent,
            IssuedUtc = now,
            ExpiresUtc = now + sessions.Lifetime(persistent),
            AllowRefresh = true,
        });
    }

    /// <summary>Re-issues the cookie without a claim (a step that is now done); the session stays the same.</summary>
    public static async Task RemoveClaimAsync(HttpContext context, string claimType)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.User.HasClaim(c => c.Type == claimType))
        {
            return;
        }

        var identity = new ClaimsIdentity(context.User.Claims.Where(c => c.Type != claimType),
            SchoolbelSchemes.SchoolCookie, ClaimTypes.Name, ClaimTypes.Role);
        var current = await context.AuthenticateAsync(SchoolbelSchemes.SchoolCookie);
        await context.SignInAsync(SchoolbelSchemes.SchoolCookie, new ClaimsPrincipal(identity), current.Properties);
    }

    public static Guid? SessionId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(SessionClaim), out var id) ? id : null;

    /// <summary>
    /// The cookie handler's check on every request. The download fast path
    /// (<see cref="Documents.DownloadFastPath"/>) makes the same checks from cached answers;
    /// change them together.
    /// </summary>
    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var services = context.HttpContext.RequestServices;
        var scope = services.GetRequiredService<SchoolScope>();
        var principal = context.Principal;
        // A cookie of another school is worth nothing here.
        if (principal is null || scope.SchoolId is null || principal.SchoolId() != scope.SchoolId
            || principal.SessionId() is not { } sessionId
            || !await services.GetRequiredService<SessionStore>().IsActiveAsync(sessionId, principal.PersonId(), context.HttpContext.RequestAborted))
        {
            context.RejectPrincipal();
            if (principal?.SchoolId() == scope.SchoolId)
            {
                // Ended or expired: drop the cookie too.
                await context.HttpContext.SignOutAsync(SchoolbelSchemes.SchoolCookie);
            }
        }
    }
}
