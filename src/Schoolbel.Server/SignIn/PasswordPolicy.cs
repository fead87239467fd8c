using System.Collections.Frozen;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;
using Schoolbel.Server.Web;

namespace Schoolbel.Server.SignIn;

/// <summary>
/// What a new password must be: long enough, not one of the common passwords shipped with
/// Schoolbel, not the username. A school may allow simpler pupil passwords (young children
/// type them on tablets), but never empty ones.
/// </summary>
public sealed class PasswordPolicy
{
    public const int MinimumLength = 8;
    public const int SimplePupilMinimumLength = 4;
    public const int MaximumLength = 200;

    private readonly FrozenSet<string> _common = LoadCommonPasswords();

    public int CommonPasswordCount => _common.Count;

    public void Validate(string? password, PersonRole role, string? username, SchoolInfo? school, FieldErrors errors, string field = "password")
    {
        ArgumentNullException.ThrowIfNull(errors);
        var simple = role == PersonRole.Pupil && school?.AllowSimplePupilPasswords == true;
        var minimum = simple ? SimplePupilMinimumLength : MinimumLength;
        if (string.IsNullOrEmpty(password) || password.Length < minimum)
        {
            errors.Add(field, $"Een wachtwoord heeft minstens {minimum} tekens.");
            return;
        }

        if (password.Length > MaximumLength)
        {
            errors.Add(field, $"Een wachtwoord heeft hoogstens {MaximumLength} tekens.");
            return;
        }

        if (!simple && _common.Contains(password.ToLowerInvariant()))
        {
            errors.Add(field, "Dit wachtwoord is te bekend en wordt snel geraden. Kies een ander.");
        }
        else if (username is not null && string.Equals(password, username, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add(field, "Je wachtwoord mag niet je gebruikersnaam zijn.");
        }
    }

    private static FrozenSet<string> LoadCommonPasswords()
    {
        using var stream = typeof(PasswordPolicy).Assembly.GetManifestResourceStream("Schoolbel.CommonPasswords.txt")
            ?? throw new InvalidOperationException("The common password list is missing from the build.");
        using var reader = new StreamReader(stream);
        var words = new HashSet<string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0 && line[0] != '#')
            {
                words.Add(line.Trim());
            }
        }

        return words.ToFrozenSet(StringComparer.Ordinal);
    }
}
