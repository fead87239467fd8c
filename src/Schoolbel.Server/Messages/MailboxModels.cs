using Schoolbel.Server.People;
using Schoolbel.Server.Web;

namespace Schoolbel.Server.Messages;

/// <summary>
/// Whom a message goes to: people, whole classes (their pupils), courses (their pupils), the
/// parents of classes, and all staff. Groups are expanded when sending.
/// </summary>
public sealed record RecipientsInput(
    IReadOnlyList<Guid>? PersonIds = null,
    IReadOnlyList<Guid>? ClassIds = null,
    IReadOnlyList<Guid>? CourseIds = null,
    IReadOnlyList<Guid>? ParentsOfClassIds = null,
    bool Staff = false);

/// <summary>A message to send. The body is Markdown (HTML in it is shown as text). Attachments are uploaded first.</summary>
public sealed record SendInput(
    RecipientsInput? To,
    string? Subject,
    string? Body,
    IReadOnlyList<Guid>? AttachmentIds = null,
    Guid? ReplyToId = null,
    Guid? ForwardOfId = null);

/// <summary>Who sends: the signed-in person.</summary>
public sealed record MessageSender(Guid Id, PersonRole Role);

public enum SendStatus
{
    Sent,
    Invalid,

    /// <summary>The school's policy does not allow it; <see cref="SendResult.Reason"/> says why.</summary>
    Forbidden,

    /// <summary>The forwarded attachments do not fit in the school's storage quota; <see cref="SendResult.Reason"/> says so.</summary>
    OverQuota,
}

public sealed record SendResult(SendStatus Status, MessageSummary? Message = null, FieldErrors? Errors = null, string? Reason = null);

/// <summary>A line in a mailbox.</summary>
public sealed record MessageSummary(
    Guid Id,
    string Subject,
    Guid SenderId,
    string SenderName,
    string Audience,
    int RecipientCount,
    DateTime SentAt,
    DateTime ReleaseAt,
    bool Read,
    bool HasAttachments,
    Guid? FolderId,
    bool Trashed,
    MailboxBox Box);

public sealed record AttachmentView(Guid Id, string FileName, string ContentType, long Length);

/// <summary>A message as its reader sees it; <see cref="BodyHtml"/> is sanitized and safe to show.</summary>
public sealed record MessageDetails(
    Guid Id,
    string Subject,
    string Body,
    string BodyHtml,
    Guid SenderId,
    string SenderName,
    string Audience,
    int RecipientCount,
    DateTime SentAt,
    DateTime ReleaseAt,
    bool Read,
    bool Trashed,
    Guid? FolderId,
    MailboxBox Box,
    Guid? ReplyToId,
    Guid? ForwardOfId,
    IReadOnlyList<AttachmentView> Attachments);

public sealed record MailboxPage(IReadOnlyList<MessageSummary> Messages, int Page, bool HasMore);

/// <summary>Move a message to a folder (<see cref="FolderId"/>), back to the inbox, to the trash, or out of it.</summary>
public sealed record MoveInput(Guid? FolderId = null, bool ToInbox = false, bool? Trash = null);

public sealed record FolderInput(string? Name);

public sealed record FolderView(Guid Id, string Name);
