using Schoolbel.Server.Schools;

namespace Schoolbel.Server.People;

public enum PersonRole
{
    Pupil = 1,
    Teacher = 2,
    Parent = 3,
    SchoolAdmin = 4,
}

/// <summary>Anyone who signs in to a school: pupils, teachers, parents and school admins.</summary>
public sealed class Person : ISchoolOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }

    /// <summary>Lowercase, unique within the school.</summary>
    public required string Username { get; set; }
    public required string FirstName { get; set; }
    public required string LastName { get; set; }
    public string? Email { get; set; }
    public PersonRole Role { get; set; }

    /// <summary>Encoded hash with its algorithm and parameters; null until a password is set.</summary>
    public string? PasswordHash { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>Set after a reset to a temporary password: the next sign-in asks for a new one.</summary>
    public bool MustChangePassword { get; set; }

    /// <summary>Failed password attempts since the last success; drives the growing delay (not a lockout).</summary>
    public int FailedSignIns { get; set; }

    /// <summary>No password is checked for this account before this moment (UTC).</summary>
    public DateTime? SignInDelayedUntil { get; set; }

    /// <summary>The TOTP secret, protected with Data Protection; null when two-factor is off.</summary>
    public string? TotpSecret { get; set; }

    public DateTime? TotpEnabledAt { get; set; }

    /// <summary>SHA-256 of the pupil's current QR sign-in code; regenerating replaces it.</summary>
    public string? QrCodeHash { get; set; }

    /// <summary>Subject of this person at the school's identity provider (Entra ID, Google), for OIDC sign-in.</summary>
    public string? ExternalId { get; set; }

    public string DisplayName => FirstName + " " + LastName;
}

/// <summary>A parent (or guardian) linked to one of their children.</summary>
public sealed class ParentLink : ISchoolOwned
{
    public Guid SchoolId { get; set; }
    public Guid ParentId { get; set; }
    public Guid PupilId { get; set; }
}
