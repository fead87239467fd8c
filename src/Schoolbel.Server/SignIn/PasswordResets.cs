using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Data;
using Schoolbel.Server.People;
using Schoolbel.Server.People.Staff;
using Schoolbel.Server.Schools;
using Schoolbel.Server.Web;

namespace Schoolbel.Server.SignIn;

/// <summary>Changing your own password, and a teacher or admin resetting a pupil's.</summary>
public sealed partial class PasswordResets(
    SchoolbelDb db,
    PasswordHasher hasher,
    PasswordPolicy policy,
    PasswordCheckPool pool,
    SessionStore sessions,
    SchoolScope scope,
    ILogger<PasswordResets> logger)
{
    // No look-alike characters (0/o, 1/l/i): pupils type these from a note.
    private const string TemporaryAlphabet = "abcdefghjkmnpqrstuvwxyz23456789";

    /// <summary>
    /// Gives a pupil a temporary password, shown once to the teacher, and makes the pupil choose
    /// a new one at the next sign-in. Ends the pupil's sessions. Null when the pupil does not
    /// exist in this school or the actor may not reset them.
    /// </summary>
    public async Task<TemporaryPassword?> ResetPupilAsync(Guid pupilId, ClaimsPrincipal actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var pupil = await db.People.FirstOrDefaultAsync(p => p.Id == pupilId && p.Role == PersonRole.Pupil, cancellationToken);
        if (pupil is null || !await MayResetAsync(actor, pupilId, cancellationToken))
        {
            return null;
        }

        var temporary = string.Create(9, 0, (chars, _) =>
        {
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = i == 4 ? '-' : TemporaryAlphabet[RandomNumberGenerator.GetInt32(TemporaryAlphabet.Length)];
            }
        });
        pupil.PasswordHash = hasher.Hash(temporary);
        pupil.MustChangePassword = true;
        pupil.FailedSignIns = 0;
        pupil.SignInDelayedUntil = null;
        await db.SaveChangesAsync(cancellationToken);
        await sessions.EndAllAsync(pupil.Id, keep: null, cancellationToken);
        var actorName = actor.FindFirstValue(SchoolbelClaims.Username);
        LogReset(logger, pupil.Username, actorName, db.CurrentSchoolId);
        return new TemporaryPassword(pupil.Id, pupil.Username, pupil.FirstName + " " + pupil.LastName, temporary);
    }

    /// <summary>Admins may reset any pupil; teachers the pupils of the courses they teach.</summary>
    public async Task<bool> MayResetAsync(ClaimsPrincipal actor, Guid pupilId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        switch (actor.Role())
        {
            case PersonRole.SchoolAdmin:
                return true;
            case PersonRole.Teacher:
                return await TaughtPupils.IdsOf(db, actor.PersonId()).AnyAsync(id => id == pupilId, cancellationToken);
            default:
                return false;
        }
    }

    /// <summary>Changes your own password after checking the current one; ends your other sessions.</summary>
    public async Task<FieldErrors> ChangeOwnAsync(Guid personId, Guid? currentSession, string? current, string? replacement, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var person = await db.People.FirstAsync(p => p.Id == personId, cancellationToken);
        policy.Validate(replacement, person.Role, person.Username, scope.School, errors, "newPassword");
        if (current == replacement)
        {
            errors.Add("newPassword", "Kies een ander wachtwoord dan het huidige.");
        }

        if (errors.Any)
        {
            return errors;
        }

        var check = await pool.RunAsync(scope.School?.Code ?? "-", () => hasher.Verify(current ?? "", person.PasswordHash), cancellationToken);
        if (!check.Ran)
        {
            errors.Add("currentPassword", "Het is even druk. Probeer het over enkele seconden opnieuw.");
            return errors;
        }

        if (check.Result == PasswordCheck.Failed)
        {
            errors.Add("currentPassword", "Je huidige wachtwoord klopt niet.");
            return errors;
        }

        var hash = await pool.RunAsync(scope.School?.Code ?? "-", () => hasher.Hash(replacement!), cancellationToken);
        if (!hash.Ran)
        {
            errors.Add("newPassword", "Het is even druk. Probeer het over enkele seconden opnieuw.");
            return errors;
        }

        person.PasswordHash = hash.Result;
        person.MustChangePassword = false;
        await db.SaveChangesAsync(cancellationToken);
        await sessions.EndAllAsync(person.Id, keep: currentSession, cancellationToken);
        return errors;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Password of {Pupil} reset by {Actor} in school {SchoolId}")]
    private static partial void LogReset(ILogger logger, string pupil, string? actor, Guid? schoolId);
}

public sealed record TemporaryPassword(Guid PupilId, string Username, string Name, string Password);
