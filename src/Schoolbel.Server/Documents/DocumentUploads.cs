using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Schoolbel.Server.Courses;
using Schoolbel.Server.Data;
using Schoolbel.Server.Storage;

namespace Schoolbel.Server.Documents;

public enum UploadStatus
{
    Created,
    BadRequest,
    NotFound,
    Forbidden,
    TooLarge,
    UnsupportedType,
}

/// <summary>What became of an upload; <see cref="Message"/> is for the user (Dutch) when it failed.</summary>
public sealed record UploadResult(UploadStatus Status, string? Message = null, ItemNode? Item = null);

/// <summary>Where an upload goes: a new document in a course (top, a folder or a lesson), or a new version of one.</summary>
public sealed record UploadTarget(Guid CourseId, Guid? FolderId = null, Guid? LessonId = null, Guid? ItemId = null);

/// <summary>
/// Takes a document's bytes: checks who may upload and the file limit first, reserves the
/// declared size from the school's quota (atomically, so concurrent uploads on any node cannot
/// together exceed it; bytes of unknown size are reserved as they arrive), streams to a temp
/// file while hashing, sniffs the type from the bytes, then commits the blob under its hash and
/// records the version, which takes over the reservation in the same transaction. Anything
/// refused leaves no file and no reservation.
/// </summary>
public sealed partial class DocumentUploads(
    SchoolbelDb db,
    CourseAccess access,
    CourseContent content,
    ContentCache cache,
    IBlobStore store,
    StorageQuota quota,
    IOptions<StorageOptions> options,
    TimeProvider time,
    ILogger<DocumentUploads> logger)
{
    /// <summary>
    /// Checks who may upload what where, and the file limit, before any byte is read. The quota
    /// is not checked here: <see cref="StorageQuota.TryReserveAsync"/> checks and claims it at once.
    /// </summary>
    public async Task<(UploadResult? Refusal, CourseViewer? Editor)> PrecheckAsync(
        UploadTarget target, string? fileName, long? declaredLength, Guid personId, People.PersonRole role, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var viewer = await access.ViewerAsync(target.CourseId, personId, role, cancellationToken);
        if (viewer is null)
        {
            LogRefused(logger, "course not found or not visible", target.CourseId, personId);
            return (new UploadResult(UploadStatus.NotFound, "Dit vak bestaat niet."), null);
        }

        if (!viewer.CanEdit)
        {
            LogRefused(logger, "not a teacher of the course", target.CourseId, personId);
            return (new UploadResult(UploadStatus.Forbidden, "Alleen de leerkrachten van dit vak kunnen bestanden toevoegen."), null);
        }

        if (FileNames.Problem(fileName) is { } problem)
        {
            LogBadName(logger, target.CourseId, personId, fileName ?? "");
            return (new UploadResult(UploadStatus.BadRequest, problem), null);
        }

        if (target.FolderId is { } folderId && !await content.IsFolderOfAsync(target.CourseId, folderId, cancellationToken))
        {
            return (new UploadResult(UploadStatus.BadRequest, "Die map bestaat niet in dit vak."), null);
        }

        if (target.LessonId is { } lessonId && !await content.IsLessonOfAsync(target.CourseId, lessonId, cancellationToken))
        {
            return (new UploadResult(UploadStatus.BadRequest, "Die les bestaat niet in dit vak."), null);
        }

        if (target.ItemId is { } itemId && !await db.Set<CourseItem>().AnyAsync(
                i => i.Id == itemId && i.CourseId == target.CourseId && i.Kind == CourseItemKind.Document && i.DeletedAt == null, cancellationToken))
        {
            return (new UploadResult(UploadStatus.NotFound, "Dat document bestaat niet in dit vak."), null);
        }

        var limits = options.Value;
        if (declaredLength > limits.MaxFileBytes)
        {
            LogTooLarge(logger, target.CourseId, personId, declaredLength.Value, limits.MaxFileBytes);
            return (TooLarge(limits.MaxFileBytes), null);
        }

        return (null, viewer);
    }

    /// <summary>The refusal for bytes the quota has no room for (logged).</summary>
    internal async Task<UploadResult> OverQuotaAsync(Guid courseId, Guid personId, long length, CancellationToken cancellationToken)
    {
        var usage = await quota.UsageAsync(cancellationToken);
        LogOverQuota(logger, courseId, personId, length, usage.StoredBytes, usage.ReservedBytes, usage.QuotaBytes);
        return new UploadResult(UploadStatus.TooLarge, OverQuotaMessage(usage));
    }

    /// <summary>Streams <paramref name="body"/> into the store and records the document.</summary>
    public async Task<UploadResult> UploadAsync(
        UploadTarget target, string? fileName, long? declaredLength, Stream body, Guid personId, People.PersonRole role, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        var (refusal, editor) = await PrecheckAsync(target, fileName, declaredLength, personId, role, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        // A declared size is claimed whole before any byte is read; an unknown one grows as it arrives.
        var maxFileBytes = options.Value.MaxFileBytes;
        var reservation = await quota.TryReserveAsync(Guid.CreateVersion7(), declaredLength ?? 0, cancellationToken);
        if (reservation is null)
        {
            return await OverQuotaAsync(target.CourseId, personId, declaredLength ?? 0, cancellationToken);
        }

        var stored = false;
        try
        {
            StagedBlob staged;
            try
            {
                var source = declaredLength is null ? new QuotaMeteredStream(body, quota, reservation, maxFileBytes) : body;
                staged = await store.StageAsync(source, declaredLength ?? maxFileBytes, cancellationToken);
            }
            catch (BlobTooLargeException)
            {
                LogTooLarge(logger, target.CourseId, personId, maxFileBytes + 1, maxFileBytes);
                return TooLarge(maxFileBytes);
            }
            catch (StorageQuotaExceededException)
            {
                await quota.ReleaseAsync(reservation.Id);
                return await OverQuotaAsync(target.CourseId, personId, reservation.Bytes, cancellationToken);
            }

            using (staged)
            {
                var result = await StoreAsync(target, fileName!, staged, editor!, reservation.Id, cancellationToken);
                stored = result.Status == UploadStatus.Created;
                return result;
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

    /// <summary>
    /// Records a staged (hashed) file as a document version; the version takes over the quota
    /// reservation <paramref name="reservationId"/> in the same transaction. Disposes nothing and
    /// releases nothing on failure; the caller owns <paramref name="staged"/> and the reservation.
    /// </summary>
    internal async Task<UploadResult> StoreAsync(UploadTarget target, string fileName, StagedBlob staged, CourseViewer editor, Guid reservationId, CancellationToken cancellationToken)
    {
        var sniffed = FileSniffer.Sniff(staged.Head.Span, fileName);
        if (!sniffed.Allowed)
        {
            LogUnsupported(logger, target.CourseId, editor.PersonId, fileName);
            return new UploadResult(UploadStatus.UnsupportedType, "Dit soort bestand (een programma) kan je niet delen.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        await BlobRows.RecordAsync(db, staged, sniffed.ContentType, now, cancellationToken);
        await store.CommitAsync(staged, cancellationToken);

        CourseItem item;
        if (target.ItemId is { } itemId)
        {
            item = await db.Set<CourseItem>().FirstAsync(i => i.Id == itemId, cancellationToken);
        }
        else
        {
            item = new CourseItem
            {
                SchoolId = db.CurrentSchoolId ?? throw new InvalidOperationException("No school in scope."),
                CourseId = target.CourseId,
                FolderId = target.FolderId,
                LessonId = target.LessonId,
                Kind = CourseItemKind.Document,
                Title = Path.GetFileNameWithoutExtension(fileName) is { Length: > 0 } stem ? stem : fileName,
                Position = await content.NextPositionAsync(target.CourseId, target.FolderId, target.LessonId, cancellationToken),
                CreatedAt = now,
                CreatedBy = editor.PersonId,
            };
            db.Add(item);
        }

        var number = 1 + (await db.Set<DocumentVersion>().Where(v => v.ItemId == item.Id).MaxAsync(v => (int?)v.Number, cancellationToken) ?? 0);
        var version = new DocumentVersion
        {
            SchoolId = item.SchoolId,
            ItemId = item.Id,
            Number = number,
            BlobHash = staged.Hash,
            Length = staged.Length,
            ContentType = sniffed.ContentType,
            FileName = fileName,
            CreatedAt = now,
            CreatedBy = editor.PersonId,
        };
        db.Add(version);
        item.CurrentVersionId = version.Id;
        await quota.ConsumeOnSaveAsync(reservationId, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        cache.Invalidate(item.CourseId);
        LogStored(logger, item.Id, version.Number, staged.Length, sniffed.ContentType, staged.Hash);
        return new UploadResult(UploadStatus.Created, Item: ItemNode.From(item, version, []));
    }

    /// <summary>Bytes the current school stores, counting every version (also those in the recycle bin).</summary>
    public async Task<long> UsedBytesAsync(CancellationToken cancellationToken) =>
        (await quota.UsageAsync(cancellationToken)).StoredBytes;

    private static UploadResult TooLarge(long max) =>
        new(UploadStatus.TooLarge, $"Dit bestand is te groot: een bestand mag hoogstens {Size(max)} zijn.");

    /// <summary>Why bytes were refused for the school's quota (Dutch, for the user); shared with message attachments.</summary>
    internal static string OverQuotaMessage(StorageUsage usage) =>
        usage.ReservedBytes > 0
            ? $"De opslag van de school is vol ({Size(usage.StoredBytes)} van {Size(usage.QuotaBytes)} gebruikt, en {Size(usage.ReservedBytes)} voor uploads die nog bezig zijn). Probeer het later opnieuw, verwijder oude bestanden of vraag meer ruimte."
            : $"De opslag van de school is vol ({Size(usage.StoredBytes)} van {Size(usage.QuotaBytes)} gebruikt). Verwijder oude bestanden of vraag meer ruimte.";

    internal static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.#} GB"),
        >= 1L << 20 => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0.#} MB"),
        >= 1L << 10 => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 10):0.#} KB"),
        _ => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{bytes} bytes"),
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upload refused ({Reason}) for course {CourseId} by {PersonId}")]
    private static partial void LogRefused(ILogger logger, string reason, Guid courseId, Guid personId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upload refused: unsafe file name {FileName} for course {CourseId} by {PersonId}")]
    private static partial void LogBadName(ILogger logger, Guid courseId, Guid personId, string fileName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upload refused: {Length} bytes over the file limit {Max} for course {CourseId} by {PersonId}")]
    private static partial void LogTooLarge(ILogger logger, Guid courseId, Guid personId, long length, long max);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upload refused: {Length} bytes over the school quota ({Used} stored and {Reserved} reserved of {Quota}) for course {CourseId} by {PersonId}")]
    private static partial void LogOverQuota(ILogger logger, Guid courseId, Guid personId, long length, long used, long reserved, long quota);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upload refused: {FileName} is a program, for course {CourseId} by {PersonId}")]
    private static partial void LogUnsupported(ILogger logger, Guid courseId, Guid personId, string fileName);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stored document {ItemId} version {Number}: {Length} bytes of {ContentType}, sha256 {Hash}")]
    private static partial void LogStored(ILogger logger, Guid itemId, int number, long length, string contentType, string hash);
}

/// <summary>File names as given by browsers: a plain name, never a path.</summary>
public static class FileNames
{
    public const int MaxLength = 255;

    /// <summary>Null when fine; otherwise why not (Dutch, for the user).</summary>
    public static string? Problem(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return "Het bestand heeft geen naam.";
        }

        if (name.Length > MaxLength)
        {
            return $"De bestandsnaam is te lang (hoogstens {MaxLength} tekens).";
        }

        if (name.Contains('/', StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal)
            || name is "." or ".." || name.Contains("..", StringComparison.Ordinal) || name.Contains(':', StringComparison.Ordinal))
        {
            return "De bestandsnaam mag geen map of pad bevatten.";
        }

        if (name.Any(char.IsControl) || name.Trim() != name)
        {
            return "De bestandsnaam bevat ongeldige tekens.";
        }

        return null;
    }
}
