using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Data;
using Schoolbel.Server.People;

namespace Schoolbel.Server.SignIn;

/// <summary>Checks a username and password within the current school.</summary>
public sealed partial class PasswordSignIn(SchoolbelDb db, PasswordHasher hasher, ILogger<PasswordSignIn> logger)
{
    public async Task<Person?> CheckAsync(string? username, string? password, CancellationToken cancellationToken)
    {
        var name = NormalizeUsername(username);
        if (name.Length == 0 || string.IsNullOrEmpty(password))
        {
            return null;
        }

        var person = await db.People.FirstOrDefaultAsync(p => p.Username == name, cancellationToken);
        // Always hash, even for an unknown username, so timing does not reveal which names exist.
        var check = hasher.Verify(password, person?.PasswordHash);
        if (person is null || check == PasswordCheck.Failed)
        {
            LogFailed(logger, name, db.CurrentSchoolId);
            return null;
        }

        if (check == PasswordCheck.SucceededNeedsUpgrade)
        {
            person.PasswordHash = hasher.Hash(password);
            await db.SaveChangesAsync(cancellationToken);
        }

        return person;
    }

    public static string NormalizeUsername(string? username) => (username ?? "").Trim().ToLowerInvariant();

    [LoggerMessage(Level = LogLevel.Information, Message = "Failed sign-in for {Username} in school {SchoolId}")]
    private static partial void LogFailed(ILogger logger, string username, Guid? schoolId);
}
