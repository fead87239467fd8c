using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;

namespace Schoolbel.Server.Messages;

/// <summary>
/// One message, stored once however many people receive it; each recipient (and the sender)
/// has a cheap <see cref="MailboxEntry"/>. The body is Markdown, rendered safely when read.
/// </summary>
public sealed class Message : ISchoolOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }
    public Guid SenderId { get; set; }

    /// <summary>The sender's role when sending: parents' co-view goes by it (messages from staff).</summary>
    public PersonRole SenderRole { get; set; }

    public required string Subject { get; set; }

    /// <summary>Markdown as typed; never rendered as raw HTML.</summary>
    public required string Body { get; set; }

    /// <summary>Who it went to, as the sender chose it (e.g. "klas 3B, An Janssens"), for the list.</summary>
    public required string Audience { get; set; }

    public int RecipientCount { get; set; }
    public DateTime SentAt { get; set; }

    /// <summary>When recipients see it: <see cref="SentAt"/>, or the next school morning when sent in quiet hours.</summary>
    public DateTime ReleaseAt { get; set; }

    /// <summary>The message this one answers.</summary>
    public Guid? ReplyToId { get; set; }

    /// <summary>The message this one forwards.</summary>
    public Guid? ForwardOfId { get; set; }
}

public enum MailboxBox
{
    Inbox = 1,
    Sent = 2,
}

/// <summary>
/// A message in one person's mailbox: the sender's copy (<see cref="MailboxBox.Sent"/>) or a
/// recipient's (<see cref="MailboxBox.Inbox"/>). Small on purpose: a message to 1,000 people
/// writes 1,001 of these rows in one bulk insert.
/// </summary>
public sealed class MailboxEntry : ISchoolOwned
{
    public Guid SchoolId { get; set; }
    public Guid MessageId { get; set; }
    public Guid PersonId { get; set; }
    public MailboxBox Box { get; set; }

    /// <summary>Copied from the message, so a mailbox is listed from this table's index alone.</summary>
    public DateTime ReleaseAt { get; set; }

    /// <summary>Counted in the unread counter (at once, or by the delivery job at <see cref="ReleaseAt"/>).</summary>
    public bool Delivered { get; set; }

    /// <summary>The person wants e-mail or push; the delivery job sends it once (<see cref="DispatchedAt"/>).</summary>
    public bool NeedsDispatch { get; set; }

    public DateTime? DispatchedAt { get; set; }
    public DateTime? ReadAt { get; set; }
    public DateTime? TrashedAt { get; set; }

    /// <summary>One of the person's own folders; null is the inbox (or sent).</summary>
    public Guid? FolderId { get; set; }
}

/// <summary>A folder a person made for their messages.</summary>
public sealed class MessageFolder : ISchoolOwned
{
    public const int MaxNameLength = 60;

    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }
    public Guid OwnerId { get; set; }
    public required string Name { get; set; }
}

