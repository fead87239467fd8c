using Microsoft.Extensions.Options;
using System.Security.Cryptography;

namespace Schoolbel.Server.Storage;

/// <summary>
/// Immutable bytes addressed by their SHA-256 (lowercase hex). Uploads are first staged in a
/// temp file while they are hashed, then committed under their hash; the same content is kept
/// once however many documents use it.
/// </summary>
public interface IBlobStore
{
    /// <summary>
    /// Copies <paramref name="source"/> to a temp file while hashing it and keeping its first
    /// bytes for sniffing. Throws <see cref="BlobTooLargeException"/> (and deletes the temp
    /// file) as soon as more than <paramref name="maxBytes"/> arrive.
    /// </summary>
    Task<StagedBlob> StageAsync(Stream source, long maxBytes, CancellationToken cancellationToken);

    /// <summary>Moves a staged file to its content address (or drops it when that content is already stored).</summary>
    Task CommitAsync(StagedBlob staged, CancellationToken cancellationToken);

    /// <summary>A local file to send with zero copy, or null when the store is remote.</summary>
    string? LocalPath(string hash);

    /// <summary>Opens the bytes of a stored blob (for remote stores; local ones use <see cref="LocalPath"/>). A missing blob throws <see cref="FileNotFoundException"/>.</summary>
    Task<Stream> OpenReadAsync(string hash, CancellationToken cancellationToken);

    Task<bool> ExistsAsync(string hash, CancellationToken cancellationToken);

    Task DeleteAsync(string hash, CancellationToken cancellationToken);

    /// <summary>The folder for temp files; on the same file system as the blobs.</summary>
    string StagingFolder { get; }
}

/// <summary>Bytes written to a temp file and hashed, waiting to be committed or discarded.</summary>
public sealed class StagedBlob(string tempPath, string hash, long length, byte[] head) : IDisposable
{
    public string TempPath { get; } = tempPath;

    /// <summary>SHA-256, 64 lowercase hex characters.</summary>
    public string Hash { get; } = hash;

    public long Length { get; } = length;

    /// <summary>The first bytes (up to <see cref="FileSniffer.HeadLength"/>) for content sniffing.</summary>
    public ReadOnlyMemory<byte> Head { get; } = head;

    /// <summary>Removes the temp file if it is still there (a rejected or failed upload leaves nothing behind).</summary>
    public void Dispose()
    {
        try
        {
            File.Delete(TempPath);
        }
        catch (IOException)
        {
            // Still open elsewhere: the collector removes stale temp files later.
        }
    }
}

/// <summary>The upload is larger than allowed; nothing was kept.</summary>
public sealed class BlobTooLargeException : Exception
{
    public BlobTooLargeException()
    {
    }

    public BlobTooLargeException(string message)
        : base(message)
    {
    }

    public BlobTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Staging shared by every store: stream to a temp file, hash on the way, keep the head.</summary>
internal static class BlobStaging
{
    // 80 KB stays under the large object heap threshold and matches what Kestrel hands over per read.
    private const int BufferSize = UploadBandwidth.MaxRead;

    public static bool IsHash(string value) =>
        value.Length == 64 && value.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    /// <remarks>
    /// The request thread only reads from the network; hashing and writing each buffer run on
    /// <see cref="UploadWorkers"/> at a lower OS priority, one buffer behind the read, so an
    /// upload goes at full speed on an idle machine and yields the cores to page and download
    /// threads on a busy one.
    /// </remarks>
    public static async Task<StagedBlob> StageAsync(string folder, Stream source, long maxBytes, UploadBandwidth bandwidth, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        var tempPath = Path.Combine(folder, Guid.NewGuid().ToString("N") + ".part");
        var head = new byte[FileSniffer.HeadLength];
        var headLength = 0;
        long length = 0;
        var pool = System.Buffers.ArrayPool<byte>.Shared;
        byte[][] buffers = [pool.Rent(BufferSize), pool.Rent(BufferSize)];
        var current = 0;
        Task? pending = null;
        var completed = false;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var file = File.OpenHandle(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        try
        {
            int read;
            while ((read = await source.ReadAsync(buffers[current].AsMemory(0, BufferSize), cancellationToken)) > 0)
            {
                length += read;
                if (length > maxBytes)
                {
                    throw new BlobTooLargeException($"The file is larger than {maxBytes} bytes.");
                }

                // The node's upload budget: past it, stop reading and let TCP hold the sender back.
                await bandwidth.TakeAsync(read, cancellationToken);
                var buffer = buffers[current];
                if (headLength < head.Length)
                {
                    var take = Math.Min(read, head.Length - headLength);
                    buffer.AsSpan(0, take).CopyTo(head.AsSpan(headLength));
                    headLength += take;
                }

                if (pending is not null)
                {
                    await pending;
                }

                var (count, offset) = (read, length - read);
                pending = UploadWorkers.Run(() =>
                {
                    hash.AppendData(buffer, 0, count);
                    RandomAccess.Write(file, buffer.AsSpan(0, count), offset);
                }, cancellationToken);
                current ^= 1;
            }

            if (pending is not null)
            {
                await pending;
            }

            completed = true;
            return new StagedBlob(tempPath, Convert.ToHexStringLower(hash.GetHashAndReset()), length, head[..headLength]);
        }
        finally
        {
            // The worker may still use a buffer (and the file) when the read failed: wait for it first.
            if (pending is { IsCompleted: false })
            {
                try
                {
                    await pending;
                }
                catch (Exception e) when (e is IOException or OperationCanceledException)
                {
                    // The upload failed anyway; the temp file goes below.
                }
            }

            file.Dispose();
            pool.Return(buffers[0]);
            pool.Return(buffers[1]);
            if (!completed)
            {
                File.Delete(tempPath);
            }
        }
    }

    /// <summary>Hashes a file already on disk (a finished resumable upload).</summary>
    public static async Task<StagedBlob> FromFileAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.SequentialScan);
        // Up to 2 GB of hashing: at low priority, like a streamed upload's (see UploadWorkers).
        var hash = await UploadWorkers.Run(() => SHA256.HashData(file), cancellationToken);
        file.Position = 0;
        var head = new byte[FileSniffer.HeadLength];
        var headLength = await file.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
        return new StagedBlob(path, Convert.ToHexStringLower(hash), file.Length, head[..headLength]);
    }
}

/// <summary>Picks the configured store.</summary>
public static class BlobStores
{
    /// <param name="bandwidth">The node's upload budget; <see cref="UploadBandwidth.Unlimited"/> when null (seeding, tools).</param>
    public static IBlobStore Create(IOptions<StorageOptions> options, UploadBandwidth? bandwidth = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        bandwidth ??= UploadBandwidth.Unlimited;
        return options.Value.Provider == "S3" ? new S3BlobStore(options, bandwidth) : new DiskBlobStore(options, bandwidth);
    }
}
