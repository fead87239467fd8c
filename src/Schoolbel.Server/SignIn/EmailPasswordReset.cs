using System.Security.Cryptography;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Data;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;
using Schoolbel.Server.Web;

namespace Schoolbel.Server.SignIn;

/// <summary>
/// "Forgot your password" by e-mail, for parents and staff (teachers reset pupils). Works only
/// when e-mail is configured. The answer never says whether an account exists.
/// </summary>
public sealed partial class EmailPasswordReset(
    SchoolbelDb db, EmailSender email, PasswordHasher hasher, PasswordPolicy policy, SessionStore sessions,
    SchoolScope scope, TimeProvider time, ILogger<EmailPasswordReset> logger)
{
    public static readonly TimeSpan LinkLifetime = TimeSpan.FromHours(1);

    /// <summary>One mail per account per this interval, so the form cannot be used to flood a mailbox.</summary>
    private static readonly TimeSpan MinimumInterval = TimeSpan.FromMinutes(2);

    public bool Available => email.Enabled;

    public async Task RequestAsync(string? usernameOrEmail, string linkBase, CancellationToken cancellationToken)
    {
        var key = (usernameOrEmail ?? "").Trim().ToLowerInvariant();
        if (!Available || key.Length == 0)
        {
            return;
        }

#pragma warning disable CA1304, CA1311, CA1862 // EF translates ToLower() to SQL lower(); culture overloads do not translate.
        var person = await db.People.FirstOrDefaultAsync(
            p => (p.Username == key || p.Email!.ToLower() == key) && p.Role != PersonRole.Pupil && p.Email != null, cancellationToken);
#pragma warning restore CA1304, CA1311, CA1862
        if (person is null)
        {
            return;
        }

        var now = time.GetUtcNow().UtcDateTime;
        var recent = now + LinkLifetime - MinimumInterval;
        if (await db.Set<PasswordResetToken>().AnyAsync(t => t.PersonId == person.Id && t.ExpiresAt > recent, cancellationToken))
        {
            LogTooSoon(logger, person.Username, person.SchoolId);
            return;
        }

        var token = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        db.Set<PasswordResetToken>().Add(new PasswordResetToken
        {
            SchoolId = person.SchoolId, PersonId = person.Id, TokenHash = AccessTokens.HashSecret(token), ExpiresAt = now + LinkLifetime,
        });
        await db.SaveChangesAsync(cancellationToken);
        var school = scope.School?.Name ?? "Schoolbel";
        var body = $"""
            Dag {person.FirstName},

            Iemand vroeg een nieuw wachtwoord aan voor je Schoolbel-account ({person.Username}) bij {school}.
            Kies een nieuw wachtwoord via deze link (een uur geldig):

            {linkBase}{token}

            Vroeg je dit niet aan? Dan hoef je niets te doen; je wachtwoord blijft hetzelfde.
            """;
        await email.SendAsync(person.Email!, "Nieuw wachtwoord voor Schoolbel", body, cancellationToken);
    }

    /// <summary>The person of a valid, unused link, or null.</summary>
    public async Task<Person?> FindAsync(string? token, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 64)
        {
            return null;
        }

        var hash = AccessTokens.HashSecret(token);
        var now = time.GetUtcNow().UtcDateTime;
        var row = await db.Set<PasswordResetToken>().AsNoTracking()
            .FirstOrDefaultAsync(t => t.TokenHash == hash && t.UsedAt == null && t.ExpiresAt > now, cancellationToken);
        return row is null ? null : await db.People.FirstOrDefaultAsync(p => p.Id == row.PersonId, cancellationToken);
    }

    /// <summary>Sets the new password, uses up the link and ends every session. Null when the link is not valid.</summary>
    public async Task<FieldErrors?> CompleteAsync(string token, string? password, CancellationToken cancellationToken)
    {
        var person = await FindAsync(token, cancellationToken);
        if (person is null)
        {
            return null;
        }

        var errors = new FieldErrors();
        policy.Validate(password, person.Role, person.Username, scope.School, errors);
        if (errors.Any)
        {
            return errors;
        }

        var hash = AccessTokens.HashSecret(token);
        var now = time.GetUtcNow().UtcDateTime;
        var used = await db.Set<PasswordResetToken>().Where(t => t.TokenHash == hash && t.UsedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.UsedAt, now), cancellationToken);
        if (used != 1)
        {
            return null; // used by a parallel request a moment ago
        }

        person.PasswordHash = hasher.Hash(password!);
        person.MustChangePassword = false;
        person.FailedSignIns = 0;
        person.SignInDelayedUntil = null;
        await db.SaveChangesAsync(cancellationToken);
        await sessions.EndAllAsync(person.Id, keep: null, cancellationToken);
        return errors;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Password reset mail for {Username} in school {SchoolId} not sent: one was sent moments ago")]
    private static partial void LogTooSoon(ILogger logger, string username, Guid schoolId);
}
