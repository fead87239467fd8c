using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using Microsoft.Win32.SafeHandles;
using Schoolbel.Server.Storage;

namespace Schoolbel.Server.Documents;

/// <summary>
/// Writes the answer for a version someone may download, for the full path and the fast path
/// alike. The header values of a version are made once and kept with it (a version never
/// changes). A revalidation whose ETag matches is answered from those alone, without touching
/// the file system. A plain GET (the common case) streams the file straight into Kestrel's
/// output pipe; ranges, If-Range and the rarer preconditions go through ASP.NET Core's file
/// result, which implements them fully. A blob missing from the store is a clear 503, logged.
/// </summary>
public sealed partial class DownloadResponder(IBlobStore store, IOptions<StorageOptions> options, ILogger<DownloadResponder> logger)
{
    /// <summary>
    /// Bytes per read into the output pipe. Kestrel pauses the writer at 64 KB buffered
    /// (MaxResponseBufferSize), so bigger reads would only wait longer.
    /// </summary>
    private const int ChunkSize = 64 * 1024;

    private static readonly StringValues Immutable = DocumentDownloads.ImmutableCacheControl;
    private static readonly StringValues Revalidate = DocumentDownloads.RevalidateCacheControl;
    private static readonly StringValues Bytes = "bytes";

    private readonly ConditionalWeakTable<DownloadTarget, DownloadHeaders> _prepared = [];
    private readonly string? _accelPrefix = options.Value.AccelRedirectPrefix is { Length: > 0 } prefix ? prefix : null;

    public Task WriteAsync(HttpContext context, DownloadTarget target, bool versioned)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(target);
        var prepared = Prepare(target);
        var request = context.Request.Headers;
        var headers = context.Response.Headers;
        headers.CacheControl = versioned ? Immutable : Revalidate;
        headers.ContentDisposition = prepared.ContentDisposition;
        headers.ETag = prepared.QuotedHash;

        // If-Match and If-Unmodified-Since come before If-None-Match (RFC 9110 13.2.2); the file result does them.
        var plain = request.IfMatch.Count == 0 && request.IfUnmodifiedSince.Count == 0;
        var ifNoneMatch = request.IfNoneMatch;
        if (plain && ifNoneMatch.Count > 0 && Matches(ifNoneMatch, prepared.QuotedHash))
        {
            if (prepared.AccelRedirect is null)
            {
                headers.LastModified = prepared.LastModified;
            }

            context.Response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        if (prepared.AccelRedirect is { } accel)
        {
            // nginx in front sends the bytes (sendfile, ranges); revalidations ended above.
            headers["X-Accel-Redirect"] = accel;
            headers.ContentType = prepared.ContentType;
            return Task.CompletedTask;
        }

        if (prepared.LocalPath is null)
        {
            return SendRemoteAsync(context, prepared);
        }

        // If-Modified-Since counts only without If-None-Match (RFC 9110 13.1.3).
        var whole = plain && request.Range.Count == 0 && request.IfRange.Count == 0 && (ifNoneMatch.Count > 0 || request.IfModifiedSince.Count == 0);
        return whole ? SendWholeAsync(context, prepared) : SendWithFileResultAsync(context, prepared);
    }

    /// <summary>The header values of a version, made on first use and kept as long as the version's cache entry lives.</summary>
    internal DownloadHeaders Prepare(DownloadTarget target) =>
        _prepared.TryGetValue(target, out var prepared) ? prepared : _prepared.GetValue(target, Create);

    /// <summary>Weak comparison, as If-None-Match wants: <c>W/"x"</c> matches <c>"x"</c>; <c>*</c> matches anything.</summary>
    private static bool Matches(StringValues ifNoneMatch, string quotedHash)
    {
        foreach (var value in ifNoneMatch)
        {
            if (value is not null && (value.Contains(quotedHash, StringComparison.Ordinal) || value.AsSpan().Trim().SequenceEqual("*")))
            {
                return true;
            }
        }

        return false;
    }

    private DownloadHeaders Create(DownloadTarget target)
    {
        var local = store.LocalPath(target.BlobHash);
        var accel = _accelPrefix is not null && local is not null
            ? $"{_accelPrefix}{target.BlobHash[..2]}/{target.BlobHash[2..4]}/{target.BlobHash}"
            : null;
        return new DownloadHeaders(target, local, accel);
    }

