namespace Schoolbel.Server.Schools;

/// <summary>A school is the tenant: every school-owned row carries its id.</summary>
public sealed class School
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    /// <summary>Short lowercase code used in URLs and at sign-in, e.g. <c>sint-jan</c>.</summary>
    public required string Code { get; set; }

    public required string Name { get; set; }

    /// <summary>Culture name of the school's default UI language ("nl" or "en").</summary>
    public string DefaultLanguage { get; set; } = "nl";

    public DateTime CreatedAt { get; set; }

    /// <summary>"Stay signed in" is ticked by default for pupils (30 days, sliding).</summary>
    public bool StaySignedInByDefaultForPupils { get; set; } = true;

    /// <summary>Child-friendly pupil passwords: shorter and without the common-password check (never empty).</summary>
    public bool AllowSimplePupilPasswords { get; set; }

    /// <summary>Teachers and school admins must use two-factor (TOTP).</summary>
    public bool RequireTwoFactorForStaff { get; set; }

    /// <summary>Networks (CIDR, comma separated) where QR sign-in codes work; empty means anywhere.</summary>
    public string? QrSignInNetworks { get; set; }

    /// <summary>OpenID Connect issuer of the school's identity provider (Entra ID, Google Workspace); null when off.</summary>
    public string? OidcAuthority { get; set; }

    public string? OidcClientId { get; set; }

    /// <summary>Protected with Data Protection.</summary>
    public string? OidcClientSecret { get; set; }

    /// <summary>Shown on the sign-in button, e.g. "Microsoft".</summary>
    public string? OidcDisplayName { get; set; }
}

/// <summary>Marks an entity that belongs to exactly one school; the data layer filters on it.</summary>
public interface ISchoolOwned
{
    Guid SchoolId { get; }
}
