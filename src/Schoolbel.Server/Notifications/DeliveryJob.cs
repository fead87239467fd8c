using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Schoolbel.Server.Data;
using Schoolbel.Server.Jobs;
using Schoolbel.Server.Messages;
using Schoolbel.Server.Web;

namespace Schoolbel.Server.Notifications;

/// <summary>What one round of the delivery job did.</summary>
public sealed record DeliveryRound(int MessagesReleased, int NotificationsReleased, int DigestsMade, int Dispatched);

/// <summary>
/// The background half of notifications, across all schools: raises the unread counters of
/// messages and notifications whose quiet-hour release time has come (they became visible by
/// the clock already), bundles due grade digests into one notification per person, and sends
/// the e-mails and pushes people asked for. Every step is idempotent and claims its rows in a
/// transaction (under an advisory lock on PostgreSQL, so several nodes never count twice).
/// It runs as the recurring job <see cref="DeliveryRoundHandler"/>, so normally on one node per round.
/// </summary>
public sealed partial class DeliveryJob(
    IServiceScopeFactory scopes,
    EmailSender email,
    PushSender push,
    IOptions<NotificationsOptions> options,
    TimeProvider time,
    ILogger<DeliveryJob> logger) : IDisposable
{
    // Arbitrary constant: the advisory lock key of the delivery job ("SbDelivr").
    private const long LockKey = 0x5362446576697672;

    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    public async Task<DeliveryRound> RunOnceAsync(CancellationToken cancellationToken)
    {
        await _oneAtATime.WaitAsync(cancellationToken);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
            var counters = scope.ServiceProvider.GetRequiredService<UnreadCounters>();
            var now = time.GetUtcNow().UtcDateTime;
            var messages = await ReleaseMessagesAsync(db, counters, now, cancellationToken);
            var notifications = await ReleaseNotificationsAsync(db, counters, now, cancellationToken);
            var digests = await MakeDigestsAsync(db, counters, now, cancellationToken);
            var dispatched = await DispatchAsync(db, now, cancellationToken);
            await scope.ServiceProvider.GetRequiredService<MessageAttachments>().RemoveUnsentAsync(cancellationToken);
            if (messages + notifications + digests + dispatched > 0)
            {
                LogRound(logger, messages, notifications, digests, dispatched);
            }

            return new DeliveryRound(messages, notifications, digests, dispatched);
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    // Background work has no school in scope: every query here says IgnoreQueryFilters on purpose.
    private async Task<int> ReleaseMessagesAsync(SchoolbelDb db, UnreadCounters counters, DateTime now, CancellationToken cancellationToken)
    {
        var due = await db.Set<MailboxEntry>().IgnoreQueryFilters()
            .Where(e => !e.Delivered && e.ReleaseAt <= now)
            .Select(e => new { e.MessageId, e.SchoolId })
            .Distinct()
            .Take(options.Value.DeliveryBatch)
            .ToListAsync(cancellationToken);
        var released = 0;
        foreach (var message in due)
        {
            await using var transaction = await BeginLockedAsync(db, cancellationToken);
            var entries = db.Set<MailboxEntry>().IgnoreQueryFilters().Where(e => e.MessageId == message.MessageId && !e.Delivered);
            var people = await entries.Where(e => e.Box == MailboxBox.Inbox).Select(e => e.PersonId).ToListAsync(cancellationToken);
            await counters.RaiseAsync(message.SchoolId, people, 1, 0, cancellationToken);
            await entries.ExecuteUpdateAsync(s => s.SetProperty(e => e.Delivered, true), cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            released += people.Count;
        }

        return released;
    }

    private async Task<int> ReleaseNotificationsAsync(SchoolbelDb db, UnreadCounters counters, DateTime now, CancellationToken cancellationToken)
    {
        await using var transaction = await BeginLockedAsync(db, cancellationToken);
        var due = await db.Set<Notification>().IgnoreQueryFilters()
            .Where(n => !n.Delivered && !n.InDigest && n.ReleaseAt <= now)
            .OrderBy(n => n.ReleaseAt)
            .Select(n => new { n.Id, n.SchoolId, n.PersonId })
            .Take(options.Value.DeliveryBatch)
            .ToListAsync(cancellationToken);
        if (due.Count == 0)
        {
            return 0;
        }

        foreach (var group in due.GroupBy(n => (n.SchoolId, n.PersonId)))
        {
            await counters.RaiseAsync(group.Key.SchoolId, [group.Key.PersonId], 0, group.Count(), cancellationToken);
        }

        var ids = due.Select(n => n.Id).ToList();
        await db.Set<Notification>().IgnoreQueryFilters().Where(n => ids.Contains(n.Id)).ExecuteUpdateAsync(s => s.SetProperty(n => n.Delivered, true), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return due.Count;
    }

    private async Task<int> MakeDigestsAsync(SchoolbelDb db, UnreadCounters counters, DateTime now, CancellationToken cancellationToken)
    {
        await using var transaction = await BeginLockedAsync(db, cancellationToken);
        var due = await db.Set<Notification>().IgnoreQueryFilters()
            .Where(n => !n.Delivered && n.InDigest && n.ReleaseAt <= now)
            .OrderBy(n => n.CreatedAt)
            .Take(options.Value.DeliveryBatch)
            .ToListAsync(cancellationToken);
        if (due.Count == 0)
        {
            return 0;
        }

        var people = due.Select(n => n.PersonId).Distinct().ToList();
        var preferences = await db.Set<NotificationPreference>().IgnoreQueryFilters().AsNoTracking()
            .Where(p => people.Contains(p.PersonId)).ToDictionaryAsync(p => p.PersonId, cancellationToken);
        var made = 0;
        foreach (var group in due.GroupBy(n => (n.SchoolId, n.PersonId)))
        {
            var items = group.ToList();
            var preference = preferences.GetValueOrDefault(group.Key.PersonId);
            var digest = new Notification
            {
                SchoolId = group.Key.SchoolId,
                PersonId = group.Key.PersonId,
                Kind = NotificationKind.Digest,
                Title = items.Count == 1
                    ? "1 nieuw punt"
                    : string.Create(CultureInfo.InvariantCulture, $"{items.Count} nieuwe punten"),
                Body = string.Join('\n', items.Select(i => i.Title)),
                Url = "/notifications",
                CreatedAt = now,
                ReleaseAt = now,
                Delivered = true,
                NeedsDispatch = preference is { Email: true } or { Push: true },
            };
            db.Add(digest);
            foreach (var item in items)
            {
                item.Delivered = true;
                item.DigestId = digest.Id;
            }

            await counters.RaiseAsync(group.Key.SchoolId, [group.Key.PersonId], 0, 1, cancellationToken);
            made++;
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        db.ChangeTracker.Clear();
        return made;
    }

    private async Task<int> DispatchAsync(SchoolbelDb db, DateTime now, CancellationToken cancellationToken)
    {
        var batch = options.Value.DeliveryBatch;
        var notifications = await db.Set<Notification>().IgnoreQueryFilters().AsNoTracking()
            .Where(n => n.NeedsDispatch && n.DispatchedAt == null && n.Delivered && !n.InDigest && n.ReleaseAt <= now)
            .Select(n => new Outgoing(n.Id, n.SchoolId, n.PersonId, n.Title, n.Url, null))
            .Take(batch)
            .ToListAsync(cancellationToken);
        var messageRows = await db.Set<MailboxEntry>().IgnoreQueryFilters().AsNoTracking()
            .Where(e => e.NeedsDispatch && e.DispatchedAt == null && e.Delivered && e.ReleaseAt <= now)
            .Join(db.Set<Message>().IgnoreQueryFilters(), e => e.MessageId, m => m.Id, (e, m) => new { e.MessageId, e.SchoolId, e.PersonId, m.Subject, m.SenderId })
            .Join(db.People.IgnoreQueryFilters(), x => x.SenderId, p => p.Id, (x, p) => new { x.MessageId, x.SchoolId, x.PersonId, x.Subject, p.FirstName, p.LastName })
            .Take(batch)
            .ToListAsync(cancellationToken);
        // The path is built here, not in SQL: SQLite would spell the id in capitals.
        var messages = messageRows.Select(x => new Outgoing(x.MessageId, x.SchoolId, x.PersonId, $"Nieuw bericht van {x.FirstName} {x.LastName}: {x.Subject}", $"/messages/{x.MessageId}", x.MessageId)).ToList();
        var all = notifications.Concat(messages).ToList();
        if (all.Count == 0)
        {
            return 0;
        }

        var people = all.Select(o => o.PersonId).Distinct().ToList();
        var recipients = await db.People.IgnoreQueryFilters().AsNoTracking().Where(p => people.Contains(p.Id))
            .Join(db.Schools, p => p.SchoolId, s => s.Id, (p, s) => new { p.Id, p.Email, s.Code })
            .ToDictionaryAsync(p => p.Id, cancellationToken);
        var preferences = await db.Set<NotificationPreference>().IgnoreQueryFilters().AsNoTracking()
            .Where(p => people.Contains(p.PersonId)).ToDictionaryAsync(p => p.PersonId, cancellationToken);
        var subscriptions = push.Enabled
            ? (await db.Set<PushSubscriptionRecord>().IgnoreQueryFilters().AsNoTracking().Where(s => people.Contains(s.PersonId)).ToListAsync(cancellationToken))
                .ToLookup(s => s.PersonId)
            : Enumerable.Empty<PushSubscriptionRecord>().ToLookup(s => s.PersonId);

        foreach (var outgoing in all)
        {
            if (recipients.GetValueOrDefault(outgoing.PersonId) is { } person && preferences.GetValueOrDefault(outgoing.PersonId) is { } preference)
            {
                var path = "/" + person.Code + (outgoing.Url ?? "/notifications");
                if (preference.Email && !string.IsNullOrEmpty(person.Email) && email.Enabled)
                {
                    var link = (options.Value.PublicUrl?.TrimEnd('/') ?? "") + path;
                    await email.SendAsync(person.Email, outgoing.Title, $"{outgoing.Title}\n\nLees het in Schoolbel: {link}\n\n"
                        + "Je krijgt deze e-mail omdat je meldingen per e-mail hebt aangezet. Je kunt dat uitzetten bij je meldingen.", cancellationToken);
                }

                if (preference.Push)
                {
                    foreach (var subscription in subscriptions[outgoing.PersonId])
                    {
                        if (await push.SendAsync(subscription, outgoing.Title, path, cancellationToken) == PushOutcome.Gone)
                        {
                            await db.Set<PushSubscriptionRecord>().IgnoreQueryFilters().Where(s => s.Id == subscription.Id).ExecuteDeleteAsync(cancellationToken);
                        }
                    }
                }
            }

            // Marked after sending: a crash in between sends once more rather than never (at least once).
            if (outgoing.MessageId is { } messageId)
            {
                await db.Set<MailboxEntry>().IgnoreQueryFilters()
                    .Where(e => e.MessageId == messageId && e.PersonId == outgoing.PersonId && e.Box == MailboxBox.Inbox)
                    .ExecuteUpdateAsync(s => s.SetProperty(e => e.DispatchedAt, now), cancellationToken);
            }
            else
            {
                await db.Set<Notification>().IgnoreQueryFilters().Where(n => n.Id == outgoing.Id)
                    .ExecuteUpdateAsync(s => s.SetProperty(n => n.DispatchedAt, now), cancellationToken);
            }
        }

        return all.Count;
    }

    private static async Task<Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction> BeginLockedAsync(SchoolbelDb db, CancellationToken cancellationToken)
    {
        var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (db is PostgresSchoolbelDb)
        {
            // One delivering transaction at a time across all nodes; released at commit or rollback.
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({LockKey})", cancellationToken);
        }

        return transaction;
    }

    public void Dispose() => _oneAtATime.Dispose();

    private sealed record Outgoing(Guid Id, Guid SchoolId, Guid PersonId, string Title, string? Url, Guid? MessageId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery: {Messages} message(s) and {Notifications} notification(s) released after quiet hours, {Digests} digest(s) made, {Dispatched} e-mail/push dispatch(es)")]
    private static partial void LogRound(ILogger logger, int messages, int notifications, int digests, int dispatched);
}

/// <summary>
/// One delivery round as a recurring job: every <see cref="NotificationsOptions.DeliveryInterval"/>
/// one node runs it (the job queue makes it one). A round is idempotent, so a round repeated
/// after a node died half-way counts nothing twice; a failed round is not retried, the next one
/// does the same work.
/// </summary>
internal sealed class DeliveryRoundHandler(DeliveryJob job) : IJobHandler
{
    public const string JobKind = "notifications.delivery";

    public string Kind => JobKind;

    public Task RunAsync(JobContext context, CancellationToken cancellationToken) => job.RunOnceAsync(cancellationToken);
}
