using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;

namespace Schoolbel.Server.SignIn;

/// <summary>
/// One signed-in browser or device. The cookie carries its id; the row lets people see and end
/// their sessions. Checking it is cached, so a page view costs no database round trip.
/// </summary>
public sealed class SignInSession : ISchoolOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }
    public Guid PersonId { get; set; }
    public DateTime CreatedAt { get; set; }

    /// <summary>Updated at most every few minutes, not on every request.</summary>
    public DateTime LastSeenAt { get; set; }

    public DateTime ExpiresAt { get; set; }
    public DateTime? EndedAt { get; set; }

    /// <summary>"Stay signed in": 30 days, sliding, surviving the browser closing.</summary>
    public bool Persistent { get; set; }

    /// <summary>A short description of the browser and system, e.g. "Chrome op Android".</summary>
    public required string Device { get; set; }

    /// <summary>How the session started: password, qr, oidc.</summary>
    public required string Method { get; set; }
}

/// <summary>A one-time recovery code for two-factor sign-in; only its hash is kept.</summary>
public sealed class RecoveryCode : ISchoolOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }
    public Guid PersonId { get; set; }
    public required string CodeHash { get; set; }
    public DateTime? UsedAt { get; set; }
}

/// <summary>A password reset link sent by e-mail; only its hash is kept.</summary>
public sealed class PasswordResetToken : ISchoolOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }
    public Guid PersonId { get; set; }
    public required string TokenHash { get; set; }
    public DateTime ExpiresAt { get; set; }
    public DateTime? UsedAt { get; set; }
}

internal sealed class SignInSessionConfiguration : IEntityTypeConfiguration<SignInSession>
{
    public void Configure(EntityTypeBuilder<SignInSession> builder)
    {
        builder.HasIndex(s => new { s.PersonId, s.EndedAt });
        builder.Property(s => s.Device).HasMaxLength(120);
        builder.Property(s => s.Method).HasMaxLength(16);
        builder.HasOne<Person>().WithMany().HasForeignKey(s => s.PersonId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class RecoveryCodeConfiguration : IEntityTypeConfiguration<RecoveryCode>
{
    public void Configure(EntityTypeBuilder<RecoveryCode> builder)
    {
        builder.HasIndex(c => c.PersonId);
        builder.Property(c => c.CodeHash).HasMaxLength(64);
        builder.HasOne<Person>().WithMany().HasForeignKey(c => c.PersonId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class PasswordResetTokenConfiguration : IEntityTypeConfiguration<PasswordResetToken>
{
    public void Configure(EntityTypeBuilder<PasswordResetToken> builder)
    {
        builder.HasIndex(t => t.TokenHash).IsUnique();
        builder.Property(t => t.TokenHash).HasMaxLength(64);
        builder.HasOne<Person>().WithMany().HasForeignKey(t => t.PersonId).OnDelete(DeleteBehavior.Cascade);
    }
}
