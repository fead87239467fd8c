using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.Extensions.Options;
using Schoolbel.Server.Data;
using Schoolbel.Server.Documents;
using Schoolbel.Server.Schools;

namespace Schoolbel.Server.Storage;

/// <summary>
/// Bytes an upload in progress has claimed from its school's quota. Created (atomically checked
/// against the quota) before the upload's bytes are accepted, grown while bytes of unknown size
/// arrive, and removed in the same transaction that records the finished document version, or
/// when the upload fails. Rows of a process that died expire at <see cref="ExpiresAt"/>.
/// </summary>
public sealed class StorageReservation : ISchoolOwned
{
    /// <summary>For a resumable upload, the upload's own id.</summary>
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid SchoolId { get; set; }

    public long Bytes { get; set; }

    public DateTime ExpiresAt { get; set; }
}

internal sealed class StorageReservationConfiguration : IEntityTypeConfiguration<StorageReservation>
{
    public void Configure(EntityTypeBuilder<StorageReservation> builder)
    {
        builder.HasIndex(r => r.SchoolId);
        builder.HasIndex(r => r.ExpiresAt);
    }
}

/// <summary>What a school stores (every file it keeps, see <see cref="StorageQuota"/>) and what uploads in progress have claimed.</summary>
public sealed record StorageUsage(long StoredBytes, long ReservedBytes, long QuotaBytes)
{
    public long Left => Math.Max(0, QuotaBytes - StoredBytes - ReservedBytes);
}

/// <summary>
/// The per-school quota, safe under concurrency and across nodes. A reservation is checked and
/// taken in one transaction that holds the school's quota lock: on PostgreSQL a transaction-scoped
/// advisory lock per school; on SQLite the database's single writer (the reservation row is
/// written before the sum is read, so the sum is read under the write lock). The sum of stored
/// and reserved bytes is one statement, so an upload that turns its reservation into a version
/// at that moment (one transaction) is counted exactly once.
/// <para>
/// What counts as stored: every file the school keeps, at its full length, per file as people
/// see it: each document version (also in the recycle bin), each assignment attachment or
/// hand-in, and each message attachment (sent, or uploaded and not yet sent). The same bytes kept
/// twice count twice, even though the blob store holds them once: two versions with equal bytes,
/// a document also sent as an attachment, a forwarded attachment (forwarding reserves its bytes
/// like an upload). One rule for every kind, so a school can predict its usage from what it sees
/// and no kind of file is free; a message to many recipients is one attachment row, counted once.
/// </para>
/// </summary>
public sealed partial class StorageQuota(SchoolbelDb db, IOptions<StorageOptions> options, TimeProvider time, ILogger<StorageQuota> logger)
{
    // Arbitrary constant mixed into the per-school advisory lock key, so it cannot collide with other lock users.
    private const long LockNamespace = 0x5363686f6f6c5162; // "SchoolQb"

    public long QuotaBytes => options.Value.SchoolQuotaBytes;

    /// <summary>Stored and reserved bytes of the current school (unexpired reservations only).</summary>
    public async Task<StorageUsage> UsageAsync(CancellationToken cancellationToken)
    {
        var (stored, reserved) = await SumAsync(cancellationToken);
        return new StorageUsage(stored, reserved, QuotaBytes);
    }

    /// <summary>
    /// Claims <paramref name="bytes"/> for an upload of the current school, or returns null (and
    /// claims nothing) when stored + reserved + these bytes would exceed the quota. A zero-byte
    /// reservation is refused only when the school has nothing left at all.
    /// </summary>
    public async Task<StorageReservation?> TryReserveAsync(Guid id, long bytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        var reservation = new StorageReservation
        {
            Id = id,
            SchoolId = db.CurrentSchoolId ?? throw new InvalidOperationException("No school in scope."),
            Bytes = bytes,
            ExpiresAt = time.GetUtcNow().UtcDateTime + options.Value.UnfinishedUploadRetention,
        };
        var ok = await UnderLockAsync(
            () => db.Set<StorageReservation>().Add(reservation),
            (stored, reserved) => bytes == 0 ? stored + reserved < QuotaBytes : stored + reserved <= QuotaBytes,
            cancellationToken);
        if (!ok)
        {
            return null;
        }

        LogReserved(logger, reservation.Id, bytes);
        return reservation;
    }

