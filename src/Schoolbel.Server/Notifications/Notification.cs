using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;

namespace Schoolbel.Server.Notifications;

public enum NotificationKind
{
    Grade = 1,
    Message = 2,
    Announcement = 3,

    /// <summary>Several grade notifications bundled into one (daily or weekly).</summary>
    Digest = 4,
}

/// <summary>One line in a person's list of notifications ("Nieuw punt voor Wiskunde").</summary>
public sealed class Notification : ISchoolOwned
{
    public const int MaxTitleLength = 200;

    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }
    public Guid PersonId { get; set; }
    public NotificationKind Kind { get; set; }
    public required string Title { get; set; }

    /// <summary>For a digest: the titles it bundles, one a line.</summary>
    public string? Body { get; set; }

    /// <summary>Where it leads, relative to the school (e.g. <c>/messages/…</c>); null for none.</summary>
    public string? Url { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>When the person sees it: at once, the next school morning (quiet hours), or the digest's time.</summary>
    public DateTime ReleaseAt { get; set; }

    /// <summary>Waits for the person's digest instead of being shown on its own.</summary>
    public bool InDigest { get; set; }

    /// <summary>The digest that took it along.</summary>
    public Guid? DigestId { get; set; }

    /// <summary>Counted in the unread counter (or bundled into a digest).</summary>
    public bool Delivered { get; set; }

    public bool NeedsDispatch { get; set; }
    public DateTime? DispatchedAt { get; set; }
    public DateTime? ReadAt { get; set; }
}

/// <summary>
/// A person's unread messages and notifications, kept up to date in the transactions that
/// change them, so the number in the navigation is one primary-key read, not a COUNT(*).
/// </summary>
public sealed class UnreadCounter : ISchoolOwned
{
    public Guid SchoolId { get; set; }
    public Guid PersonId { get; set; }
    public int Messages { get; set; }
    public int Notifications { get; set; }
}

public enum DigestFrequency
{
    /// <summary>Every grade notification on its own.</summary>
    Off = 0,
    Daily = 1,
    Weekly = 2,
}

/// <summary>How a person wants to hear about news; without a row: in the app only, no digest.</summary>
public sealed class NotificationPreference : ISchoolOwned
{
    public Guid SchoolId { get; set; }
    public Guid PersonId { get; set; }
    public bool Email { get; set; }
    public bool Push { get; set; }
    public DigestFrequency GradeDigest { get; set; }
}

/// <summary>A browser's web-push subscription (Push API), for one person.</summary>
public sealed class PushSubscriptionRecord : ISchoolOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }
    public Guid PersonId { get; set; }
    public required string Endpoint { get; set; }
    public required string P256dh { get; set; }
    public required string Auth { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>
/// A school's quiet hours: what is sent outside <see cref="DeliverFrom"/>–<see cref="DeliverUntil"/>
/// (school-local) or in the weekend waits for the next school morning. A school without a row has the defaults.
/// </summary>
public sealed class QuietHours : ISchoolOwned
{
    public static readonly TimeOnly DefaultFrom = new(7, 0);
    public static readonly TimeOnly DefaultUntil = new(20, 0);

    public Guid SchoolId { get; set; }
    public bool Enabled { get; set; } = true;
    public TimeOnly DeliverFrom { get; set; } = DefaultFrom;
    public TimeOnly DeliverUntil { get; set; } = DefaultUntil;
    public bool QuietWeekends { get; set; } = true;
}

internal sealed class NotificationConfiguration : IEntityTypeConfiguration<Notification>
{
    public void Configure(EntityTypeBuilder<Notification> builder)
    {
        builder.ToTable("Notifications");
        builder.Property(n => n.Title).HasMaxLength(Notification.MaxTitleLength);
        builder.Property(n => n.Body).Metadata.SetMaxLength(null);
        builder.Property(n => n.Url).HasMaxLength(400);
        builder.HasIndex(n => new { n.PersonId, n.ReleaseAt });
        builder.HasIndex(n => new { n.Delivered, n.ReleaseAt });
        builder.HasIndex(n => new { n.NeedsDispatch, n.DispatchedAt });
        builder.HasOne<Person>().WithMany().HasForeignKey(n => n.PersonId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class UnreadCounterConfiguration : IEntityTypeConfiguration<UnreadCounter>
{
    public void Configure(EntityTypeBuilder<UnreadCounter> builder)
    {
        // Named here: the counters are incremented with one upsert statement (UnreadCounters.cs).
        builder.ToTable("UnreadCounters");
        builder.HasKey(c => c.PersonId);
        builder.HasOne<Person>().WithMany().HasForeignKey(c => c.PersonId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class NotificationPreferenceConfiguration : IEntityTypeConfiguration<NotificationPreference>
{
    public void Configure(EntityTypeBuilder<NotificationPreference> builder)
    {
        builder.HasKey(p => p.PersonId);
        builder.HasOne<Person>().WithMany().HasForeignKey(p => p.PersonId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class PushSubscriptionConfiguration : IEntityTypeConfiguration<PushSubscriptionRecord>
{
    public void Configure(EntityTypeBuilder<PushSubscriptionRecord> builder)
    {
        builder.ToTable("PushSubscriptions");
        builder.Property(s => s.Endpoint).HasMaxLength(1000);
        builder.Property(s => s.P256dh).HasMaxLength(200);
        builder.Property(s => s.Auth).HasMaxLength(100);
        builder.HasIndex(s => s.PersonId);
        builder.HasIndex(s => s.Endpoint).IsUnique();
        builder.HasOne<Person>().WithMany().HasForeignKey(s => s.PersonId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class QuietHoursConfiguration : IEntityTypeConfiguration<QuietHours>
{
    public void Configure(EntityTypeBuilder<QuietHours> builder)
    {
        builder.HasKey(q => q.SchoolId);
        builder.HasOne<School>().WithMany().HasForeignKey(q => q.SchoolId).OnDelete(DeleteBehavior.Cascade);
    }
}

/// <summary>News from the school (admins or staff) on everyone's today page.</summary>
public sealed class Announcement : ISchoolOwned
{
    public const int MaxTitleLength = 200;
    public const int MaxBodyLength = 20_000;

    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }
    public Guid AuthorId { get; set; }
    public required string Title { get; set; }

    /// <summary>Markdown, rendered safely.</summary>
    public required string Body { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>Shown on today pages until then.</summary>
    public DateTime ShowUntil { get; set; }
}

internal sealed class AnnouncementConfiguration : IEntityTypeConfiguration<Announcement>
{
    public void Configure(EntityTypeBuilder<Announcement> builder)
    {
        builder.Property(a => a.Title).HasMaxLength(Announcement.MaxTitleLength);
        builder.Property(a => a.Body).Metadata.SetMaxLength(null);
        builder.HasIndex(a => new { a.SchoolId, a.ShowUntil });
        builder.HasOne<Person>().WithMany().HasForeignKey(a => a.AuthorId).OnDelete(DeleteBehavior.Cascade);
    }
}
