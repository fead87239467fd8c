using System.IO.Compression;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;
using Schoolbel.Server.Courses;
using Schoolbel.Server.Data;
using Schoolbel.Server.People;
using Schoolbel.Server.SignIn;
using Schoolbel.Server.Storage;

namespace Schoolbel.Server.Assignments;

/// <summary>
/// Serves assignment files: attachments to everyone who gets the assignment, hand-ins to the
/// pupil who made them, their parents and the course's staff; 404 for anyone else. Hand-ins are
/// always sent as downloads (attachment), never shown inline: they are pupils' files.
/// The staff's "everything at once" is a zip written straight to the response, entry by entry.
/// </summary>
public sealed partial class AssignmentFiles(SchoolbelDb db, CourseAccess access, AssignmentBook book, IBlobStore store, ILogger<AssignmentFiles> logger)
{
    public async Task<IResult> ServeAsync(HttpContext context, Guid assignmentId, Guid fileId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var file = await db.Set<AssignmentFile>().AsNoTracking().FirstOrDefaultAsync(f => f.Id == fileId && f.AssignmentId == assignmentId, cancellationToken);
        var courseId = file is null ? null : await db.Set<Assignment>().Where(a => a.Id == assignmentId).Select(a => (Guid?)a.CourseId).FirstOrDefaultAsync(cancellationToken);
        var personId = context.User.PersonId();
        var viewer = courseId is null ? null : await access.ViewerAsync(courseId.Value, personId, context.User.Role() ?? PersonRole.Pupil, cancellationToken);
        var assignment = viewer is null ? null : await book.FindAsync(courseId!.Value, assignmentId, viewer, cancellationToken);
        if (assignment is null || file is null || !await MaySeeAsync(file, assignment, viewer!, cancellationToken))
        {
            LogNotFound(logger, assignmentId, fileId, personId);
            return TypedResults.NotFound();
        }

        var headers = context.Response.Headers;
        headers.CacheControl = "private, max-age=31536000, immutable";
        var disposition = new ContentDispositionHeaderValue(file.SubmissionId is null && SniffedType.IsInline(file.ContentType) ? "inline" : "attachment");
        disposition.SetHttpFileName(file.FileName);
        headers.ContentDisposition = disposition.ToString();
        var etag = new EntityTagHeaderValue($"\"{file.BlobHash}\"");
        if (store.LocalPath(file.BlobHash) is { } path)
        {
            return TypedResults.PhysicalFile(path, file.ContentType, entityTag: etag, enableRangeProcessing: true);
        }

        return TypedResults.Stream(await store.OpenReadAsync(file.BlobHash, cancellationToken), file.ContentType, entityTag: etag);
    }

    private async Task<bool> MaySeeAsync(AssignmentFile file, Assignment assignment, CourseViewer viewer, CancellationToken cancellationToken)
    {
        if (file.SubmissionId is not { } submissionId || viewer.CanEdit)
        {
            return true;
        }

        var pupil = await db.Set<Submission>().Where(s => s.Id == submissionId).Select(s => s.PupilId).FirstAsync(cancellationToken);
        return (await book.VisiblePupilsAsync(assignment, viewer, cancellationToken)).Contains(pupil);
    }

