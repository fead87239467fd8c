using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.HttpResults;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;

namespace Schoolbel.Server.SignIn;

/// <summary>
/// Bearer tokens for apps that sign in with a password (POST /api/v1/sessions). The token is
/// the session id and the person's claims, signed with Data Protection: no database lookup
/// per call, only the cached "is this session still open" check that pages use too.
/// </summary>
public sealed class ApiSessionTokens(IDataProtectionProvider protection, SessionStore sessions)
{
    public const string Prefix = "sbses_";
    private readonly IDataProtector _protector = protection.CreateProtector("Schoolbel.ApiSession.v1");

    public string Issue(SignInSession session, Person person)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(person);
        var payload = string.Join('\n', session.Id, person.Id, person.SchoolId, person.Role, person.Username, person.DisplayName);
        return Prefix + _protector.Protect(payload);
    }

    public async Task<ClaimsPrincipal?> ValidateAsync(string token, string scheme, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        string payload;
        try
        {
            payload = _protector.Unprotect(token[Prefix.Length..]);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }

        var parts = payload.Split('\n');
        if (parts.Length != 6 || !Guid.TryParse(parts[0], out var sessionId) || !Guid.TryParse(parts[1], out var personId)
            || !await sessions.IsActiveAsync(sessionId, personId, cancellationToken))
        {
            return null;
        }

        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, parts[1]),
                new Claim(SchoolbelClaims.School, parts[2]),
                new Claim(ClaimTypes.Role, parts[3]),
                new Claim(SchoolbelClaims.Username, parts[4]),
                new Claim(ClaimTypes.Name, parts[5]),
                new Claim(CookieSessions.SessionClaim, parts[0]),
            ],
            scheme, ClaimTypes.Name, ClaimTypes.Role);
        return new ClaimsPrincipal(identity);
    }
}

internal static class SessionsApi
{
    public static void MapSessionsApi(this IEndpointRouteBuilder api)
    {
        var sessions = api.MapGroup("/sessions").WithTags("Sign-in");
        sessions.MapPost("/", SignIn).AllowAnonymous().WithMetadata(new Admission.NotALoadSignalAttribute())
            .WithSummary("Sign in with a school code, username and password; returns a bearer token for this session. 429 with Retry-After when sign-in is busy or throttled.");
        sessions.MapGet("/", List).WithSummary("Your open sessions (device, last seen).");
        sessions.MapDelete("/{sessionId:guid}", End).WithSummary("End one of your sessions (sign out there).");
    }

    private static async Task<Results<Ok<ApiSession>, ProblemHttpResult, JsonHttpResult<BusyAnswer>>> SignIn(
        SessionSignIn body, HttpContext context, SchoolDirectory directory, SchoolScope scope, PasswordSignIn passwords,
        SessionStore sessions, ApiSessionTokens tokens, TwoFactor twoFactor, CancellationToken ct)
    {
        var school = string.IsNullOrWhiteSpace(body.School) ? null : await directory.FindByCodeAsync(body.School.Trim().ToLowerInvariant(), ct);
        if (school is null || (scope.SchoolId is { } current && current != school.Id))
        {
            return TypedResults.Problem(statusCode: 401, title: "Sign-in failed", detail: "Unknown school, username or password.");
        }

        scope.Enter(school);
        var attempt = await passwords.CheckAsync(body.Username, body.Password, context.Connection.RemoteIpAddress, ct);
        switch (attempt.Result)
        {
            case SignInResult.Busy or SignInResult.Throttled:
                var seconds = (int)Math.Max(1, Math.Ceiling(attempt.RetryAfter.TotalSeconds));
                context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                var reason = attempt.Result == SignInResult.Busy ? "busy" : "throttled";
                return TypedResults.Json(new BusyAnswer(reason, attempt.Position, seconds), statusCode: StatusCodes.Status429TooManyRequests);
            case SignInResult.Failed:
                return TypedResults.Problem(statusCode: 401, title: "Sign-in failed", detail: "Unknown school, username or password.");
        }

        var person = attempt.Person!;
        if (person.TotpEnabledAt is not null && !await twoFactor.VerifyAsync(person, body.Code, ct))
        {
            return TypedResults.Problem(statusCode: 401, title: "Two-factor code needed",
                detail: "This account uses two-factor sign-in: send the current code from the authenticator app (or a recovery code) as 'code'.");
        }

        var session = await sessions.StartAsync(person, body.StaySignedIn ?? true, context.Request.Headers.UserAgent, "api", ct);
        return TypedResults.Ok(new ApiSession(tokens.Issue(session, person), session.ExpiresAt, person.Id, person.Role, person.MustChangePassword));
    }

    private static async Task<Ok<IReadOnlyList<SessionView>>> List(HttpContext context, SessionStore sessions, CancellationToken ct) =>
        TypedResults.Ok(await sessions.ListAsync(context.User.PersonId(), ct));

    private static async Task<Results<NoContent, NotFound>> End(Guid sessionId, HttpContext context, SessionStore sessions, CancellationToken ct) =>
        await sessions.EndAsync(context.User.PersonId(), sessionId, ct) ? TypedResults.NoContent() : TypedResults.NotFound();
}

public sealed record SessionSignIn(string? School, string? Username, string? Password, bool? StaySignedIn, string? Code = null);

/// <summary>The bearer token is valid until the session ends, expires, or is ended elsewhere.</summary>
public sealed record ApiSession(string Token, DateTime ExpiresAt, Guid PersonId, PersonRole Role, bool MustChangePassword);

/// <summary>Sent with 429 and a Retry-After header: come back later, this is not a failure.</summary>
public sealed record BusyAnswer(string Reason, int Position, int RetryAfterSeconds);
