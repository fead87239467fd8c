using System.ComponentModel.DataAnnotations;

namespace Schoolbel.Server.Storage;

/// <summary>Configuration section <c>Storage</c>: where document bytes live and how much a school may store.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary><c>Disk</c> (default) or <c>S3</c>.</summary>
    [RegularExpression("^(Disk|S3)$", ErrorMessage = "Storage:Provider must be Disk or S3.")]
    public string Provider { get; set; } = "Disk";

    /// <summary>
    /// Folder of the disk store; also where uploads are staged for S3 (a temp file on the same
    /// file system, so that finishing an upload is an atomic rename, never a copy).
    /// </summary>
    [Required]
    public string Root { get; set; } = "data/files";

    /// <summary>Largest single file in bytes (default 2 GB).</summary>
    [Range(1, long.MaxValue)]
    public long MaxFileBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>
    /// Bytes per second this node takes in from all uploads together (default 40 MB/s, about
    /// 320 Mbit/s: five teachers uploading at once still get 64 Mbit/s each, more than most
    /// schools' uplinks give them). Bounds what uploads cost the node's cores, so downloads beside
    /// them stay fast (see <see cref="UploadBandwidth"/>). 0 turns the budget off.
    /// </summary>
    [Range(0, long.MaxValue)]
    public long UploadBytesPerSecond { get; set; } = 40L * 1024 * 1024;

    /// <summary>Bytes one school may store over all document versions (default 50 GB).</summary>
    [Range(1, long.MaxValue)]
    public long SchoolQuotaBytes { get; set; } = 50L * 1024 * 1024 * 1024;

    /// <summary>How often unreferenced blobs, expired recycle-bin items and stale uploads are cleaned up.</summary>
    public TimeSpan CollectInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// A blob younger than this is never collected, even when nothing points at it yet: an
    /// upload stores its blob a moment before its document version row commits.
    /// </summary>
    public TimeSpan CollectGrace { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Items in the recycle bin are removed for good after this long.</summary>
    public TimeSpan RecycleBinRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Resumable (chunked) uploads not finished within this time are dropped.</summary>
    public TimeSpan UnfinishedUploadRetention { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// Behind nginx: after the permission check, answer with <c>X-Accel-Redirect: {prefix}ab/cd/hash</c>
    /// and let nginx send the blob file with sendfile (an <c>internal</c> location aliased to
    /// <c>{Root}/blobs/</c>). Null (default): Kestrel sends the file itself.
    /// </summary>
    public string? AccelRedirectPrefix { get; set; }

    public S3StorageOptions S3 { get; set; } = new();
}

/// <summary>An S3-compatible object store (AWS, MinIO, Ceph, Garage...).</summary>
public sealed class S3StorageOptions
{
    /// <summary>Endpoint such as <c>http://127.0.0.1:9000</c>; null for AWS itself.</summary>
    public string? ServiceUrl { get; set; }

    public string Bucket { get; set; } = "schoolbel";

    public string Region { get; set; } = "us-east-1";

    public string? AccessKey { get; set; }

    public string? SecretKey { get; set; }

    /// <summary>Path-style addressing (<c>host/bucket/key</c>), which most self-hosted stores need.</summary>
    public bool ForcePathStyle { get; set; } = true;

    /// <summary>Object key prefix, e.g. <c>blobs/</c>.</summary>
    public string Prefix { get; set; } = "blobs/";
}
