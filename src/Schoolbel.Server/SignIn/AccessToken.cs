using Schoolbel.Server.Schools;

namespace Schoolbel.Server.SignIn;

/// <summary>
/// A named personal access token for API clients. Only the SHA-256 of the secret is stored:
/// the secret is shown once, at creation.
/// </summary>
public sealed class AccessToken : ISchoolOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }
    public Guid PersonId { get; set; }
    public required string Name { get; set; }

    /// <summary>Lowercase hex SHA-256 of the whole token string.</summary>
    public required string SecretHash { get; set; }

    /// <summary>The first characters of the token, so people can recognise it in a list.</summary>
    public required string Prefix { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime ExpiresAt { get; set; }
    public DateTime? RevokedAt { get; set; }
    public DateTime? LastUsedAt { get; set; }
}
