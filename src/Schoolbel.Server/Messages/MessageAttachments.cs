using System.ComponentModel.DataAnnotations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Schoolbel.Server.Data;
using Schoolbel.Server.Documents;
using Schoolbel.Server.Storage;

namespace Schoolbel.Server.Messages;

/// <summary>Configuration section <c>Messages</c>.</summary>
public sealed class MessagesOptions
{
    public const string Section = "Messages";

    /// <summary>Largest attachment in bytes (default 20 MB; documents are the place for large files).</summary>
    [Range(1, 2L * 1024 * 1024 * 1024)]
    public long MaxAttachmentBytes { get; set; } = 20L * 1024 * 1024;

    [Range(1, 50)]
    public int MaxAttachments { get; set; } = 10;

    /// <summary>Uploaded attachments not sent within this time are removed.</summary>
    public TimeSpan UnsentAttachmentRetention { get; set; } = TimeSpan.FromDays(1);
}

public enum AttachmentStatus
{
    Created,
    BadRequest,
    TooLarge,
    UnsupportedType,
}

public sealed record AttachmentResult(AttachmentStatus Status, string? Message = null, AttachmentView? Attachment = null);

/// <summary>
/// Attachments go through the documents' upload path: the declared size is reserved from the
/// school's storage quota first (<see cref="StorageQuota"/>; bytes of unknown size are reserved as
/// they arrive), streamed to a temp file while hashed (<see cref="IBlobStore.StageAsync"/>),
/// sniffed, committed under their SHA-256 (stored once however many messages carry them), and
/// recorded in the transaction that takes over the reservation. The per-file limit is checked
/// before and while reading. Anything refused leaves no file, no row and no reservation.
/// </summary>
public sealed partial class MessageAttachments(
    SchoolbelDb db,
    IBlobStore store,
    StorageQuota quota,
    IOptions<MessagesOptions> options,
    TimeProvider time,
    ILogger<MessageAttachments> logger)
{
    public long MaxBytes => options.Value.MaxAttachmentBytes;

    public async Task<AttachmentResult> UploadAsync(string? fileName, long? declaredLength, Stream body, Guid personId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (FileNames.Problem(fileName) is { } problem)
        {
            return new AttachmentResult(AttachmentStatus.BadRequest, problem);
        }

        var max = options.Value.MaxAttachmentBytes;
        if (declaredLength > max)
        {
            LogTooLarge(logger, personId, declaredLength.Value, max);
            return TooLarge(max);
        }

        var pending = await db.Set<MessageAttachment>().CountAsync(a => a.UploadedBy == personId && a.MessageId == null, cancellationToken);
        if (pending >= options.Value.MaxAttachments * 2)
        {
            return new AttachmentResult(AttachmentStatus.BadRequest, "Je hebt al veel bijlagen klaarstaan die nog bij geen bericht horen; verstuur eerst je bericht.");
        }

        // A declared size is claimed whole before any byte is read; an unknown one grows as it arrives.
        var reservation = await quota.TryReserveAsync(Guid.CreateVersion7(), declaredLength ?? 0, cancellationToken);
        if (reservation is null)
        {
            return await OverQuotaAsync(personId, declaredLength ?? 0, cancellationToken);
        }

        var stored = false;
        try
        {
            StagedBlob staged;
            try
            {
                var source = declaredLength is null ? new QuotaMeteredStream(body, quota, reservation, max) : body;
                staged = await store.StageAsync(source, declaredLength ?? max, cancellationToken);
            }
            catch (BlobTooLargeException)
            {
                LogTooLarge(logger, personId, max + 1, max);
                return TooLarge(max);
            }
            catch (StorageQuotaExceededException)
            {
                await quota.ReleaseAsync(reservation.Id);
                return await OverQuotaAsync(personId, reservation.Bytes, cancellationToken);
            }

            using (staged)
            {
                var sniffed = FileSniffer.Sniff(staged.Head.Span, fileName!);
                if (!sniffed.Allowed)
                {
                    return new AttachmentResult(AttachmentStatus.UnsupportedType, "Dit soort bestand (een programma) kan je niet meesturen.");
                }

                var now = time.GetUtcNow().UtcDateTime;
                await BlobRows.RecordAsync(db, staged, sniffed.ContentType, now, cancellationToken);
                await store.CommitAsync(staged, cancellationToken);
                var attachment = new MessageAttachment
                {
                    SchoolId = db.CurrentSchoolId ?? throw new InvalidOperationException("No school in scope."),
                    UploadedBy = personId,
                    BlobHash = staged.Hash,
                    FileName = fileName!,
                    ContentType = sniffed.ContentType,
                    Length = staged.Length,
                    CreatedAt = now,
                };
                db.Add(attachment);
                // The row and the end of the reservation in one transaction: the bytes move from reserved to stored.
                await quota.ConsumeOnSaveAsync(reservation.Id, cancellationToken);
                await db.SaveChangesAsync(cancellationToken);
                stored = true;
                return new AttachmentResult(AttachmentStatus.Created, Attachment: new AttachmentView(attachment.Id, attachment.FileName, attachment.ContentType, attachment.Length));
            }
        }
        finally
        {
            if (!stored)
            {
                await quota.ReleaseAsync(reservation.Id);
            }
        }
    }

    /// <summary>Sends an attachment's bytes, always as a download (never rendered in our origin).</summary>
    public async Task<IResult> ServeAsync(HttpContext context, MessageAttachment attachment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(attachment);
        var headers = context.Response.Headers;
        headers.CacheControl = "private, max-age=31536000, immutable";
        var disposition = new ContentDispositionHeaderValue("attachment");
        disposition.SetHttpFileName(attachment.FileName);
        headers.ContentDisposition = disposition.ToString();
        var etag = new EntityTagHeaderValue($"\"{attachment.BlobHash}\"");
        if (store.LocalPath(attachment.BlobHash) is { } path)
        {
            return TypedResults.PhysicalFile(path, attachment.ContentType, entityTag: etag, enableRangeProcessing: true);
        }

        return TypedResults.Stream(await store.OpenReadAsync(attachment.BlobHash, cancellationToken), attachment.ContentType, entityTag: etag);
    }

    /// <summary>Removes uploads that never went out with a message (all schools; the blobs are left to the storage collector).</summary>
    public async Task<int> RemoveUnsentAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow().UtcDateTime - options.Value.UnsentAttachmentRetention;
        return await db.Set<MessageAttachment>().IgnoreQueryFilters().Where(a => a.MessageId == null && a.CreatedAt < cutoff).ExecuteDeleteAsync(cancellationToken);
    }

    private async Task<AttachmentResult> OverQuotaAsync(Guid personId, long length, CancellationToken cancellationToken)
    {
        var usage = await quota.UsageAsync(cancellationToken);
        LogOverQuota(logger, personId, length, usage.StoredBytes, usage.ReservedBytes, usage.QuotaBytes);
        return new AttachmentResult(AttachmentStatus.TooLarge, DocumentUploads.OverQuotaMessage(usage));
    }

    private static AttachmentResult TooLarge(long max) =>
        new(AttachmentStatus.TooLarge, $"Deze bijlage is te groot: een bijlage mag hoogstens {DocumentUploads.Size(max)} zijn. Deel grote bestanden via de documenten van een vak.");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Attachment refused: {Length} bytes over the limit {Max} from {PersonId}")]
    private static partial void LogTooLarge(ILogger logger, Guid personId, long length, long max);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Attachment refused: {Length} bytes over the school quota ({Used} stored and {Reserved} reserved of {Quota}) from {PersonId}")]
    private static partial void LogOverQuota(ILogger logger, Guid personId, long length, long used, long reserved, long quota);
}
