using System.Text;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Schoolbel.Server.Courses;
using Schoolbel.Server.Data;
using Schoolbel.Server.Documents;
using Schoolbel.Server.HotReads;
using Schoolbel.Server.People;
using Schoolbel.Server.SignIn;
using Schoolbel.Server.Storage;

namespace Schoolbel.Server.Assignments;

public enum IntakeStatus
{
    Created,

    /// <summary>The idempotency key was used before: nothing new, the first receipt again.</summary>
    Replayed,
    BadRequest,
    NotFound,
    Forbidden,

    /// <summary>The deadline passed and late work is not accepted.</summary>
    Closed,
    TooLarge,
    UnsupportedType,
}

/// <summary>What became of a hand-in or an attachment upload; <see cref="Message"/> is for the user (Dutch) when it failed.</summary>
public sealed record IntakeResult(IntakeStatus Status, string? Message = null, Receipt? Receipt = null, IReadOnlyList<FileView>? Files = null, string? Field = null);

/// <summary>
/// Takes pupils' hand-ins and teachers' attachments. Bodies are read as a stream (multipart,
/// section by section, never buffered whole): each file goes through the same staging as a
/// document upload — hashed on the fly into a temp file, limited to the file size, counted
/// against the school's quota, its type sniffed from its bytes — and is committed under its
/// SHA-256. The hand-in row, its files and the quota hand-over are one transaction, committed
/// before the receipt is answered. A repeated idempotency key answers with the first receipt.
/// </summary>
public sealed partial class AssignmentUploads(
    SchoolbelDb db,
    CourseAccess access,
    AssignmentBook book,
    IBlobStore store,
    StorageQuota quota,
    IOptions<StorageOptions> options,
    IAntiforgery antiforgery,
    HotCache cache,
    TimeProvider time,
    ILogger<AssignmentUploads> logger)
{
    public const int MaxFiles = 20;
    public const int MaxTextLength = 100_000;
    public const int MaxKeyLength = 100;
    public const string IdempotencyHeader = "Idempotency-Key";
    public const string KeyField = "idempotencyKey";
    private const string TokenField = "__RequestVerificationToken";
    private const int MaxJsonBytes = 1024 * 1024;

    /// <summary>
    /// A pupil hands in work. From a page the body is a multipart form whose fields come first
    /// (anti-forgery token, idempotency key, text) and files after; from the API the key is the
    /// <c>Idempotency-Key</c> header and the body multipart (field <c>text</c>, files) or JSON (<c>{"text": ...}</c>).
    /// </summary>
    public async Task<IntakeResult> SubmitAsync(HttpContext context, Guid courseId, Guid assignmentId, bool fromPage, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        // Lateness is judged by when the hand-in arrived, not by when a slow upload finished.
        var arrivedAt = time.GetUtcNow().UtcDateTime;
        var user = context.User;
        var personId = user.PersonId();
        var role = user.Role() ?? PersonRole.Pupil;
        var viewer = await access.ViewerAsync(courseId, personId, role, cancellationToken);
        var assignment = viewer is null ? null : await book.FindAsync(courseId, assignmentId, viewer, cancellationToken);
        if (assignment is null)
        {
            LogRefused(logger, "not found or not the pupil's", assignmentId, personId);
            return new IntakeResult(IntakeStatus.NotFound, "Deze opdracht bestaat niet.");
        }

        if (role != PersonRole.Pupil)
        {
            return new IntakeResult(IntakeStatus.Forbidden, "Alleen leerlingen dienen opdrachten in.");
        }

        var request = context.Request;
        string? key = fromPage ? null : request.Headers[IdempotencyHeader].ToString();
        if (!fromPage)
        {
            if (KeyProblem(key) is { } problem)
            {
                return new IntakeResult(IntakeStatus.BadRequest, problem, Field: IdempotencyHeader);
            }

            if (await ReceiptByKeyAsync(assignmentId, personId, key!, cancellationToken) is { } earlier)
            {
                return new IntakeResult(IntakeStatus.Replayed, Receipt: earlier);
            }
        }

        // Checked before any byte is read: a closed assignment stores nothing.
        if (await ClosedAsync(assignment, personId, arrivedAt, cancellationToken) is { } closed)
        {
            return closed;
        }

        if (!fromPage && request.HasJsonContentType())
        {
            return await SubmitJsonAsync(context, assignment, personId, key!, arrivedAt, cancellationToken);
        }

        if (!IsMultipart(request, out var boundary))
        {
            return new IntakeResult(IntakeStatus.BadRequest, "Stuur een formulier (multipart/form-data) met tekst en/of bestanden.");
        }

        Receipt? replay = null;
        var result = await ReadMultipartAsync(context, boundary, fromPage, async fields =>
        {
            key ??= fields.GetValueOrDefault(KeyField);
            if (KeyProblem(key) is { } problem)
            {
                return new IntakeResult(IntakeStatus.BadRequest, problem, Field: KeyField);
            }

            replay = await ReceiptByKeyAsync(assignmentId, personId, key!, cancellationToken);
            return replay is null ? null : new IntakeResult(IntakeStatus.Replayed, Receipt: replay);
        }, async (fields, files, reservationId) =>
        {
            var text = fields.GetValueOrDefault("text");
            if (string.IsNullOrWhiteSpace(text) && files.Count == 0)
            {
                return new IntakeResult(IntakeStatus.BadRequest, "Schrijf een tekst of voeg minstens één bestand toe.", Field: "text");
            }

            return await RecordSubmissionAsync(assignment, personId, key!, text, files, reservationId, arrivedAt, cancellationToken);
        }, cancellationToken);
        return result;
    }

    /// <summary>A teacher adds files to an assignment (multipart form or API).</summary>
    public async Task<IntakeResult> AttachAsync(HttpContext context, Guid courseId, Guid assignmentId, bool fromPage, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var personId = context.User.PersonId();
        var viewer = await access.ViewerAsync(courseId, personId, context.User.Role() ?? PersonRole.Pupil, cancellationToken);
        var assignment = viewer is null ? null : await book.FindAsync(courseId, assignmentId, viewer, cancellationToken);
        if (assignment is null)
        {
            return new IntakeResult(IntakeStatus.NotFound, "Deze opdracht bestaat niet.");
        }

        if (!viewer!.CanEdit)
        {
            return new IntakeResult(IntakeStatus.Forbidden, "Alleen de leerkrachten van dit vak voegen bijlagen toe.");
        }

        if (!IsMultipart(context.Request, out var boundary))
        {
            return new IntakeResult(IntakeStatus.BadRequest, "Stuur een formulier (multipart/form-data) met bestanden.");
        }

        return await ReadMultipartAsync(context, boundary, fromPage, _ => Task.FromResult<IntakeResult?>(null), async (_, files, reservationId) =>
        {
            if (files.Count == 0)
            {
                return new IntakeResult(IntakeStatus.BadRequest, "Kies minstens één bestand.", Field: "files");
            }

            var now = time.GetUtcNow().UtcDateTime;
            await CommitBlobsAsync(files, now, cancellationToken);
            var rows = AddFileRows(files, assignment, null, personId, now);
            await quota.ConsumeOnSaveAsync(reservationId, cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            return new IntakeResult(IntakeStatus.Created, Files: [.. rows.Select(FileView.Of)]);
        }, cancellationToken);
    }

    private async Task<IntakeResult?> ClosedAsync(Assignment assignment, Guid pupilId, DateTime arrivedAt, CancellationToken cancellationToken)
    {
        if (arrivedAt <= assignment.DueAt || assignment.AcceptsLate)
        {
            return null;
        }

        // Work sent back for revision may be handed in again after the deadline (it is marked late).
        var returned = await db.Set<AssignmentReview>().AnyAsync(
            r => r.AssignmentId == assignment.Id && r.PupilId == pupilId && r.Status == ReviewStatus.Returned, cancellationToken);
        if (returned)
        {
            return null;
        }

        LogRefused(logger, "deadline passed", assignment.Id, pupilId);
        return new IntakeResult(IntakeStatus.Closed,
            $"De deadline ({Lessons.SchoolTime.Format(assignment.DueAt)}) is voorbij en deze opdracht aanvaardt geen laattijdig werk. Er is niets opgeslagen; neem contact op met je leerkracht.");
    }

    private async Task<IntakeResult> SubmitJsonAsync(HttpContext context, Assignment assignment, Guid personId, string key, DateTime arrivedAt, CancellationToken cancellationToken)
    {
        if (context.Request.ContentLength > MaxJsonBytes)
        {
            return new IntakeResult(IntakeStatus.TooLarge, "Een tekst mag hoogstens 1 MB zijn; stuur bestanden als multipart/form-data.");
        }

        SubmissionText? body;
        try
        {
            body = await context.Request.ReadFromJsonAsync<SubmissionText>(cancellationToken);
        }
        catch (System.Text.Json.JsonException)
        {
            return new IntakeResult(IntakeStatus.BadRequest, "De JSON is ongeldig; verwacht {\"text\": \"...\"}.", Field: "text");
        }

        if (string.IsNullOrWhiteSpace(body?.Text))
        {
            return new IntakeResult(IntakeStatus.BadRequest, "De tekst is leeg.", Field: "text");
        }

        if (body.Text.Length > MaxTextLength)
        {
            return new IntakeResult(IntakeStatus.BadRequest, $"De tekst is te lang (hoogstens {MaxTextLength} tekens).", Field: "text");
        }

        return await RecordSubmissionAsync(assignment, personId, key, body.Text, [], null, arrivedAt, cancellationToken);
    }

    /// <summary>
    /// Reads a multipart body section by section. Fields are collected until the first file;
    /// then (or at the end, without files) the anti-forgery token of a page is checked and
    /// <paramref name="gate"/> may answer at once (a replay). Files are staged into the blob
    /// store's temp folder under a quota reservation; <paramref name="finish"/> records them.
    /// Whatever is not recorded is deleted and its reservation released.
    /// </summary>
    private async Task<IntakeResult> ReadMultipartAsync(
        HttpContext context,
        string boundary,
        bool fromPage,
        Func<IReadOnlyDictionary<string, string>, Task<IntakeResult?>> gate,
        Func<IReadOnlyDictionary<string, string>, IReadOnlyList<IncomingFile>, Guid, Task<IntakeResult>> finish,
        CancellationToken cancellationToken)
    {
        var request = context.Request;
        var maxFileBytes = options.Value.MaxFileBytes;
        // Pages and JSON are held to 10 MB (Kestrel's limit in SchoolbelApp); a hand-in may carry
        // files: up to one file's limit in all, plus room for the fields. Each file is checked on its own too.
        if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxFileBytes + (1024 * 1024);
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var files = new List<IncomingFile>();
        var reservation = await quota.TryReserveAsync(Guid.CreateVersion7(), request.ContentLength ?? 0, cancellationToken);
        if (reservation is null)
        {
            return new IntakeResult(IntakeStatus.TooLarge, "De opslag van de school is vol. Vraag je leerkracht of de school om hulp.");
        }

        var consumed = false;
        try
        {
            // A body of unknown size grows its reservation as it arrives, as a document upload's does.
            var body = request.ContentLength is null ? new QuotaMeteredStream(request.Body, quota, reservation, maxFileBytes) : request.Body;
            var reader = new MultipartReader(boundary, body) { HeadersCountLimit = 16, HeadersLengthLimit = 16 * 1024 };
            var gated = false;
            async Task<IntakeResult?> PassGateAsync()
            {
                gated = true;
                if (fromPage)
                {
                    // The token arrived as the form's first field; antiforgery reads it from the header, so the body is not read twice.
                    if (!fields.TryGetValue(TokenField, out var token))
                    {
                        return new IntakeResult(IntakeStatus.BadRequest, "Het formulier is verlopen; laad de pagina opnieuw.");
                    }

                    request.Headers["X-CSRF-TOKEN"] = token;
                    if (!await antiforgery.IsRequestValidAsync(context))
                    {
                        return new IntakeResult(IntakeStatus.BadRequest, "Het formulier is verlopen; laad de pagina opnieuw.");
                    }
                }

                return await gate(fields);
            }

            MultipartSection? section;
            while ((section = await reader.ReadNextSectionAsync(cancellationToken)) is not null)
            {
                var disposition = section.GetContentDispositionHeader();
                if (disposition is null)
                {
                    continue;
                }

                if (disposition.IsFileDisposition())
                {
                    var fileName = disposition.FileName.HasValue ? disposition.FileName.Value : disposition.FileNameStar.Value;
                    if (string.IsNullOrEmpty(fileName))
                    {
                        // An empty file input: browsers send the part without a name.
                        await section.Body.CopyToAsync(Stream.Null, cancellationToken);
                        continue;
                    }

                    if (!gated && await PassGateAsync() is { } early)
                    {
                        return early;
                    }

                    if (FileNames.Problem(fileName) is { } problem)
                    {
                        return new IntakeResult(IntakeStatus.BadRequest, problem, Field: "files");
                    }

                    if (files.Count == MaxFiles)
                    {
                        return new IntakeResult(IntakeStatus.BadRequest, $"Hoogstens {MaxFiles} bestanden per keer.", Field: "files");
                    }

                    StagedBlob staged;
                    try
                    {
                        staged = await store.StageAsync(section.Body, maxFileBytes, cancellationToken);
                    }
                    catch (BlobTooLargeException)
                    {
                        return new IntakeResult(IntakeStatus.TooLarge, $"{fileName} is te groot: een bestand mag hoogstens {DocumentUploads.Size(maxFileBytes)} zijn.", Field: "files");
                    }

                    var sniffed = FileSniffer.Sniff(staged.Head.Span, fileName);
                    files.Add(new IncomingFile(fileName, staged, sniffed));
                    if (!sniffed.Allowed)
                    {
                        LogUnsupported(logger, fileName, context.User.PersonId());
                        return new IntakeResult(IntakeStatus.UnsupportedType, $"{fileName}: dit soort bestand (een programma) kan je niet indienen.", Field: "files");
                    }
                }
                else if (disposition.IsFormDisposition())
                {
                    var name = disposition.Name.Value ?? "";
                    var value = await ReadFieldAsync(section.Body, cancellationToken);
                    if (value is null)
                    {
                        return new IntakeResult(IntakeStatus.BadRequest, $"Het veld {name} is te lang (hoogstens {MaxTextLength} tekens).", Field: name);
                    }

                    fields[name] = value;
                }
            }

            if (!gated && await PassGateAsync() is { } late)
            {
                return late;
            }

            var result = await finish(fields, files, reservation.Id);
            consumed = result.Status == IntakeStatus.Created;
            return result;
        }
        catch (StorageQuotaExceededException)
        {
            return new IntakeResult(IntakeStatus.TooLarge, "De opslag van de school is vol. Vraag je leerkracht of de school om hulp.");
        }
        catch (InvalidDataException e)
        {
            // A malformed multipart body (bad boundary, headers too long): the client's fault.
            LogMalformed(logger, e.Message);
            return new IntakeResult(IntakeStatus.BadRequest, "Het formulier kon niet gelezen worden.");
        }
        finally
        {
            foreach (var file in files)
            {
                file.Blob.Dispose();
            }

            if (!consumed)
            {
                await quota.ReleaseAsync(reservation.Id);
            }
        }
    }

    /// <summary>
    /// Records a hand-in: blobs first (committed under their hash, like document versions), then
    /// the submission, its files and the quota hand-over in one transaction. Two hand-ins with
    /// the same key at once: the unique index lets one win and the other answers with its receipt.
    /// </summary>
    private async Task<IntakeResult> RecordSubmissionAsync(
        Assignment assignment, Guid pupilId, string key, string? text, IReadOnlyList<IncomingFile> files, Guid? reservationId, DateTime arrivedAt, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await CommitBlobsAsync(files, now, cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            var number = 1 + (await db.Set<Submission>().Where(s => s.AssignmentId == assignment.Id && s.PupilId == pupilId)
                .MaxAsync(s => (int?)s.Number, cancellationToken) ?? 0);
            var submission = new Submission
            {
                SchoolId = assignment.SchoolId,
                AssignmentId = assignment.Id,
                PupilId = pupilId,
                Number = number,
                Text = string.IsNullOrWhiteSpace(text) ? null : text,
                SubmittedAt = arrivedAt,
                IsLate = arrivedAt > assignment.DueAt,
                IdempotencyKey = key,
            };
            db.Add(submission);
            var rows = AddFileRows(files, assignment, submission.Id, pupilId, now);
            if (reservationId is { } id)
            {
                await quota.ConsumeOnSaveAsync(id, cancellationToken);
            }

            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException) when (attempt < 3)
            {
                db.ChangeTracker.Clear();
                if (await ReceiptByKeyAsync(assignment.Id, pupilId, key, cancellationToken) is { } earlier)
                {
                    return new IntakeResult(IntakeStatus.Replayed, Receipt: earlier);
                }

                // Another hand-in took this number at the same moment: take the next one.
                continue;
            }

            cache.Invalidate(HotTags.Person(pupilId));
            LogSubmitted(logger, submission.Id, assignment.Id, pupilId, number, rows.Count, submission.IsLate);
            return new IntakeResult(IntakeStatus.Created, Receipt: Receipt.Of(submission, rows));
        }
    }

    /// <summary>
    /// Blob rows and bytes first, each saved on its own (as for document versions): the bytes are
    /// in place before any row points at them, and nothing else is pending in the context yet.
    /// </summary>
    private async Task CommitBlobsAsync(IReadOnlyList<IncomingFile> files, DateTime now, CancellationToken cancellationToken)
    {
        foreach (var file in files)
        {
            await BlobRecords.TouchOrAddAsync(db, file.Blob, file.Type.ContentType, now, cancellationToken);
            await store.CommitAsync(file.Blob, cancellationToken);
        }
    }

    private List<AssignmentFile> AddFileRows(IReadOnlyList<IncomingFile> files, Assignment assignment, Guid? submissionId, Guid personId, DateTime now)
    {
        var rows = files.Select(file => new AssignmentFile
        {
            SchoolId = assignment.SchoolId,
            AssignmentId = assignment.Id,
            SubmissionId = submissionId,
            FileName = file.FileName,
            BlobHash = file.Blob.Hash,
            Length = file.Blob.Length,
            ContentType = file.Type.ContentType,
            CreatedAt = now,
            CreatedBy = personId,
        }).ToList();
        db.AddRange(rows);
        return rows;
    }

    private async Task<Receipt?> ReceiptByKeyAsync(Guid assignmentId, Guid pupilId, string key, CancellationToken cancellationToken)
    {
        var submission = await db.Set<Submission>().AsNoTracking()
            .FirstOrDefaultAsync(s => s.AssignmentId == assignmentId && s.PupilId == pupilId && s.IdempotencyKey == key, cancellationToken);
        if (submission is null)
        {
            return null;
        }

        var files = await db.Set<AssignmentFile>().AsNoTracking().Where(f => f.SubmissionId == submission.Id).OrderBy(f => f.FileName).ToListAsync(cancellationToken);
        return Receipt.Of(submission, files);
    }

    /// <summary>The receipt of one hand-in, for the pupil who made it, their parents and the course's staff.</summary>
    public async Task<Receipt?> ReceiptAsync(Guid courseId, Guid assignmentId, Guid submissionId, CourseViewer viewer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(viewer);
        var assignment = await book.FindAsync(courseId, assignmentId, viewer, cancellationToken);
        if (assignment is null)
        {
            return null;
        }

        var submission = await db.Set<Submission>().AsNoTracking().FirstOrDefaultAsync(s => s.Id == submissionId && s.AssignmentId == assignmentId, cancellationToken);
        if (submission is null || !(await book.VisiblePupilsAsync(assignment, viewer, cancellationToken)).Contains(submission.PupilId))
        {
            return null;
        }

        var files = await db.Set<AssignmentFile>().AsNoTracking().Where(f => f.SubmissionId == submission.Id).OrderBy(f => f.FileName).ToListAsync(cancellationToken);
        return Receipt.Of(submission, files);
    }

    private static string? KeyProblem(string? key) =>
        string.IsNullOrWhiteSpace(key) ? "Een idempotentiesleutel (Idempotency-Key) is verplicht: een willekeurige tekst per inzending, dezelfde bij een nieuwe poging."
        : key.Length > MaxKeyLength || key.Any(c => c < 0x21 || c > 0x7e) ? $"De idempotentiesleutel is hoogstens {MaxKeyLength} zichtbare ASCII-tekens."
        : null;

    private static bool IsMultipart(HttpRequest request, out string boundary)
    {
        boundary = "";
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
            || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value ?? "";
        return boundary.Length is > 0 and <= 200;
    }

    /// <summary>A form field's text, or null when it is longer than <see cref="MaxTextLength"/> characters.</summary>
    private static async Task<string?> ReadFieldAsync(Stream body, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(body, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true);
        var text = new StringBuilder();
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer, cancellationToken)) > 0)
        {
            text.Append(buffer, 0, read);
            if (text.Length > MaxTextLength)
            {
                return null;
            }
        }

        return text.ToString();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Hand-in refused ({Reason}) for assignment {AssignmentId} by {PersonId}")]
    private static partial void LogRefused(ILogger logger, string reason, Guid assignmentId, Guid personId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Assignment upload refused: {FileName} is a program, by {PersonId}")]
    private static partial void LogUnsupported(ILogger logger, string fileName, Guid personId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Malformed multipart body: {Reason}")]
    private static partial void LogMalformed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Submission {SubmissionId} (number {Number}, {Files} file(s), late {Late}) for assignment {AssignmentId} by {PupilId}")]
    private static partial void LogSubmitted(ILogger logger, Guid submissionId, Guid assignmentId, Guid pupilId, int number, int files, bool late);
}

/// <summary>A file that arrived, staged and sniffed, not yet recorded.</summary>
internal sealed record IncomingFile(string FileName, StagedBlob Blob, SniffedType Type);

/// <summary>The JSON body of a text-only hand-in through the API.</summary>
public sealed record SubmissionText(string? Text);

/// <summary>Blob rows for bytes an assignment upload brings, as document uploads keep them.</summary>
internal static class BlobRecords
{
    /// <summary>
    /// Renews the row of these bytes or adds it, before the file is committed: from then on the
    /// collector leaves the bytes alone for its grace period.
    /// </summary>
    public static async Task TouchOrAddAsync(SchoolbelDb db, StagedBlob staged, string contentType, DateTime now, CancellationToken cancellationToken)
    {
        var touched = await db.Set<Blob>().Where(b => b.Hash == staged.Hash)
            .ExecuteUpdateAsync(s => s.SetProperty(b => b.LastUsedAt, now), cancellationToken);
        if (touched > 0)
        {
            return;
        }

        // Its own context entry, saved at once: it must exist before the bytes are committed.
        var blob = new Blob { Hash = staged.Hash, Length = staged.Length, ContentType = contentType, LastUsedAt = now };
        db.Add(blob);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // The same bytes arrived elsewhere at the same moment; their row serves us too.
            db.Entry(blob).State = EntityState.Detached;
            if (!await db.Set<Blob>().AnyAsync(b => b.Hash == staged.Hash, cancellationToken))
            {
                throw;
            }
        }
    }
}
