using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Schoolbel.Server.Data;

namespace Schoolbel.Server.Notifications;

/// <summary>What a <see cref="Notifier.NotifyAsync"/> call did: shown now, held for the morning, or waiting for a digest.</summary>
public sealed record NotifyResult(int Now, int Later, int InDigest, DateTime ReleaseAt);

/// <summary>
/// The way other features tell people something happened (a new grade, a message, an
/// announcement): one call for many people. It respects the school's quiet hours (what is sent
/// at 21:00 shows the next school morning), each person's grade-digest choice (bundled daily or
/// weekly) and their e-mail and push preferences (sent by the delivery job, never inline).
/// Rows are written in one transaction (the caller's, if it has one open); the unread counters of
/// those who see it now are raised in the same one.
/// </summary>
public sealed class Notifier(SchoolbelDb db, UnreadCounters counters, IOptions<NotificationsOptions> options, TimeProvider time)
{
    /// <param name="schoolId">Must be the school the caller's scope is in (checked).</param>
    /// <param name="personIds">People of that school; unknown ids (or another school's) are skipped.</param>
    /// <param name="url">Where the notification leads, relative to the school, e.g. <c>/courses/…/grades</c>.</param>
    public async Task<NotifyResult> NotifyAsync(
        Guid schoolId, IReadOnlyCollection<Guid> personIds, NotificationKind kind, string title, string? url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(personIds);
        ArgumentException.ThrowIfNullOrWhiteSpace(title);
        if (db.CurrentSchoolId != schoolId)
        {
            throw new InvalidOperationException("Notifications are written inside the scope of their school.");
        }

        if (kind == NotificationKind.Digest)
        {
            throw new ArgumentException("Digests are made by the delivery job.", nameof(kind));
        }

        title = title.Trim();
        if (title.Length > Notification.MaxTitleLength)
        {
            title = title[..(Notification.MaxTitleLength - 1)] + "…";
        }

        var wanted = personIds.Distinct().ToList();
        // The query filter keeps this to the school: ids of other schools simply are not found.
        var people = await db.People.Where(p => wanted.Contains(p.Id)).Select(p => p.Id).ToListAsync(cancellationToken);
        var preferences = await db.Set<NotificationPreference>().AsNoTracking()
            .Where(p => wanted.Contains(p.PersonId))
            .ToDictionaryAsync(p => p.PersonId, cancellationToken);
        var hours = await DeliveryTimes.QuietHoursAsync(db, cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        var release = DeliveryTimes.ReleaseAt(now, hours);
        var rows = new List<Notification>(people.Count);
        var shownNow = new List<Guid>();
        var digested = 0;
        foreach (var personId in people)
        {
            var preference = preferences.GetValueOrDefault(personId);
            var digest = kind == NotificationKind.Grade && preference is { GradeDigest: not DigestFrequency.Off };
            var releaseAt = digest ? DeliveryTimes.DigestAt(now, preference!.GradeDigest, options.Value.DigestAt, hours) : release;
            var delivered = !digest && releaseAt <= now;
            rows.Add(new Notification
            {
                SchoolId = schoolId,
                PersonId = personId,
                Kind = kind,
                Title = title,
                Url = url,
                CreatedAt = now,
                ReleaseAt = releaseAt,
                InDigest = digest,
                Delivered = delivered,
                // A digest is mailed or pushed as one; its items are not.
                NeedsDispatch = !digest && preference is { Email: true } or { Push: true },
            });
            if (delivered)
            {
                shownNow.Add(personId);
            }

            digested += digest ? 1 : 0;
        }

        if (rows.Count == 0)
        {
            return new NotifyResult(0, 0, 0, release);
        }

        // Inside the caller's transaction when there is one (a job that marks itself done in the
        // same commit); otherwise in our own.
        var own = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(cancellationToken) : null;
        await using (own)
        {
            db.AddRange(rows);
            await db.SaveChangesAsync(cancellationToken);
            await counters.RaiseAsync(schoolId, shownNow, 0, 1, cancellationToken);
            if (own is not null)
            {
                await own.CommitAsync(cancellationToken);
            }
        }

        return new NotifyResult(shownNow.Count, rows.Count - shownNow.Count - digested, digested, release);
    }
}
