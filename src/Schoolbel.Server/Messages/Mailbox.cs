using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Schoolbel.Server.Data;
using Schoolbel.Server.Notifications;
using Schoolbel.Server.People;
using Schoolbel.Server.Storage;
using Schoolbel.Server.Web;

namespace Schoolbel.Server.Messages;

/// <summary>
/// The internal mailbox. Sending writes one <see cref="Message"/> and one small
/// <see cref="MailboxEntry"/> per recipient (plus the sender's copy) in one transaction, with the
/// recipients' unread counters raised in the same transaction, one upsert per 500 people. In the
/// school's quiet hours the message is stored at once but released (seen, counted) at the next
/// school morning. Everything is scoped to the current school by the data layer's filter.
/// </summary>
public sealed partial class Mailbox(
    SchoolbelDb db,
    MessagingRules rules,
    UnreadCounters counters,
    StorageQuota quota,
    IOptions<MessagesOptions> options,
    TimeProvider time,
    ILogger<Mailbox> logger)
{
    public const int MaxSubjectLength = 200;
    public const int MaxBodyLength = 20_000;
    public const int PageSize = 50;

    public async Task<SendResult> SendAsync(MessageSender sender, SendInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(input);
        var errors = new FieldErrors();
        var subject = input.Subject?.Trim() ?? "";
        if (subject.Length is 0 or > MaxSubjectLength)
        {
            errors.Add("subject", $"Geef een onderwerp van 1 tot {MaxSubjectLength} tekens.");
        }

        var body = input.Body ?? "";
        if (string.IsNullOrWhiteSpace(body) || body.Length > MaxBodyLength)
        {
            errors.Add("body", $"Schrijf een bericht van hoogstens {MaxBodyLength} tekens.");
        }

        var to = input.To ?? new RecipientsInput();
        var (addressees, audience) = await ExpandAsync(sender.Id, to, errors, cancellationToken);
        if (addressees.Count == 0 && !errors.Any)
        {
            errors.Add("to", "Kies minstens één ontvanger (jezelf niet meegerekend).");
        }

        var school = db.CurrentSchoolId ?? throw new InvalidOperationException("No school in scope.");
        var entries = db.Set<MailboxEntry>();
        var now = time.GetUtcNow().UtcDateTime;
        Guid? answering = null;
        if (input.ReplyToId is { } replyTo)
        {
            answering = await entries.Where(e => e.MessageId == replyTo && e.PersonId == sender.Id && (e.Box == MailboxBox.Sent || e.ReleaseAt <= now))
                .Join(db.Set<Message>(), e => e.MessageId, m => m.Id, (e, m) => (Guid?)m.SenderId)
                .FirstOrDefaultAsync(cancellationToken);
            if (answering is null)
            {
                errors.Add("replyToId", "Het bericht waarop je antwoordt bestaat niet in je berichten.");
            }
        }

        var forwarded = new List<MessageAttachment>();
        if (input.ForwardOfId is { } forwardOf)
        {
            if (!await CanReadAsync(forwardOf, sender.Id, now, cancellationToken))
            {
                errors.Add("forwardOfId", "Het bericht dat je doorstuurt bestaat niet in je berichten.");
            }
            else
            {
                forwarded = await db.Set<MessageAttachment>().AsNoTracking().Where(a => a.MessageId == forwardOf).ToListAsync(cancellationToken);
            }
        }

        var attachmentIds = input.AttachmentIds?.Distinct().ToList() ?? [];
        if (attachmentIds.Count + forwarded.Count > options.Value.MaxAttachments)
        {
            errors.Add("attachmentIds", $"Een bericht kan hoogstens {options.Value.MaxAttachments} bijlagen hebben.");
        }
        else if (attachmentIds.Count > 0 && await db.Set<MessageAttachment>()
                .CountAsync(a => attachmentIds.Contains(a.Id) && a.MessageId == null && a.UploadedBy == sender.Id, cancellationToken) != attachmentIds.Count)
        {
            errors.Add("attachmentIds", "Een van de bijlagen bestaat niet (meer), of hoort al bij een ander bericht.");
        }

        if (errors.Any)
        {
            return new SendResult(SendStatus.Invalid, Errors: errors);
        }

        if (await rules.RefusalAsync(sender.Id, sender.Role, addressees, answering, cancellationToken) is { } reason)
        {
            LogRefused(logger, sender.Id, addressees.Count);
            return new SendResult(SendStatus.Forbidden, Reason: reason);
        }

        var hours = await DeliveryTimes.QuietHoursAsync(db, cancellationToken);
        var release = DeliveryTimes.ReleaseAt(now, hours);
        var delivered = release <= now;
        var ids = addressees.Select(a => a.Id).ToList();
        // Few people turn e-mail or push on: read those of the school rather than send 1,000 ids to the database.
        var dispatch = (await db.Set<NotificationPreference>().Where(p => p.Email || p.Push).Select(p => p.PersonId)
            .ToListAsync(cancellationToken)).ToHashSet();
        var message = new Message
        {
            SchoolId = school,
            SenderId = sender.Id,
            SenderRole = sender.Role,
            Subject = subject,
            Body = body,
            Audience = audience.Length > 400 ? audience[..399] + "…" : audience,
            RecipientCount = addressees.Count,
            SentAt = now,
            ReleaseAt = release,
            ReplyToId = input.ReplyToId,
            ForwardOfId = input.ForwardOfId,
        };

        // A forwarded attachment is a new file of the school's (the quota counts every attachment
        // row): its bytes are reserved like an upload's, and the send takes the reservation over.
        StorageReservation? reservation = null;
        if (forwarded.Count > 0)
        {
            reservation = await quota.TryReserveAsync(Guid.CreateVersion7(), forwarded.Sum(a => a.Length), cancellationToken);
            if (reservation is null)
            {
                var usage = await quota.UsageAsync(cancellationToken);
                LogOverQuota(logger, sender.Id, forwarded.Sum(a => a.Length), usage.StoredBytes, usage.ReservedBytes, usage.QuotaBytes);
                return new SendResult(SendStatus.OverQuota, Reason: "De bijlagen kunnen niet mee: " + Documents.DocumentUploads.OverQuotaMessage(usage));
            }
        }

        // One transaction: the message, every mailbox row, the attachments and the counters, or nothing.
        var tracking = db.ChangeTracker.AutoDetectChangesEnabled;
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        var sent = false;
        try
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            if (reservation is not null)
            {
                await quota.ConsumeOnSaveAsync(reservation.Id, cancellationToken);
            }

            db.Add(message);
            db.Add(new MailboxEntry { SchoolId = school, MessageId = message.Id, PersonId = sender.Id, Box = MailboxBox.Sent, ReleaseAt = now, Delivered = true, ReadAt = now });
            db.AddRange(forwarded.Select(a => new MessageAttachment
            {
                SchoolId = school,
                MessageId = message.Id,
                UploadedBy = sender.Id,
                BlobHash = a.BlobHash,
                FileName = a.FileName,
                ContentType = a.ContentType,
                Length = a.Length,
                CreatedAt = now,
            }));
            await db.SaveChangesAsync(cancellationToken);
            await InsertInboxEntriesAsync(school, message.Id, release, delivered, ids, dispatch, cancellationToken);
            if (attachmentIds.Count > 0)
            {
                await db.Set<MessageAttachment>().Where(a => attachmentIds.Contains(a.Id) && a.MessageId == null && a.UploadedBy == sender.Id)
                    .ExecuteUpdateAsync(s => s.SetProperty(a => a.MessageId, message.Id), cancellationToken);
            }

            if (delivered)
            {
                await counters.RaiseAsync(school, ids, 1, 0, cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            sent = true;
        }
        finally
        {
            db.ChangeTracker.Clear();
            db.ChangeTracker.AutoDetectChangesEnabled = tracking;
            if (!sent && reservation is not null)
            {
                await quota.ReleaseAsync(reservation.Id);
            }
        }

        LogSent(logger, message.Id, sender.Id, addressees.Count, release);
        return new SendResult(SendStatus.Sent, new MessageSummary(message.Id, subject, sender.Id, "", message.Audience, addressees.Count, now, release,
            true, attachmentIds.Count + forwarded.Count > 0, null, false, MailboxBox.Sent));
    }

    /// <summary>
    /// The recipients' rows as multi-row INSERT statements (1,000 rows each, two parameters a
    /// row): the same SQL on SQLite and PostgreSQL, and far cheaper than 1,000 tracked entities.
    /// </summary>
    private async Task InsertInboxEntriesAsync(Guid school, Guid messageId, DateTime release, bool delivered, List<Guid> people, HashSet<Guid> dispatch, CancellationToken cancellationToken)
    {
        foreach (var chunk in people.Chunk(1000))
        {
            var sql = new System.Text.StringBuilder(
                "INSERT INTO \"MailboxEntries\" (\"PersonId\", \"MessageId\", \"Box\", \"SchoolId\", \"ReleaseAt\", \"Delivered\", \"NeedsDispatch\") VALUES ");
            var parameters = new List<object>(2 * chunk.Length + 7) { messageId, nameof(MailboxBox.Inbox), school, release, delivered, true, false };
            for (var i = 0; i < chunk.Length; i++)
            {
                var at = parameters.Count;
                parameters.Add(chunk[i]);
                sql.Append(i == 0 ? "" : ", ").Append(System.Globalization.CultureInfo.InvariantCulture,
                    $"({{{at}}}, {{0}}, {{1}}, {{2}}, {{3}}, {{4}}, {{{(dispatch.Contains(chunk[i]) ? 5 : 6)}}})");
            }

            await db.Database.ExecuteSqlRawAsync(sql.ToString(), parameters, cancellationToken);
        }
    }

    /// <summary>A page of one mailbox: <c>inbox</c>, <c>sent</c>, <c>trash</c> or a folder's id; <paramref name="search"/> looks in subjects, bodies and senders.</summary>
    public async Task<MailboxPage?> ListAsync(Guid personId, string? box, string? search, int page, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var entries = db.Set<MailboxEntry>().AsNoTracking().Where(e => e.PersonId == personId && (e.Box == MailboxBox.Sent || e.ReleaseAt <= now));
        switch (box?.ToLowerInvariant())
        {
            case null or "" or "inbox":
                entries = entries.Where(e => e.Box == MailboxBox.Inbox && e.TrashedAt == null && e.FolderId == null);
                break;
            case "sent":
                entries = entries.Where(e => e.Box == MailboxBox.Sent && e.TrashedAt == null && e.FolderId == null);
                break;
            case "trash":
                entries = entries.Where(e => e.TrashedAt != null);
                break;
            default:
                if (!Guid.TryParse(box, out var folderId) || !await db.Set<MessageFolder>().AnyAsync(f => f.Id == folderId && f.OwnerId == personId, cancellationToken))
                {
                    return null;
                }

                entries = entries.Where(e => e.FolderId == folderId && e.TrashedAt == null);
                break;
        }

        return await PageAsync(entries, search, page, cancellationToken);
    }

    /// <summary>Parents' co-view: the child's received messages from staff (and from pupils when the school allows it). Null when not their child.</summary>
    public async Task<MailboxPage?> ChildListAsync(Guid parentId, Guid childId, string? search, int page, CancellationToken cancellationToken)
    {
        if (!await db.ParentLinks.AnyAsync(l => l.ParentId == parentId && l.PupilId == childId, cancellationToken))
        {
            return null;
        }

        var now = time.GetUtcNow().UtcDateTime;
        var policy = await rules.PolicyAsync(cancellationToken);
        var entries = db.Set<MailboxEntry>().AsNoTracking().Where(e => e.PersonId == childId && e.Box == MailboxBox.Inbox && e.ReleaseAt <= now);
        if (!policy.ParentsSeePupilConversations)
        {
            entries = entries.Where(e => db.Set<Message>().Any(m => m.Id == e.MessageId && (m.SenderRole == PersonRole.Teacher || m.SenderRole == PersonRole.SchoolAdmin)));
        }

        return await PageAsync(entries, search, page, cancellationToken);
    }

    /// <summary>A message its reader may see (their own copy), or for a parent their child's copy under co-view rules; null otherwise.</summary>
    public async Task<MessageDetails?> GetAsync(Guid messageId, Guid personId, Guid? childId, bool markRead, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        MailboxEntry? entry;
        if (childId is { } child)
        {
            entry = await CoViewEntryAsync(messageId, personId, child, now, cancellationToken);
            markRead = false;
        }
        else
        {
            entry = await db.Set<MailboxEntry>().AsNoTracking()
                .Where(e => e.MessageId == messageId && e.PersonId == personId && (e.Box == MailboxBox.Sent || e.ReleaseAt <= now))
                .OrderBy(e => e.Box)
                .FirstOrDefaultAsync(cancellationToken);
        }

        if (entry is null)
        {
            return null;
        }

        var found = await db.Set<Message>().AsNoTracking().Where(m => m.Id == messageId)
            .Join(db.People, m => m.SenderId, p => p.Id, (m, p) => new { Message = m, SenderName = p.FirstName + " " + p.LastName })
            .FirstAsync(cancellationToken);
        var attachments = await db.Set<MessageAttachment>().AsNoTracking().Where(a => a.MessageId == messageId).OrderBy(a => a.Id)
            .Select(a => new AttachmentView(a.Id, a.FileName, a.ContentType, a.Length)).ToListAsync(cancellationToken);
        var read = entry.ReadAt is not null;
        if (markRead && !read)
        {
            await MarkReadAsync(messageId, personId, true, cancellationToken);
            read = true;
        }

        var m = found.Message;
        return new MessageDetails(m.Id, m.Subject, m.Body, MessageBody.ToHtml(m.Body), m.SenderId, found.SenderName, m.Audience, m.RecipientCount, m.SentAt, m.ReleaseAt,
            read, entry.TrashedAt is not null, entry.FolderId, entry.Box, m.ReplyToId, m.ForwardOfId, attachments);
    }

    /// <summary>Marks a received message read or unread and keeps the counter right. False when the person has no such message.</summary>
    public async Task<bool> MarkReadAsync(Guid messageId, Guid personId, bool read, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var entry = db.Set<MailboxEntry>().Where(e => e.MessageId == messageId && e.PersonId == personId && e.Box == MailboxBox.Inbox && e.ReleaseAt <= now);
        var current = await entry.AsNoTracking().FirstOrDefaultAsync(cancellationToken);
        if (current is null)
        {
            return false;
        }

        var counted = current.Delivered && current.TrashedAt is null;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (read)
        {
            var changed = await entry.Where(e => e.ReadAt == null).ExecuteUpdateAsync(s => s.SetProperty(e => e.ReadAt, now), cancellationToken);
            if (changed > 0 && counted)
            {
                await counters.LowerAsync(personId, 1, 0, cancellationToken);
            }
        }
        else
        {
            var changed = await entry.Where(e => e.ReadAt != null).ExecuteUpdateAsync(s => s.SetProperty(e => e.ReadAt, (DateTime?)null), cancellationToken);
            if (changed > 0 && counted)
            {
                await counters.RaiseAsync(current.SchoolId, [personId], 1, 0, cancellationToken);
            }
        }

        await transaction.CommitAsync(cancellationToken);
        // Again after the commit: a page of the same person that read the counter while this
        // transaction was open may have cached the old value, which would then show for 15 s.
        counters.Forget(personId);
        return true;
    }

    /// <summary>Moves a message to a folder, the inbox or the trash (or back). Null when not found; errors for a folder that is not theirs.</summary>
    public async Task<Outcome<bool>?> MoveAsync(Guid messageId, Guid personId, MoveInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var now = time.GetUtcNow().UtcDateTime;
        var entry = await db.Set<MailboxEntry>()
            .Where(e => e.MessageId == messageId && e.PersonId == personId && (e.Box == MailboxBox.Sent || e.ReleaseAt <= now))
            .OrderBy(e => e.Box)
            .FirstOrDefaultAsync(cancellationToken);
        if (entry is null)
        {
            return null;
        }

        if (input.FolderId is { } folderId)
        {
            if (!await db.Set<MessageFolder>().AnyAsync(f => f.Id == folderId && f.OwnerId == personId, cancellationToken))
            {
                var errors = new FieldErrors();
                errors.Add("folderId", "Die map bestaat niet.");
                return errors;
            }

            entry.FolderId = folderId;
        }
        else if (input.ToInbox)
        {
            entry.FolderId = null;
        }

        var wasCounted = entry is { Box: MailboxBox.Inbox, Delivered: true, ReadAt: null, TrashedAt: null };
        if (input.Trash is { } trash)
        {
            entry.TrashedAt = trash ? entry.TrashedAt ?? now : null;
        }

        var isCounted = entry is { Box: MailboxBox.Inbox, Delivered: true, ReadAt: null, TrashedAt: null };
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        if (wasCounted && !isCounted)
        {
            await counters.LowerAsync(personId, 1, 0, cancellationToken);
        }
        else if (!wasCounted && isCounted)
        {
            await counters.RaiseAsync(entry.SchoolId, [personId], 1, 0, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        // Again after the commit: a page of the same person that read the counter while this
        // transaction was open may have cached the old value, which would then show for 15 s.
        counters.Forget(personId);
        return true;
    }

    public async Task<IReadOnlyList<FolderView>> FoldersAsync(Guid personId, CancellationToken cancellationToken) =>
        await db.Set<MessageFolder>().AsNoTracking().Where(f => f.OwnerId == personId).OrderBy(f => f.Name)
            .Select(f => new FolderView(f.Id, f.Name)).ToListAsync(cancellationToken);

    public async Task<Outcome<FolderView>> CreateFolderAsync(Guid personId, FolderInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var name = input.Name?.Trim() ?? "";
        var errors = new FieldErrors();
        if (name.Length is 0 or > MessageFolder.MaxNameLength)
        {
            errors.Add("name", $"Geef de map een naam van 1 tot {MessageFolder.MaxNameLength} tekens.");
        }
        else if (name.ToLowerInvariant() is "inbox" or "sent" or "trash")
        {
            errors.Add("name", "Die naam is voorbehouden; kies een andere.");
        }
        else if (await db.Set<MessageFolder>().AnyAsync(f => f.OwnerId == personId && f.Name == name, cancellationToken))
        {
            errors.Add("name", "Je hebt al een map met die naam.");
        }
        else if (await db.Set<MessageFolder>().CountAsync(f => f.OwnerId == personId, cancellationToken) >= 50)
        {
            errors.Add("name", "Je kunt hoogstens 50 mappen maken.");
        }

        if (errors.Any)
        {
            return errors;
        }

        var folder = new MessageFolder { SchoolId = db.CurrentSchoolId ?? throw new InvalidOperationException("No school in scope."), OwnerId = personId, Name = name };
        db.Add(folder);
        await db.SaveChangesAsync(cancellationToken);
        return new FolderView(folder.Id, folder.Name);
    }

    /// <summary>Whether the person (or, for a parent, through a child's co-view) may see an attachment of this message.</summary>
    public async Task<MessageAttachment?> AttachmentAsync(Guid messageId, Guid attachmentId, Guid personId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var visible = await CanReadAsync(messageId, personId, now, cancellationToken);
        if (!visible)
        {
            var children = await db.ParentLinks.Where(l => l.ParentId == personId).Select(l => l.PupilId).ToListAsync(cancellationToken);
            foreach (var child in children)
            {
                if (await CoViewEntryAsync(messageId, personId, child, now, cancellationToken) is not null)
                {
                    visible = true;
                    break;
                }
            }
        }

        return visible
            ? await db.Set<MessageAttachment>().AsNoTracking().FirstOrDefaultAsync(a => a.Id == attachmentId && a.MessageId == messageId, cancellationToken)
            : null;
    }

    private Task<bool> CanReadAsync(Guid messageId, Guid personId, DateTime now, CancellationToken cancellationToken) =>
        db.Set<MailboxEntry>().AnyAsync(e => e.MessageId == messageId && e.PersonId == personId && (e.Box == MailboxBox.Sent || e.ReleaseAt <= now), cancellationToken);

    private async Task<MailboxEntry?> CoViewEntryAsync(Guid messageId, Guid parentId, Guid childId, DateTime now, CancellationToken cancellationToken)
    {
        if (!await db.ParentLinks.AnyAsync(l => l.ParentId == parentId && l.PupilId == childId, cancellationToken))
        {
            return null;
        }

        var policy = await rules.PolicyAsync(cancellationToken);
        var entry = await db.Set<MailboxEntry>().AsNoTracking()
            .FirstOrDefaultAsync(e => e.MessageId == messageId && e.PersonId == childId && e.Box == MailboxBox.Inbox && e.ReleaseAt <= now, cancellationToken);
        if (entry is null)
        {
            return null;
        }

        var senderRole = await db.Set<Message>().Where(m => m.Id == messageId).Select(m => m.SenderRole).FirstAsync(cancellationToken);
        return MessagingRules.IsStaff(senderRole) || policy.ParentsSeePupilConversations ? entry : null;
    }

    private async Task<MailboxPage> PageAsync(IQueryable<MailboxEntry> entries, string? search, int page, CancellationToken cancellationToken)
    {
        page = Math.Max(1, page);
        var rows = entries
            .Join(db.Set<Message>(), e => e.MessageId, m => m.Id, (e, m) => new { Entry = e, Message = m })
            .Join(db.People, x => x.Message.SenderId, p => p.Id, (x, p) => new { x.Entry, x.Message, SenderName = p.FirstName + " " + p.LastName });
        if (!string.IsNullOrWhiteSpace(search))
        {
            var term = search.Trim().ToLowerInvariant();
#pragma warning disable CA1304, CA1311, CA1862 // EF translates ToLower() to SQL lower(); culture overloads do not translate.
            rows = rows.Where(x => x.Message.Subject.ToLower().Contains(term) || x.Message.Body.ToLower().Contains(term) || x.SenderName.ToLower().Contains(term));
#pragma warning restore CA1304, CA1311, CA1862
        }

        var attachments = db.Set<MessageAttachment>();
        var found = await rows.OrderByDescending(x => x.Entry.ReleaseAt).ThenByDescending(x => x.Message.Id)
            .Skip((page - 1) * PageSize).Take(PageSize + 1)
            .Select(x => new MessageSummary(x.Message.Id, x.Message.Subject, x.Message.SenderId, x.SenderName, x.Message.Audience, x.Message.RecipientCount,
                x.Message.SentAt, x.Entry.ReleaseAt, x.Entry.ReadAt != null, attachments.Any(a => a.MessageId == x.Message.Id), x.Entry.FolderId, x.Entry.TrashedAt != null, x.Entry.Box))
            .ToListAsync(cancellationToken);
        return new MailboxPage(found.Take(PageSize).ToList(), page, found.Count > PageSize);
    }

    // Groups become people here, loaded with their role and name in one query per group (no
    // list of 1,000 ids sent back to the database); the audience line names what the sender chose.
    private async Task<(List<Addressee> Addressees, string Audience)> ExpandAsync(Guid senderId, RecipientsInput to, FieldErrors errors, CancellationToken cancellationToken)
    {
        var found = new Dictionary<Guid, Addressee>();
        var audience = new List<string>();
        var people = db.People.AsNoTracking();
        void Add(IEnumerable<Addressee> addressees)
        {
            foreach (var addressee in addressees)
            {
                found.TryAdd(addressee.Id, addressee);
            }
        }

        var classIds = (to.ClassIds ?? []).Concat(to.ParentsOfClassIds ?? []).Distinct().ToList();
        var classes = classIds.Count == 0 ? [] : await db.Classes.Where(c => classIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, c => c.Name, cancellationToken);
        if (classes.Count != classIds.Count)
        {
            errors.Add("to", "Een van de gekozen klassen bestaat niet.");
        }

        if (to.ClassIds is { Count: > 0 } pupilsOf)
        {
            var known = pupilsOf.Where(classes.ContainsKey).Distinct().ToList();
            Add(await db.ClassMemberships.Where(m => known.Contains(m.ClassId))
                .Join(people, m => m.PupilId, p => p.Id, (m, p) => new Addressee(p.Id, p.Role, p.FirstName + " " + p.LastName))
                .ToListAsync(cancellationToken));
            audience.AddRange(known.Select(c => "klas " + classes[c]));
        }

        if (to.ParentsOfClassIds is { Count: > 0 } parentsOf)
        {
            var known = parentsOf.Where(classes.ContainsKey).Distinct().ToList();
            var pupils = db.ClassMemberships.Where(m => known.Contains(m.ClassId)).Select(m => m.PupilId);
            Add(await db.ParentLinks.Where(l => pupils.Contains(l.PupilId))
                .Join(people, l => l.ParentId, p => p.Id, (l, p) => new Addressee(p.Id, p.Role, p.FirstName + " " + p.LastName))
                .ToListAsync(cancellationToken));
            audience.AddRange(known.Select(c => "ouders van " + classes[c]));
        }

        if (to.CourseIds is { Count: > 0 } courseIds)
        {
            var wanted = courseIds.Distinct().ToList();
            var courses = await db.Courses.Where(c => wanted.Contains(c.Id)).ToDictionaryAsync(c => c.Id, c => c.Name, cancellationToken);
            if (courses.Count != wanted.Count)
            {
                errors.Add("to", "Een van de gekozen vakken bestaat niet.");
            }

            var known = courses.Keys.ToList();
            var courseClasses = db.CourseClasses.Where(c => known.Contains(c.CourseId)).Select(c => c.ClassId);
            var pupils = db.ClassMemberships.Where(m => courseClasses.Contains(m.ClassId)).Select(m => m.PupilId)
                .Union(db.CoursePupils.Where(p => known.Contains(p.CourseId)).Select(p => p.PupilId));
            Add(await people.Where(p => pupils.Contains(p.Id)).Select(p => new Addressee(p.Id, p.Role, p.FirstName + " " + p.LastName)).ToListAsync(cancellationToken));
            audience.AddRange(courses.Values.Select(n => "leerlingen van " + n));
        }

        if (to.Staff)
        {
            Add(await people.Where(p => p.Role == PersonRole.Teacher || p.Role == PersonRole.SchoolAdmin)
                .Select(p => new Addressee(p.Id, p.Role, p.FirstName + " " + p.LastName)).ToListAsync(cancellationToken));
            audience.Add("personeel");
        }

        var direct = to.PersonIds?.Distinct().Where(id => id != senderId).ToList() ?? [];
        if (direct.Count > 0)
        {
            var named = await people.Where(p => direct.Contains(p.Id)).Select(p => new Addressee(p.Id, p.Role, p.FirstName + " " + p.LastName)).ToListAsync(cancellationToken);
            if (named.Count != direct.Count)
            {
                // Another school's person is "unknown" too: nothing about them may show.
                errors.Add("to", "Een van de ontvangers bestaat niet.");
            }

            Add(named);
            var byId = named.ToDictionary(a => a.Id);
            var names = direct.Where(byId.ContainsKey).Select(id => byId[id].Name).ToList();
            audience.AddRange(names.Take(3));
            if (names.Count > 3)
            {
                audience.Add($"nog {names.Count - 3} anderen");
            }
        }

        found.Remove(senderId);
        return (found.Values.ToList(), string.Join(", ", audience));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Message {MessageId} from {SenderId} to {Recipients} recipient(s), released at {ReleaseAt:o}")]
    private static partial void LogSent(ILogger logger, Guid messageId, Guid senderId, int recipients, DateTime releaseAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message from {SenderId} refused: {Length} forwarded attachment bytes over the school quota ({Used} stored and {Reserved} reserved of {Quota})")]
    private static partial void LogOverQuota(ILogger logger, Guid senderId, long length, long used, long reserved, long quota);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message from {SenderId} to {Recipients} recipient(s) refused by the school's messaging policy")]
    private static partial void LogRefused(ILogger logger, Guid senderId, int recipients);
}
