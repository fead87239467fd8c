using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Schoolbel.Server.Data;
using Schoolbel.Server.Documents;
using Schoolbel.Server.Jobs;

namespace Schoolbel.Server.Storage;

/// <summary>What one collection removed.</summary>
public sealed record CollectionResult(int PurgedItems, int DroppedUploads, int DeletedBlobs);

/// <summary>
/// Cleans up storage across all schools: items that spent their time in the recycle bin,
/// resumable uploads that were never finished, quota reservations of uploads that died with
/// their process, then blobs that no version points at any more.
/// </summary>
public sealed partial class StorageCollector(
    IServiceScopeFactory scopes,
    IBlobStore store,
    IOptions<StorageOptions> options,
    TimeProvider time,
    ILogger<StorageCollector> logger)
{
    // File times come from the operating system's clock, not from the injected TimeProvider (a
    // fake clock in tests, possibly days ahead), so they are compared with the system clock.
    private static readonly TimeProvider FileClock = TimeProvider.System;

    public async Task<CollectionResult> CollectAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
        var now = time.GetUtcNow().UtcDateTime;
        var settings = options.Value;

        var purged = await PurgeRecycleBinAsync(db, now - settings.RecycleBinRetention, cancellationToken);
        var dropped = await DropStaleUploadsAsync(db, now - settings.UnfinishedUploadRetention, cancellationToken);
        var deleted = await DeleteUnreferencedBlobsAsync(db, now - settings.CollectGrace, FileClock.GetUtcNow().UtcDateTime - settings.CollectGrace, cancellationToken);
        if (purged + dropped + deleted > 0)
        {
            LogCollected(logger, purged, dropped, deleted);
        }

        return new CollectionResult(purged, dropped, deleted);
    }

    // Background work has no school in scope, so every query here says IgnoreQueryFilters on purpose.
    private static async Task<int> PurgeRecycleBinAsync(SchoolbelDb db, DateTime cutoff, CancellationToken cancellationToken)
    {
        var items = db.Set<CourseItem>().IgnoreQueryFilters();
        var ids = await items.Where(i => i.DeletedAt != null && i.DeletedAt < cutoff).Select(i => i.Id).ToListAsync(cancellationToken);
        if (ids.Count == 0)
        {
            return 0;
        }

        // A deleted folder takes what it holds along.
        var all = new HashSet<Guid>(ids);
        var frontier = ids;
        while (frontier.Count > 0)
        {
            var parents = frontier;
            frontier = await items.Where(i => i.FolderId != null && parents.Contains(i.FolderId.Value)).Select(i => i.Id).ToListAsync(cancellationToken);
            frontier.RemoveAll(id => !all.Add(id));
        }

        var list = all.ToList();
        // Versions and progress go with their item (ON DELETE CASCADE); blobs are left to the blob pass.
        return await items.Where(i => list.Contains(i.Id)).ExecuteDeleteAsync(cancellationToken);
    }

    private async Task<int> DropStaleUploadsAsync(SchoolbelDb db, DateTime cutoff, CancellationToken cancellationToken)
    {
        var stale = await db.Set<ResumableUpload>().IgnoreQueryFilters().Where(u => u.CreatedAt < cutoff).Select(u => u.Id).ToListAsync(cancellationToken);
        foreach (var id in stale)
        {
            File.Delete(ResumableUploads.TempPathOf(store, id));
        }

        if (stale.Count > 0)
        {
            await db.Set<ResumableUpload>().IgnoreQueryFilters().Where(u => stale.Contains(u.Id)).ExecuteDeleteAsync(cancellationToken);
            await db.Set<StorageReservation>().IgnoreQueryFilters().Where(r => stale.Contains(r.Id)).ExecuteDeleteAsync(cancellationToken);
        }

        // Expired reservations no longer count against the quota; this only removes the rows.
        var now = time.GetUtcNow().UtcDateTime;
        await db.Set<StorageReservation>().IgnoreQueryFilters().Where(r => r.ExpiresAt <= now).ExecuteDeleteAsync(cancellationToken);

        // Temp files of uploads that died with their process (a crash, a kill) are only ever
        // written by one request; a day without change means nobody is writing them.
        if (Directory.Exists(store.StagingFolder))
        {
            foreach (var file in Directory.EnumerateFiles(store.StagingFolder, "*.part"))
            {
                if (File.GetLastWriteTimeUtc(file) < FileClock.GetUtcNow().UtcDateTime.AddDays(-1))
                {
                    File.Delete(file);
                }
            }
        }

        return stale.Count;
    }

    private async Task<int> DeleteUnreferencedBlobsAsync(SchoolbelDb db, DateTime cutoff, DateTime fileCutoff, CancellationToken cancellationToken)
    {
        var versions = db.Set<DocumentVersion>().IgnoreQueryFilters();
        // Assignment files and message attachments point at blobs too; their bytes stay while they do.
        var assignmentFiles = db.Set<Assignments.AssignmentFile>().IgnoreQueryFilters();
        var attachments = db.Set<Messages.MessageAttachment>().IgnoreQueryFilters();
        var candidates = await db.Set<Blob>()
            .Where(b => b.LastUsedAt < cutoff && !versions.Any(v => v.BlobHash == b.Hash) && !assignmentFiles.Any(f => f.BlobHash == b.Hash) && !attachments.Any(a => a.BlobHash == b.Hash))
            .Select(b => b.Hash)
            .Take(1000)
            .ToListAsync(cancellationToken);
        var deleted = 0;
        foreach (var hash in candidates)
        {
            // Delete the row only if it is still unreferenced and untouched: one statement, so an
            // upload reusing these bytes at this moment either renewed LastUsedAt first (we skip)
            // or finds no row and records the blob again.
            var gone = await db.Set<Blob>()
                .Where(b => b.Hash == hash && b.LastUsedAt < cutoff && !versions.Any(v => v.BlobHash == b.Hash) && !assignmentFiles.Any(f => f.BlobHash == b.Hash) && !attachments.Any(a => a.BlobHash == b.Hash))
                .ExecuteDeleteAsync(cancellationToken);
            if (gone == 0)
            {
                continue;
            }

            // An upload that brought these bytes back just now has renamed a fresh file over them.
            if (store is DiskBlobStore disk && disk.LastWriteUtc(hash) is { } written && written >= fileCutoff)
            {
                continue;
            }

            await store.DeleteAsync(hash, cancellationToken);
            deleted++;
        }

        return deleted;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Storage collection: {Purged} item(s) purged from recycle bins, {Dropped} unfinished upload(s) dropped, {Deleted} blob(s) deleted")]
    private static partial void LogCollected(ILogger logger, int purged, int dropped, int deleted);
}

/// <summary>
/// Storage collection as a recurring job: every <see cref="StorageOptions.CollectInterval"/> one
/// node collects. Each pass deletes only what is still unreferenced at that moment, so a pass
/// repeated after a node died half-way removes nothing twice; a failure is retried with backoff.
/// </summary>
internal sealed class StorageCollectionHandler(StorageCollector collector) : IJobHandler
{
    public const string JobKind = "storage.collect";

    public string Kind => JobKind;

    public Task RunAsync(JobContext context, CancellationToken cancellationToken) => collector.CollectAsync(cancellationToken);
}
