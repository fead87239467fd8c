using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Schoolbel.Server.Admission;
using Schoolbel.Server.Data;

namespace Schoolbel.Server.Notifications;

/// <summary>A person's unread messages and notifications.</summary>
public sealed record UnreadCounts(int Messages, int Notifications);

/// <summary>
/// The unread counters: raised and lowered inside the transactions that deliver and read
/// messages and notifications, read by primary key and cached briefly per person on this node.
/// At 08:30 the navigation of every page shows them, so a page view never counts rows.
/// </summary>
public sealed class UnreadCounters(SchoolbelDb db, IMemoryCache cache, UnreadCounterGenerations generations, BrownOut brownOut, TimeProvider time)
{
    /// <summary>How long a node trusts its cached counter; writes on this node forget it at once.</summary>
    public static readonly TimeSpan Fresh = TimeSpan.FromSeconds(15);

    // Upserts of 500 people are 1,000 parameters: well under SQLite's and PostgreSQL's limits.
    private const int Chunk = 500;

    /// <summary>
    /// The person's counts: cached when fresh; during brown-out whatever this node last knew
    /// (or nothing), without touching the database.
    /// </summary>
    public async Task<UnreadCounts?> GetAsync(Guid personId, CancellationToken cancellationToken)
    {
        var key = Key(personId);
        cache.TryGetValue<Cached>(key, out var cached);
        var now = time.GetTimestamp();
        if (cached is not null && (brownOut.IsActive || (!cached.Stale && time.GetElapsedTime(cached.At, now) < Fresh)))
        {
            return cached.Counts;
        }

        if (brownOut.IsActive)
        {
            return null;
        }

        // Taken before the read: a write that commits while this read runs forgets the counter
        // after its commit, and a value read before that commit must not be trusted after it.
        var generation = generations.Current(personId);
        var row = await db.Set<UnreadCounter>().AsNoTracking()
            .Where(c => c.PersonId == personId)
            .Select(c => new UnreadCounts(c.Messages, c.Notifications))
            .FirstOrDefaultAsync(cancellationToken) ?? new UnreadCounts(0, 0);
        // Kept longer than it is fresh, so brown-out can still serve it.
        cache.Set(key, new Cached(row, now), Options);
        if (generations.Current(personId) != generation)
        {
            // Forgotten while this read ran: keep the value for brown-out only. Checked after the
            // Set, so either this sees the new generation or Forget's own mark lands on this entry.
            MarkStale(personId);
        }

        return row;
    }

    /// <summary>
    /// Adds to the counters of <paramref name="personIds"/> (creating rows as needed) in as few
    /// statements as possible: one upsert per 500 people, in the caller's transaction.
    /// </summary>
    public async Task RaiseAsync(Guid schoolId, IReadOnlyCollection<Guid> personIds, int messages, int notifications, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(personIds);
        foreach (var chunk in personIds.Distinct().Chunk(Chunk))
        {
            // INSERT .. ON CONFLICT DO UPDATE reads the same on SQLite (3.24+) and PostgreSQL, and
            // is atomic per row, so concurrent senders to the same person both count.
            var sql = new StringBuilder("INSERT INTO \"UnreadCounters\" (\"PersonId\", \"SchoolId\", \"Messages\", \"Notifications\") VALUES ");
            var parameters = new List<object>(chunk.Length + 3) { schoolId, messages, notifications };
            for (var i = 0; i < chunk.Length; i++)
            {
                sql.Append(i == 0 ? "" : ", ").Append(CultureInfo.InvariantCulture, $"({{{i + 3}}}, {{0}}, {{1}}, {{2}})");
                parameters.Add(chunk[i]);
            }

            sql.Append(" ON CONFLICT (\"PersonId\") DO UPDATE SET \"Messages\" = \"UnreadCounters\".\"Messages\" + excluded.\"Messages\", "
                + "\"Notifications\" = \"UnreadCounters\".\"Notifications\" + excluded.\"Notifications\"");
            await db.Database.ExecuteSqlRawAsync(sql.ToString(), parameters, cancellationToken);
            foreach (var personId in chunk)
            {
                Forget(personId);
            }
        }
    }

