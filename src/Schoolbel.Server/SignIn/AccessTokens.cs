using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Schoolbel.Server.Data;
using Schoolbel.Server.Web;

namespace Schoolbel.Server.SignIn;

/// <summary>Creates, lists and revokes personal access tokens of the current school.</summary>
public sealed class AccessTokens(SchoolbelDb db, TimeProvider time)
{
    public const string SecretPrefix = "sbpat_";
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromDays(90);
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(366);

    public static string HashSecret(string secret) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public async Task<IReadOnlyList<AccessTokenView>> ListAsync(CancellationToken cancellationToken) =>
        await db.AccessTokens.AsNoTracking()
            .OrderByDescending(t => t.CreatedAt)
            .Join(db.People, t => t.PersonId, p => p.Id, (t, p) => new AccessTokenView(
                t.Id, t.Name, t.Prefix, p.Username, t.CreatedAt, t.ExpiresAt, t.RevokedAt, t.LastUsedAt))
            .ToListAsync(cancellationToken);

    /// <summary>Returns the new token and its secret, or the errors per field.</summary>
    public async Task<Outcome<CreatedAccessToken>> CreateAsync(Guid personId, string? name, DateTime? expiresAt, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var now = time.GetUtcNow().UtcDateTime;
        name = name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 100)
        {
            errors.Add("name", "Geef een naam van 1 tot 100 tekens.");
        }

        var expiry = expiresAt?.ToUniversalTime() ?? now + DefaultLifetime;
        if (expiry <= now)
        {
            errors.Add("expiresAt", "De vervaldatum moet in de toekomst liggen.");
        }
        else if (expiry > now + MaxLifetime)
        {
            errors.Add("expiresAt", "Een token is hoogstens een jaar geldig.");
        }

        if (errors.Any)
        {
            return errors;
        }

        var schoolId = db.CurrentSchoolId ?? throw new InvalidOperationException("No school in scope.");
        var secret = SecretPrefix + WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var token = new AccessToken
        {
            SchoolId = schoolId,
            PersonId = personId,
            Name = name!,
            SecretHash = HashSecret(secret),
            Prefix = secret[..12],
            CreatedAt = now,
            ExpiresAt = expiry,
        };
        db.AccessTokens.Add(token);
        await db.SaveChangesAsync(cancellationToken);
        return new CreatedAccessToken(token.Id, token.Name, secret, token.ExpiresAt);
    }

    /// <summary>Revokes a token of this school; false when there is no such token.</summary>
    public async Task<bool> RevokeAsync(Guid id, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var token = await db.AccessTokens.FirstOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (token is null)
        {
            return false;
        }

        token.RevokedAt ??= now;
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }
}

public sealed record AccessTokenView(Guid Id, string Name, string Prefix, string Owner, DateTime CreatedAt, DateTime ExpiresAt, DateTime? RevokedAt, DateTime? LastUsedAt);

/// <summary>The secret is in this answer only; it is never stored or shown again.</summary>
public sealed record CreatedAccessToken(Guid Id, string Name, string Token, DateTime ExpiresAt);

/// <summary>Authenticates <c>Authorization: Bearer sbpat_...</c> against the stored hash.</summary>
internal sealed partial class AccessTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    SchoolbelDb db,
    ApiSessionTokens sessionTokens,
    TimeProvider time)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(5);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var secret = header["Bearer ".Length..].Trim();
        if (secret.StartsWith(ApiSessionTokens.Prefix, StringComparison.Ordinal))
        {
            // A session token from POST /api/v1/sessions: signed, and checked against the cached session.
            var principal = await sessionTokens.ValidateAsync(secret, Scheme.Name, Context.RequestAborted);
            return principal is null
                ? AuthenticateResult.Fail("The session is unknown, ended or expired.")
                : AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name));
        }

        if (!secret.StartsWith(AccessTokens.SecretPrefix, StringComparison.Ordinal))
        {
            return AuthenticateResult.Fail("Not a Schoolbel access token.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        var hash = AccessTokens.HashSecret(secret);
        // The school is not known yet (it comes from the token), so this lookup ignores the
        // school filter on purpose; the secret hash is unique across the platform.
        var found = await db.AccessTokens.IgnoreQueryFilters().AsNoTracking()
            .Where(t => t.SecretHash == hash)
            .Join(db.People.IgnoreQueryFilters(), t => t.PersonId, p => p.Id, (t, p) => new { Token = t, Person = p })
            .FirstOrDefaultAsync(Context.RequestAborted);
        if (found is null || found.Token.RevokedAt is not null || found.Token.ExpiresAt <= now)
        {
            LogRejected(Logger, found?.Token.Id);
            return AuthenticateResult.Fail("The access token is unknown, expired or revoked.");
        }

        if (found.Token.LastUsedAt is null || now - found.Token.LastUsedAt > LastUsedResolution)
        {
            // Recorded coarsely so a busy client does not turn every call into a write.
            var tokenId = found.Token.Id;
            await db.AccessTokens.IgnoreQueryFilters().Where(t => t.Id == tokenId)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, now), Context.RequestAborted);
        }

        var identity = SchoolbelClaims.ForPerson(found.Person, Scheme.Name);
        identity.AddClaim(new Claim("sb:token", found.Token.Id.ToString()));
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rejected an access token (token id {TokenId})")]
    private static partial void LogRejected(ILogger logger, Guid? tokenId);
}
