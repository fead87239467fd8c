namespace Schoolbel.Server.Schools;

/// <summary>
/// The school this request (or job) works for. Scoped per request; the data layer filters
/// every school-owned query on it.
/// </summary>
public sealed class SchoolScope
{
    public Guid? SchoolId { get; private set; }
    public SchoolInfo? School { get; private set; }

    public void Enter(SchoolInfo school)
    {
        ArgumentNullException.ThrowIfNull(school);
        if (SchoolId is { } current && current != school.Id)
        {
            // A request belongs to one school for its whole life; switching would mix tenants.
            throw new InvalidOperationException("This scope already belongs to another school.");
        }

        School = school;
        SchoolId = school.Id;
    }
}

/// <summary>
/// What a request needs to know about its school, including its sign-in settings; cached in memory.
/// <see cref="OidcDisplayName"/> is set when sign-in with the school's identity provider is on;
/// <see cref="OidcSettingsStamp"/> changes whenever those settings change.
/// </summary>
public sealed record SchoolInfo(
    Guid Id,
    string Code,
    string Name,
    string DefaultLanguage,
    bool StaySignedInByDefaultForPupils = true,
    bool AllowSimplePupilPasswords = false,
    bool RequireTwoFactorForStaff = false,
    string? QrSignInNetworks = null,
    string? OidcDisplayName = null,
    string? OidcSettingsStamp = null);
