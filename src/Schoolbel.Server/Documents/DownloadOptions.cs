using System.ComponentModel.DataAnnotations;

namespace Schoolbel.Server.Documents;

/// <summary>Configuration section <c>Downloads</c>: the download fast path (<see cref="DownloadFastPath"/>).</summary>
public sealed class DownloadOptions
{
    public const string Section = "Downloads";

    /// <summary>Answer document downloads from the caches before the page pipeline when possible (off only for diagnosis).</summary>
    public bool FastPath { get; set; } = true;

    /// <summary>
    /// How long this node keeps the decrypted content of a school cookie (by a hash of its value).
    /// At most a minute: it only saves the decryption, and a Data Protection key that is revoked
    /// stops working on the fast path within this time. Zero decrypts every time.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan CookieCacheTime { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>At most this many decrypted cookies per node (about 2 KB each).</summary>
    [Range(1, 1_000_000)]
    public int CookieCacheEntries { get; set; } = 10_000;
}