    /// <summary>Takes read items off a person's counters (never below zero).</summary>
    public async Task LowerAsync(Guid personId, int messages, int notifications, CancellationToken cancellationToken)
    {
        if (messages == 0 && notifications == 0)
        {
            return;
        }

        await db.Set<UnreadCounter>().Where(c => c.PersonId == personId).ExecuteUpdateAsync(
            s => s.SetProperty(c => c.Messages, c => c.Messages > messages ? c.Messages - messages : 0)
                .SetProperty(c => c.Notifications, c => c.Notifications > notifications ? c.Notifications - notifications : 0),
            cancellationToken);
        Forget(personId);
    }

    /// <summary>
    /// Sets a person's counters to what their mailbox and list really hold. Run when they open
    /// their inbox or notifications (a page about those rows anyway), so any drift heals itself.
    /// </summary>
    public async Task RecountAsync(Guid personId, CancellationToken cancellationToken)
    {
        // Counting and writing must not interleave with a read or a delivery committing in
        // between, or the counter is set to what was true a moment ago. Those writes change their
        // rows and the counter in one transaction, so holding the counter row while counting
        // orders them: PostgreSQL locks the row (the counts then see what committed before),
        // SQLite's transactions take the database's write lock at BEGIN.
        var own = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(cancellationToken) : null;
        await using (own)
        {
            if (db is PostgresSchoolbelDb)
            {
                await db.Database.ExecuteSqlAsync($"""SELECT 1 FROM "UnreadCounters" WHERE "PersonId" = {personId} FOR UPDATE""", cancellationToken);
            }

            await SetToWhatIsUnreadAsync(personId, cancellationToken);
            if (own is not null)
            {
                await own.CommitAsync(cancellationToken);
            }
        }

        Forget(personId);
    }

    private async Task SetToWhatIsUnreadAsync(Guid personId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var messages = await db.Set<Messages.MailboxEntry>().CountAsync(
            e => e.PersonId == personId && e.Box == Messages.MailboxBox.Inbox && e.Delivered && e.ReadAt == null && e.TrashedAt == null && e.ReleaseAt <= now, cancellationToken);
        var notifications = await db.Set<Notification>().CountAsync(
            n => n.PersonId == personId && !n.InDigest && n.Delivered && n.ReadAt == null && n.ReleaseAt <= now, cancellationToken);
        var updated = await db.Set<UnreadCounter>().Where(c => c.PersonId == personId)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.Messages, messages).SetProperty(c => c.Notifications, notifications), cancellationToken);
        if (updated == 0 && messages + notifications > 0)
        {
            await RaiseAsync(db.CurrentSchoolId ?? throw new InvalidOperationException("No school in scope."), [personId], messages, notifications, cancellationToken);
        }
    }

    /// <summary>
    /// Makes this node read the counter again next time. The old value stays as a fallback: in
    /// brown-out a slightly old count beats a database read nobody waits for.
    /// </summary>
    public void Forget(Guid personId)
    {
        generations.Advance(personId);
        MarkStale(personId);
    }

    private void MarkStale(Guid personId)
    {
        if (cache.TryGetValue<Cached>(Key(personId), out var cached) && cached is not null)
        {
            cache.Set(Key(personId), cached with { Stale = true }, Options);
        }
    }

    private static readonly MemoryCacheEntryOptions Options = new() { SlidingExpiration = TimeSpan.FromMinutes(20), Size = 1 };

    private static string Key(Guid personId) => "unread:" + personId.ToString("N");

    private sealed record Cached(UnreadCounts Counts, long At, bool Stale = false);
}

/// <summary>
/// A counter per slot (people hashed onto 4,096 slots) that <see cref="UnreadCounters.Forget"/>
/// advances, so a read that was already running when a write committed can tell. Sharing a slot
/// only makes a read not trusted once more; a fixed array keeps memory flat for any number of people.
/// </summary>
public sealed class UnreadCounterGenerations
{
    private const int Slots = 4096;

    private readonly long[] _slots = new long[Slots];

    public long Current(Guid personId) => Volatile.Read(ref _slots[Slot(personId)]);

    public void Advance(Guid personId) => Interlocked.Increment(ref _slots[Slot(personId)]);

    private static int Slot(Guid personId) => (personId.GetHashCode() & int.MaxValue) % Slots;
}