    /// <summary>
    /// Every hand-in of the assignment as one zip: a folder per pupil, in it a folder per hand-in
    /// (number, "te laat" when late) with its text (tekst.txt) and files. Written to the response
    /// as it is read from the store, so memory stays flat however large the class's work is.
    /// </summary>
    public async Task<IResult> ZipAsync(HttpContext context, Guid courseId, Guid assignmentId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var viewer = await access.ViewerAsync(courseId, context.User.PersonId(), context.User.Role() ?? PersonRole.Pupil, cancellationToken);
        var assignment = viewer is null ? null : await book.FindAsync(courseId, assignmentId, viewer, cancellationToken);
        if (assignment is null)
        {
            return TypedResults.NotFound();
        }

        if (!viewer!.CanEdit)
        {
            return TypedResults.Forbid();
        }

        var pupils = await book.VisiblePupilsAsync(assignment, viewer, cancellationToken);
        var work = await book.WorkAsync(assignment, pupils, staff: true, cancellationToken);
        var name = ZipNames.Clean(assignment.Title);
        return new ZipResult(name + ".zip", async (body, ct) =>
        {
            var archive = await ZipArchive.CreateAsync(body, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: null, ct);
            await using (archive)
            {
                foreach (var pupil in work)
                {
                    var pupilFolder = ZipNames.Clean(pupil.Name) + "/";
                    foreach (var submission in pupil.Submissions)
                    {
                        var folder = pupilFolder + $"inzending-{submission.Number}" + (submission.IsLate ? " (te laat)" : "") + "/";
                        if (submission.Text is { } text)
                        {
                            var entry = archive.CreateEntry(folder + "tekst.txt", CompressionLevel.Fastest);
                            entry.LastWriteTime = submission.SubmittedAt;
                            await using var writer = await entry.OpenAsync(ct);
                            await writer.WriteAsync(System.Text.Encoding.UTF8.GetBytes(text), ct);
                        }

                        var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                        foreach (var file in submission.Files)
                        {
                            var entryName = ZipNames.Unique(used, ZipNames.Clean(file.FileName));
                            // Already compressed formats (pdf, images, office files) gain nothing from a second pass.
                            var entry = archive.CreateEntry(folder + entryName, CompressionLevel.Fastest);
                            entry.LastWriteTime = submission.SubmittedAt;
                            await using var target = await entry.OpenAsync(ct);
                            await using var source = await store.OpenReadAsync(file.Sha256, ct);
                            await source.CopyToAsync(target, ct);
                        }
                    }
                }
            }
        });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Assignment file {FileId} of {AssignmentId} not found for {PersonId}")]
    private static partial void LogNotFound(ILogger logger, Guid assignmentId, Guid fileId, Guid personId);
}

/// <summary>Names inside a zip: no paths, no characters Windows refuses, never twice the same in a folder.</summary>
internal static class ZipNames
{
    public static string Clean(string name)
    {
        var invalid = new HashSet<char>(Path.GetInvalidFileNameChars()) { '/', '\\', ':', '*', '?', '"', '<', '>', '|' };
        var cleaned = new string([.. name.Select(c => invalid.Contains(c) || char.IsControl(c) ? '_' : c)]).Trim().TrimEnd('.');
        return cleaned.Length == 0 ? "_" : cleaned.Length > 120 ? cleaned[..120] : cleaned;
    }

    public static string Unique(HashSet<string> used, string name)
    {
        var candidate = name;
        for (var i = 2; !used.Add(candidate); i++)
        {
            candidate = $"{Path.GetFileNameWithoutExtension(name)} ({i}){Path.GetExtension(name)}";
        }

        return candidate;
    }
}

/// <summary>A zip streamed to the response body by <paramref name="write"/>; nothing is buffered.</summary>
internal sealed class ZipResult(string fileName, Func<Stream, CancellationToken, Task> write) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var response = httpContext.Response;
        response.ContentType = "application/zip";
        var disposition = new ContentDispositionHeaderValue("attachment");
        disposition.SetHttpFileName(fileName);
        response.Headers.ContentDisposition = disposition.ToString();
        response.Headers.CacheControl = "private, no-store";
        await using var body = new AsyncFlushingStream(response.Body);
        await write(body, httpContext.RequestAborted);
        await body.FlushAsync(httpContext.RequestAborted);
    }
}

/// <summary>
/// Lets <see cref="ZipArchive"/> write to a response body that only takes asynchronous writes.
/// The archive finishes an entry's compressed stream with a small synchronous write when it is
/// disposed (even through DisposeAsync, as of .NET 10); those few bytes wait here and go out,
/// in order, with the next asynchronous write or flush. Everything else passes straight through.
/// </summary>
internal sealed class AsyncFlushingStream(Stream inner) : Stream
{
    private readonly MemoryStream _pending = new();
    private long _position;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        _pending.Write(buffer, offset, count);
        _position += count;
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _pending.Write(buffer);
        _position += buffer.Length;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await SendPendingAsync(cancellationToken);
        await inner.WriteAsync(buffer, cancellationToken);
        _position += buffer.Length;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        await SendPendingAsync(cancellationToken);
        await inner.FlushAsync(cancellationToken);
    }

    // Nothing to do synchronously: pending bytes go out with the next asynchronous write or flush.
    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        await SendPendingAsync(CancellationToken.None);
        await _pending.DisposeAsync();
        await base.DisposeAsync();
    }

    private async Task SendPendingAsync(CancellationToken cancellationToken)
    {
        if (_pending.Length > 0)
        {
            await inner.WriteAsync(_pending.GetBuffer().AsMemory(0, (int)_pending.Length), cancellationToken);
            _pending.SetLength(0);
        }
    }
}
