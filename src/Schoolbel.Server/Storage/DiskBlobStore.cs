using Microsoft.Extensions.Options;

namespace Schoolbel.Server.Storage;

/// <summary>
/// Blobs as files under <c>{Root}/blobs/ab/cd/abcd…</c>; temp files under <c>{Root}/tmp</c>, on the
/// same file system, so that committing is a rename and a half-written file never carries a hash name.
/// </summary>
internal sealed class DiskBlobStore : IBlobStore
{
    private readonly string _blobs;
    private readonly UploadBandwidth _bandwidth;

    public DiskBlobStore(IOptions<StorageOptions> options, UploadBandwidth bandwidth)
    {
        _bandwidth = bandwidth;
        var root = Path.GetFullPath(options.Value.Root);
        _blobs = Path.Combine(root, "blobs");
        StagingFolder = Path.Combine(root, "tmp");
    }

    public string StagingFolder { get; }

    public Task<StagedBlob> StageAsync(Stream source, long maxBytes, CancellationToken cancellationToken) =>
        BlobStaging.StageAsync(StagingFolder, source, maxBytes, _bandwidth, cancellationToken);

    public Task CommitAsync(StagedBlob staged, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(staged);
        var target = PathOf(staged.Hash);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        // Always rename over: same hash, same bytes, and an atomic rename. It also renews the
        // file's time, which the collector checks right before deleting, so bytes that an upload
        // just brought back are not removed by a collection running at the same moment.
        // Readers that have the old file open keep reading it.
        File.Move(staged.TempPath, target, overwrite: true);
        return Task.CompletedTask;
    }

    /// <summary>When the file was last written (committed); null when missing.</summary>
    public DateTime? LastWriteUtc(string hash)
    {
        var path = PathOf(hash);
        return File.Exists(path) ? File.GetLastWriteTimeUtc(path) : null;
    }

    public string? LocalPath(string hash) => PathOf(hash);

    public Task<Stream> OpenReadAsync(string hash, CancellationToken cancellationToken) =>
        Task.FromResult<Stream>(new FileStream(PathOf(hash), FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.Asynchronous | FileOptions.SequentialScan));

    public Task<bool> ExistsAsync(string hash, CancellationToken cancellationToken) => Task.FromResult(File.Exists(PathOf(hash)));

    public Task DeleteAsync(string hash, CancellationToken cancellationToken)
    {
        File.Delete(PathOf(hash));
        return Task.CompletedTask;
    }

    private string PathOf(string hash)
    {
        // The hash is ours (computed, never taken from a request), but check anyway: it becomes a path.
        if (!BlobStaging.IsHash(hash))
        {
            throw new ArgumentException("Not a SHA-256 hex hash.", nameof(hash));
        }

        return Path.Combine(_blobs, hash[..2], hash[2..4], hash);
    }
}
