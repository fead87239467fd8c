using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Data;
using Schoolbel.Server.People;
using Schoolbel.Server.Storage;

namespace Schoolbel.Server.Documents;

/// <summary>Declares a resumable upload: where it goes, its name and its exact size in bytes.</summary>
public sealed record ResumableUploadInput(Guid CourseId, string? FileName, long Length, Guid? FolderId = null, Guid? LessonId = null, Guid? ItemId = null);

/// <summary>The state of a resumable upload: send the bytes from <see cref="Offset"/> on.</summary>
public sealed record ResumableUploadState(Guid Id, string FileName, long Length, long Offset);

/// <summary>
/// Chunked, resumable uploads (tus-like): declare the file (limits and permission are checked
/// then, and the declared size is reserved from the school's quota under the upload's id), send
/// chunks with their offset, ask for the offset after a broken connection, and the last chunk
/// turns the file into a document (which takes over the reservation). Chunks append to a temp
/// file in the store's staging folder; the whole file is hashed once when complete. Cancelling,
/// a refusal at the end or the collector dropping a stale upload gives the reservation back.
/// </summary>
public sealed partial class ResumableUploads(SchoolbelDb db, DocumentUploads uploads, StorageQuota quota, IBlobStore store, UploadBandwidth bandwidth, TimeProvider time, ILogger<ResumableUploads> logger)
{
    public static string TempPathOf(IBlobStore store, Guid uploadId)
    {
        ArgumentNullException.ThrowIfNull(store);
        return Path.Combine(store.StagingFolder, uploadId.ToString("N") + ".upload");
    }

    public async Task<(UploadResult? Refusal, ResumableUploadState? State)> StartAsync(ResumableUploadInput input, Guid personId, PersonRole role, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Length < 0)
        {
            return (new UploadResult(UploadStatus.BadRequest, "Geef de grootte van het bestand in bytes."), null);
        }

        var target = new UploadTarget(input.CourseId, input.FolderId, input.LessonId, input.ItemId);
        var (refusal, _) = await uploads.PrecheckAsync(target, input.FileName, input.Length, personId, role, cancellationToken);
        if (refusal is not null)
        {
            return (refusal, null);
        }

        var upload = new ResumableUpload
        {
            SchoolId = db.CurrentSchoolId ?? throw new InvalidOperationException("No school in scope."),
            CourseId = input.CourseId,
            FolderId = input.FolderId,
            LessonId = input.LessonId,
            ItemId = input.ItemId,
            FileName = input.FileName!,
            Length = input.Length,
            CreatedAt = time.GetUtcNow().UtcDateTime,
            CreatedBy = personId,
        };
        if (await quota.TryReserveAsync(upload.Id, input.Length, cancellationToken) is null)
        {
            return (await uploads.OverQuotaAsync(input.CourseId, personId, input.Length, cancellationToken), null);
        }

        try
        {
            Directory.CreateDirectory(store.StagingFolder);
            await File.WriteAllBytesAsync(TempPathOf(store, upload.Id), [], cancellationToken);
            db.Add(upload);
            await db.SaveChangesAsync(cancellationToken);
        }
        catch
        {
            File.Delete(TempPathOf(store, upload.Id));
            await quota.ReleaseAsync(upload.Id);
            throw;
        }

        return (null, State(upload));
    }

    /// <summary>The upload of this person, or null (404) when it is not theirs or not there.</summary>
    public async Task<ResumableUploadState?> GetAsync(Guid uploadId, Guid personId, CancellationToken cancellationToken) =>
        await db.Set<ResumableUpload>().AsNoTracking().Where(u => u.Id == uploadId && u.CreatedBy == personId)
            .Select(u => new ResumableUploadState(u.Id, u.FileName, u.Length, u.Received))
            .FirstOrDefaultAsync(cancellationToken);

    /// <summary>
    /// Appends a chunk that starts at <paramref name="offset"/>. Returns the new state, or the
    /// finished document when this was the last chunk.
    /// </summary>
    public async Task<ChunkResult> AppendAsync(Guid uploadId, long offset, Stream body, Guid personId, PersonRole role, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        var upload = await db.Set<ResumableUpload>().FirstOrDefaultAsync(u => u.Id == uploadId && u.CreatedBy == personId, cancellationToken);
        if (upload is null)
        {
            return new ChunkResult(new UploadResult(UploadStatus.NotFound, "Deze upload bestaat niet (meer)."), null);
        }

        if (offset != upload.Received)
        {
            return new ChunkResult(null, State(upload), OffsetMismatch: true);
        }

        var path = TempPathOf(store, upload.Id);
        var received = upload.Received;
        var tooLarge = false;
        await using (var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous))
        {
            // Cut off whatever a broken earlier chunk left past the confirmed offset.
            file.SetLength(received);
            file.Position = received;
            var buffer = new byte[UploadBandwidth.MaxRead];
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                // The node's upload budget, as for streamed uploads (BlobStaging).
                await bandwidth.TakeAsync(read, cancellationToken);
                if (received + read > upload.Length)
                {
                    tooLarge = true;
                    file.SetLength(upload.Received);
                    break;
                }

                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                received += read;
            }
        }

        if (tooLarge)
        {
            LogOverDeclared(logger, upload.Id, upload.Length);
            return new ChunkResult(new UploadResult(UploadStatus.TooLarge, "Er komen meer bytes dan aangekondigd."), State(upload));
        }

        upload.Received = received;
        if (received < upload.Length)
        {
            await db.SaveChangesAsync(cancellationToken);
            return new ChunkResult(null, State(upload));
        }

        // Complete: permission and the file limit once more (things may have changed since the
        // start); the quota was reserved at the start and the new version takes that reservation over.
        var target = new UploadTarget(upload.CourseId, upload.FolderId, upload.LessonId, upload.ItemId);
        var (refusal, editor) = await uploads.PrecheckAsync(target, upload.FileName, upload.Length, personId, role, cancellationToken);
        db.Remove(upload);
        await db.SaveChangesAsync(cancellationToken);
        var stored = false;
        try
        {
            using var staged = await BlobStaging.FromFileAsync(path, cancellationToken);
            if (refusal is not null)
            {
                return new ChunkResult(refusal, null);
            }

            var result = await uploads.StoreAsync(target, upload.FileName, staged, editor!, upload.Id, cancellationToken);
            stored = result.Status == UploadStatus.Created;
            return new ChunkResult(result, null);
        }
        finally
        {
            if (!stored)
            {
                File.Delete(path);
                await quota.ReleaseAsync(upload.Id);
            }
        }
    }

    public async Task<bool> CancelAsync(Guid uploadId, Guid personId, CancellationToken cancellationToken)
    {
        var gone = await db.Set<ResumableUpload>().Where(u => u.Id == uploadId && u.CreatedBy == personId).ExecuteDeleteAsync(cancellationToken);
        if (gone == 0)
        {
            return false;
        }

        File.Delete(TempPathOf(store, uploadId));
        await quota.ReleaseAsync(uploadId);
        return true;
    }

    private static ResumableUploadState State(ResumableUpload u) => new(u.Id, u.FileName, u.Length, u.Received);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Resumable upload {UploadId} sent more than its declared {Length} bytes")]
    private static partial void LogOverDeclared(ILogger logger, Guid uploadId, long length);
}

/// <summary>After a chunk: a refusal or the final result (<see cref="Result"/>), or the state to go on from.</summary>
public sealed record ChunkResult(UploadResult? Result, ResumableUploadState? State, bool OffsetMismatch = false);