    private async Task SendWholeAsync(HttpContext context, DownloadHeaders prepared)
    {
        SafeFileHandle file;
        try
        {
            // Synchronous reads: a document opened by a class at once sits in the page cache, and
            // a read from there is a memory copy; async file I/O on Linux would only add a hop
            // through the thread pool for each read.
            file = File.OpenHandle(prepared.LocalPath!, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            await AnswerMissingAsync(context, prepared, e);
            return;
        }

        using (file)
        {
            var response = context.Response;
            response.ContentType = prepared.ContentType;
            response.ContentLength = prepared.Target.Length;
            response.Headers.LastModified = prepared.LastModified;
            response.Headers.AcceptRanges = Bytes;
            if (HttpMethods.IsHead(context.Request.Method))
            {
                return;
            }

            await CopyAsync(file, prepared.Target.Length, response.BodyWriter, context.RequestAborted);
        }
    }

    /// <summary>Reads the file straight into the output pipe's memory: one copy fewer than a stream copy through a buffer.</summary>
    private static async Task CopyAsync(SafeFileHandle file, long length, PipeWriter output, CancellationToken cancellationToken)
    {
        long offset = 0;
        try
        {
            while (offset < length)
            {
                var memory = output.GetMemory((int)Math.Min(ChunkSize, length - offset));
                var wanted = (int)Math.Min(memory.Length, length - offset);
                var read = RandomAccess.Read(file, memory.Span[..wanted], offset);
                if (read == 0)
                {
                    // Kestrel aborts the connection: the client sees a cut-off download, not wrong bytes.
                    throw new IOException("The blob file is shorter than its document version says.");
                }

                output.Advance(read);
                offset += read;
                var flushed = await output.FlushAsync(cancellationToken);
                if (flushed.IsCompleted || flushed.IsCanceled)
                {
                    return; // the client went away
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away mid-download: nothing to answer any more.
        }
    }

    private async Task SendWithFileResultAsync(HttpContext context, DownloadHeaders prepared)
    {
        // Range (206/416), If-Range, If-Modified-Since and friends, HEAD: all as ASP.NET Core's file
        // result does them (it looks at the file once: its length and time).
        var result = TypedResults.PhysicalFile(prepared.LocalPath!, prepared.ContentType, lastModified: prepared.LastModifiedAt,
            entityTag: prepared.EntityTag, enableRangeProcessing: true);
        try
        {
            await result.ExecuteAsync(context);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException && !context.Response.HasStarted)
        {
            await AnswerMissingAsync(context, prepared, e);
        }
    }

    private async Task SendRemoteAsync(HttpContext context, DownloadHeaders prepared)
    {
        Stream stream;
        try
        {
            stream = await store.OpenReadAsync(prepared.Target.BlobHash, context.RequestAborted);
        }
        catch (FileNotFoundException e)
        {
            await AnswerMissingAsync(context, prepared, e);
            return;
        }

        await TypedResults.Stream(stream, prepared.ContentType, lastModified: prepared.LastModifiedAt, entityTag: prepared.EntityTag).ExecuteAsync(context);
    }

    /// <summary>
    /// The database knows the version but the store has no bytes for it (a lost file, an unmounted
    /// volume): the server's fault, not the person's, so a 503 that says so and an error in the log
    /// for the operator. Not a 404: the document exists, and caches must not remember it as gone.
    /// </summary>
    private async Task AnswerMissingAsync(HttpContext context, DownloadHeaders prepared, Exception exception)
    {
        LogBlobMissing(logger, exception, prepared.Target.BlobHash);
        var response = context.Response;
        response.Headers.Remove(HeaderNames.ContentDisposition);
        response.Headers.Remove(HeaderNames.ETag);
        response.Headers.Remove(HeaderNames.LastModified);
        response.Headers.Remove(HeaderNames.AcceptRanges);
        response.Headers.CacheControl = "no-store";
        response.ContentLength = null;
        await TypedResults.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "Document unavailable",
            detail: "Het bestand van dit document is nu niet beschikbaar. Probeer het later opnieuw; blijft dit zo, meld het dan aan je school.")
            .ExecuteAsync(context);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The blob {BlobHash} of a document version is missing from the store; answered 503")]
    private static partial void LogBlobMissing(ILogger logger, Exception exception, string blobHash);
}

/// <summary>The header values of one version, made once: a version (and so all of this) never changes.</summary>
internal sealed class DownloadHeaders
{
    public DownloadHeaders(DownloadTarget target, string? localPath, string? accelRedirect)
    {
        Target = target;
        LocalPath = localPath;
        AccelRedirect = accelRedirect;
        QuotedHash = $"\"{target.BlobHash}\"";
        EntityTag = new EntityTagHeaderValue(QuotedHash);
        ContentType = target.ContentType.StartsWith("text/", StringComparison.Ordinal) ? target.ContentType + "; charset=utf-8" : target.ContentType;
        var disposition = new ContentDispositionHeaderValue(SniffedType.IsInline(target.ContentType) ? "inline" : "attachment");
        disposition.SetHttpFileName(target.FileName);
        ContentDisposition = disposition.ToString();
        LastModifiedAt = new DateTimeOffset(DateTime.SpecifyKind(target.CreatedAt, DateTimeKind.Utc));
        LastModified = HeaderUtilities.FormatDate(LastModifiedAt);
    }

    public DownloadTarget Target { get; }

    /// <summary>The blob's file when the store is on this machine's disk (or a mounted volume).</summary>
    public string? LocalPath { get; }

    /// <summary>The X-Accel-Redirect target when nginx in front sends the bytes.</summary>
    public string? AccelRedirect { get; }

    public string QuotedHash { get; }

    public EntityTagHeaderValue EntityTag { get; }

    public string ContentType { get; }

    public string ContentDisposition { get; }

    public DateTimeOffset LastModifiedAt { get; }

    public string LastModified { get; }
}