/// <summary>
/// A file with a message: content-addressed bytes in the blob store (shared with documents).
/// Uploaded first (<see cref="MessageId"/> null, only its uploader may use it), then attached when sent.
/// </summary>
public sealed class MessageAttachment : ISchoolOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }
    public Guid? MessageId { get; set; }
    public Guid UploadedBy { get; set; }
    public required string BlobHash { get; set; }
    public required string FileName { get; set; }
    public required string ContentType { get; set; }
    public long Length { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>
/// Who may message whom, per school (a school without a row has the defaults): pupils write to
/// their teachers and classmates, parents to their children's teachers; staff write to anyone.
/// Anyone may answer the sender of a message they received.
/// </summary>
public sealed class MessagingPolicy : ISchoolOwned
{
    public Guid SchoolId { get; set; }
    public bool PupilsToTheirTeachers { get; set; } = true;
    public bool PupilsToClassmates { get; set; } = true;

    /// <summary>Pupils to any pupil of the school (not only their classmates).</summary>
    public bool PupilsToAllPupils { get; set; }

    /// <summary>Pupils to every staff member, the "whole school" (the school admins too).</summary>
    public bool PupilsToAllStaff { get; set; }

    public bool ParentsToTheirChildrensTeachers { get; set; } = true;
    public bool ParentsToAllStaff { get; set; }

    /// <summary>Parents also see their child's conversations with other pupils (off: only messages from staff).</summary>
    public bool ParentsSeePupilConversations { get; set; }
}

internal sealed class MessageConfiguration : IEntityTypeConfiguration<Message>
{
    public void Configure(EntityTypeBuilder<Message> builder)
    {
        builder.Property(m => m.Subject).HasMaxLength(Mailbox.MaxSubjectLength);
        builder.Property(m => m.Body).Metadata.SetMaxLength(null);
        builder.Property(m => m.Audience).HasMaxLength(400);
        builder.HasIndex(m => new { m.SchoolId, m.SentAt });
        builder.HasOne<Person>().WithMany().HasForeignKey(m => m.SenderId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class MailboxEntryConfiguration : IEntityTypeConfiguration<MailboxEntry>
{
    public void Configure(EntityTypeBuilder<MailboxEntry> builder)
    {
        // Named here: the unread counters are raised from this table in one statement (UnreadCounters.cs).
        builder.ToTable("MailboxEntries");
        builder.HasKey(e => new { e.PersonId, e.MessageId, e.Box });
        // A mailbox page: one person's entries, newest first.
        builder.HasIndex(e => new { e.PersonId, e.Box, e.ReleaseAt });
        builder.HasIndex(e => e.MessageId);
        // The delivery job looks for entries released in quiet hours, and for e-mail and push to send.
        builder.HasIndex(e => new { e.Delivered, e.ReleaseAt });
        builder.HasIndex(e => new { e.NeedsDispatch, e.DispatchedAt });
        builder.HasOne<Message>().WithMany().HasForeignKey(e => e.MessageId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Person>().WithMany().HasForeignKey(e => e.PersonId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<MessageFolder>().WithMany().HasForeignKey(e => e.FolderId).OnDelete(DeleteBehavior.SetNull);
    }
}

internal sealed class MessageFolderConfiguration : IEntityTypeConfiguration<MessageFolder>
{
    public void Configure(EntityTypeBuilder<MessageFolder> builder)
    {
        builder.Property(f => f.Name).HasMaxLength(MessageFolder.MaxNameLength);
        builder.HasIndex(f => new { f.OwnerId, f.Name }).IsUnique();
        builder.HasOne<Person>().WithMany().HasForeignKey(f => f.OwnerId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class MessageAttachmentConfiguration : IEntityTypeConfiguration<MessageAttachment>
{
    public void Configure(EntityTypeBuilder<MessageAttachment> builder)
    {
        builder.Property(a => a.BlobHash).HasMaxLength(64);
        builder.Property(a => a.FileName).HasMaxLength(255);
        builder.Property(a => a.ContentType).HasMaxLength(120);
        builder.HasIndex(a => a.MessageId);
        builder.HasIndex(a => a.BlobHash);
        builder.HasIndex(a => new { a.UploadedBy, a.CreatedAt });
        // The storage quota sums a school's attachments on every upload.
        builder.HasIndex(a => a.SchoolId);
        builder.HasOne<Message>().WithMany().HasForeignKey(a => a.MessageId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Person>().WithMany().HasForeignKey(a => a.UploadedBy).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class MessagingPolicyConfiguration : IEntityTypeConfiguration<MessagingPolicy>
{
    public void Configure(EntityTypeBuilder<MessagingPolicy> builder)
    {
        builder.HasKey(p => p.SchoolId);
        builder.HasOne<School>().WithMany().HasForeignKey(p => p.SchoolId).OnDelete(DeleteBehavior.Cascade);
    }
}
