using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Schoolbel.Server.Storage;

/// <summary>
/// One stored content, shared by every document version (of any course, any school) with the
/// same bytes. Not school-owned on purpose: the bytes are stored once. Schools reach a blob
/// only through their own document versions, which are school-owned.
/// </summary>
public sealed class Blob
{
    /// <summary>SHA-256, lowercase hex.</summary>
    public required string Hash { get; set; }

    public long Length { get; set; }

    /// <summary>Sniffed from the bytes at upload.</summary>
    public required string ContentType { get; set; }

    /// <summary>
    /// Last time an upload stored or reused these bytes. The collector leaves blobs alone for a
    /// grace period after it, so it never races an upload that is about to point at them.
    /// </summary>
    public DateTime LastUsedAt { get; set; }
}

internal sealed class BlobConfiguration : IEntityTypeConfiguration<Blob>
{
    public void Configure(EntityTypeBuilder<Blob> builder)
    {
        builder.HasKey(b => b.Hash);
        builder.Property(b => b.Hash).HasMaxLength(64);
        builder.Property(b => b.ContentType).HasMaxLength(120);
        builder.HasIndex(b => b.LastUsedAt);
    }
}
