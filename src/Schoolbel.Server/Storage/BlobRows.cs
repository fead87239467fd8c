using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Data;

namespace Schoolbel.Server.Storage;

/// <summary>The row of a blob that an upload is about to commit, shared by every kind of upload.</summary>
internal static class BlobRows
{
    /// <summary>
    /// The blob row first, with a fresh LastUsedAt: from then on the collector leaves these bytes
    /// alone for its grace period, so committing the file cannot race a collection. Clears the
    /// context's tracked entries when another upload of the same bytes won the insert.
    /// </summary>
    public static async Task RecordAsync(SchoolbelDb db, StagedBlob staged, string contentType, DateTime now, CancellationToken cancellationToken)
    {
        var touched = await db.Set<Blob>().Where(b => b.Hash == staged.Hash)
            .ExecuteUpdateAsync(s => s.SetProperty(b => b.LastUsedAt, now), cancellationToken);
        if (touched > 0)
        {
            return;
        }

        try
        {
            db.Add(new Blob { Hash = staged.Hash, Length = staged.Length, ContentType = contentType, LastUsedAt = now });
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // The same bytes were uploaded at the same moment elsewhere; their row serves us too.
            db.ChangeTracker.Clear();
            if (!await db.Set<Blob>().AnyAsync(b => b.Hash == staged.Hash, cancellationToken))
            {
                throw;
            }
        }
    }
}