    /// <summary>Adds <paramref name="more"/> bytes to a reservation when the quota allows it.</summary>
    public async Task<bool> TryGrowAsync(StorageReservation reservation, long more, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(more);
        var id = reservation.Id;
        var expires = time.GetUtcNow().UtcDateTime + options.Value.UnfinishedUploadRetention;
        var grown = await UnderLockAsync(
            () => db.Set<StorageReservation>().Where(r => r.Id == id)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.Bytes, r => r.Bytes + more).SetProperty(r => r.ExpiresAt, expires), cancellationToken),
            (stored, reserved) => stored + reserved <= QuotaBytes,
            cancellationToken);
        if (grown)
        {
            reservation.Bytes += more;
            reservation.ExpiresAt = expires;
        }

        return grown;
    }

    /// <summary>
    /// Gives the bytes back (a failed or refused upload). Idempotent; runs even when the request
    /// was aborted, so it takes no cancellation token.
    /// </summary>
    public async Task ReleaseAsync(Guid id)
    {
        var released = await db.Set<StorageReservation>().Where(r => r.Id == id).ExecuteDeleteAsync(CancellationToken.None);
        if (released > 0)
        {
            LogReleased(logger, id);
        }
    }

    /// <summary>
    /// Marks the reservation for removal with the next <c>SaveChanges</c> (the one that records the
    /// finished version), so the bytes move from reserved to stored in one transaction.
    /// </summary>
    public async Task ConsumeOnSaveAsync(Guid id, CancellationToken cancellationToken)
    {
        var tracked = await db.Set<StorageReservation>().FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (tracked is not null)
        {
            db.Remove(tracked);
        }
    }

    // Runs a write and the check in one transaction under the school's quota lock; rolls back
    // (and forgets the entity it added) when the check fails or anything throws.
    private Task<bool> UnderLockAsync(Action add, Func<long, long, bool> fits, CancellationToken cancellationToken) =>
        UnderLockAsync(
            async () =>
            {
                add();
                await db.SaveChangesAsync(cancellationToken);
                return 1;
            },
            fits,
            cancellationToken);

    private async Task<bool> UnderLockAsync(Func<Task<int>> write, Func<long, long, bool> fits, CancellationToken cancellationToken)
    {
        var committed = false;
        try
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            if (db is PostgresSchoolbelDb)
            {
                // Serialises the quota decisions of one school across every node; released at commit or rollback.
                var key = LockNamespace ^ BitConverter.ToInt64(db.CurrentSchoolId!.Value.ToByteArray(), 8);
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({key})", cancellationToken);
            }

            // On SQLite the write comes first: it takes the database's write lock, so the sum
            // below sees every committed reservation and nobody can add one until we are done.
            var written = await write();
            var (stored, reserved) = await SumAsync(cancellationToken);
            if (written == 0 || !fits(stored, reserved))
            {
                await transaction.RollbackAsync(CancellationToken.None);
                return false;
            }

            await transaction.CommitAsync(cancellationToken);
            committed = true;
            return true;
        }
        finally
        {
            if (!committed)
            {
                foreach (var entry in db.ChangeTracker.Entries<StorageReservation>().ToList())
                {
                    entry.State = EntityState.Detached;
                }
            }
        }
    }

    private async Task<(long Stored, long Reserved)> SumAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var school = db.CurrentSchoolId ?? throw new InvalidOperationException("No school in scope.");
        var versions = db.Set<DocumentVersion>();
        // Assignment attachments and hand-ins, and message attachments, count like documents (see the class comment).
        var assignmentFiles = db.Set<Assignments.AssignmentFile>();
        var attachments = db.Set<Messages.MessageAttachment>();
        var reservations = db.Set<StorageReservation>();
        // One statement (scalar subqueries), so both sums come from the same snapshot.
        var sums = await db.Schools.AsNoTracking().Where(s => s.Id == school)
            .Select(s => new
            {
                Stored = (versions.Sum(v => (long?)v.Length) ?? 0) + (assignmentFiles.Sum(f => (long?)f.Length) ?? 0)
                    + (attachments.Sum(a => (long?)a.Length) ?? 0),
                Reserved = reservations.Where(r => r.ExpiresAt > now).Sum(r => (long?)r.Bytes) ?? 0,
            })
            .FirstAsync(cancellationToken);
        return (sums.Stored, sums.Reserved);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Storage reservation {ReservationId}: {Bytes} bytes")]
    private static partial void LogReserved(ILogger logger, Guid reservationId, long bytes);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Storage reservation {ReservationId} released")]
    private static partial void LogReleased(ILogger logger, Guid reservationId);
}

/// <summary>The school's quota has no room for these bytes; nothing was kept.</summary>
public sealed class StorageQuotaExceededException : Exception
{
    public StorageQuotaExceededException()
    {
    }

    public StorageQuotaExceededException(string message)
        : base(message)
    {
    }

    public StorageQuotaExceededException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// An upload body of unknown size: grows its reservation as the bytes arrive (in steps, so a
/// large file costs a few transactions, not one per read) and throws
/// <see cref="StorageQuotaExceededException"/> when the quota has no room for what arrived.
/// Bytes beyond the file limit pass through; the store's own limit refuses them.
/// </summary>
internal sealed class QuotaMeteredStream(Stream inner, StorageQuota quota, StorageReservation reservation, long maxFileBytes) : Stream
{
    public const long Step = 16L * 1024 * 1024;

    private long _received;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _received;
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        _received += read;
        if (_received > reservation.Bytes && _received <= maxFileBytes)
        {
            var need = _received - reservation.Bytes;
            var step = Math.Max(need, Math.Min(Step, maxFileBytes - reservation.Bytes));
            // Near the quota a whole step may not fit while the actual bytes still do.
            if (!await quota.TryGrowAsync(reservation, step, cancellationToken)
                && (step == need || !await quota.TryGrowAsync(reservation, need, cancellationToken)))
            {
                throw new StorageQuotaExceededException($"The school's quota has no room for {_received} bytes.");
            }
        }

        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Uploads are read asynchronously.");

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
