using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Data;
using Schoolbel.Server.HotReads;
using Schoolbel.Server.Messages;
using Schoolbel.Server.Web;

namespace Schoolbel.Server.Notifications;

public sealed record NotificationView(Guid Id, NotificationKind Kind, string Title, string? Body, string? Url, DateTime ReleaseAt, bool Read);

public sealed record NotificationsPage(IReadOnlyList<NotificationView> Notifications, int Page, bool HasMore);

public sealed record PreferencesView(bool Email, bool Push, DigestFrequency GradeDigest, bool EmailAvailable, bool PushAvailable);

public sealed record PreferencesInput(bool? Email, bool? Push, DigestFrequency? GradeDigest);

public sealed record PushSubscriptionInput(string? Endpoint, PushKeys? Keys);

public sealed record PushKeys(string? P256dh, string? Auth);

public sealed record AnnouncementInput(string? Title, string? Body, int? Days);

public sealed record AnnouncementView(Guid Id, string Title, string BodyHtml, string AuthorName, DateTime CreatedAt, DateTime ShowUntil);

/// <summary>A person's notifications, preferences and push subscriptions, and the school's announcements.</summary>
public sealed class NotificationCenter(SchoolbelDb db, UnreadCounters counters, HotCache cache, EmailSender email, PushSender push, TimeProvider time)
{
    public const int PageSize = 50;
    public const int MaxAnnouncementDays = 60;

    public async Task<NotificationsPage> ListAsync(Guid personId, int page, CancellationToken cancellationToken)
    {
        page = Math.Max(1, page);
        var now = time.GetUtcNow().UtcDateTime;
        var rows = await db.Set<Notification>().AsNoTracking()
            .Where(n => n.PersonId == personId && !n.InDigest && n.ReleaseAt <= now)
            .OrderByDescending(n => n.ReleaseAt).ThenByDescending(n => n.Id)
            .Skip((page - 1) * PageSize).Take(PageSize + 1)
            .Select(n => new NotificationView(n.Id, n.Kind, n.Title, n.Body, n.Url, n.ReleaseAt, n.ReadAt != null))
            .ToListAsync(cancellationToken);
        return new NotificationsPage(rows.Take(PageSize).ToList(), page, rows.Count > PageSize);
    }

    /// <summary>False when the person has no such (visible) notification.</summary>
    public async Task<bool> MarkReadAsync(Guid notificationId, Guid personId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var visible = db.Set<Notification>().Where(n => n.Id == notificationId && n.PersonId == personId && !n.InDigest && n.ReleaseAt <= now);
        var exists = await visible.AsNoTracking().Select(n => new { n.Delivered }).FirstOrDefaultAsync(cancellationToken);
        if (exists is null)
        {
            return false;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var changed = await visible.Where(n => n.ReadAt == null).ExecuteUpdateAsync(s => s.SetProperty(n => n.ReadAt, now), cancellationToken);
        if (changed > 0 && exists.Delivered)
        {
            await counters.LowerAsync(personId, 0, 1, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        // Again after the commit: a page of the same person that read the counter while this
        // transaction was open may have cached the old value, which would then show for 15 s.
        counters.Forget(personId);
        return true;
    }

    public async Task MarkAllReadAsync(Guid personId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Set<Notification>().Where(n => n.PersonId == personId && !n.InDigest && n.ReleaseAt <= now && n.ReadAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(n => n.ReadAt, now), cancellationToken);
        await counters.RecountAsync(personId, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        counters.Forget(personId);
    }

    public async Task<PreferencesView> PreferencesAsync(Guid personId, CancellationToken cancellationToken)
    {
        var row = await db.Set<NotificationPreference>().AsNoTracking().FirstOrDefaultAsync(p => p.PersonId == personId, cancellationToken);
        return new PreferencesView(row?.Email ?? false, row?.Push ?? false, row?.GradeDigest ?? DigestFrequency.Off, email.Enabled, push.Enabled);
    }

    public async Task<Outcome<PreferencesView>> SetPreferencesAsync(Guid personId, PreferencesInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.GradeDigest is { } digest && !Enum.IsDefined(digest))
        {
            var errors = new FieldErrors();
            errors.Add("gradeDigest", "Kies Off, Daily of Weekly.");
            return errors;
        }

        var row = await db.Set<NotificationPreference>().FirstOrDefaultAsync(p => p.PersonId == personId, cancellationToken);
        if (row is null)
        {
            row = new NotificationPreference { SchoolId = db.CurrentSchoolId ?? throw new InvalidOperationException("No school in scope."), PersonId = personId };
            db.Add(row);
        }

        row.Email = input.Email ?? row.Email;
        row.Push = input.Push ?? row.Push;
        row.GradeDigest = input.GradeDigest ?? row.GradeDigest;
        await db.SaveChangesAsync(cancellationToken);
        return await PreferencesAsync(personId, cancellationToken);
    }

    public async Task<Outcome<bool>> SubscribeAsync(Guid personId, PushSubscriptionInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var errors = new FieldErrors();
        if (!push.Enabled)
        {
            errors.Add("endpoint", "Pushberichten staan niet aan op dit platform.");
            return errors;
        }

        if (!Uri.TryCreate(input.Endpoint, UriKind.Absolute, out var endpoint) || endpoint.Scheme != Uri.UriSchemeHttps || input.Endpoint!.Length > 1000)
        {
            errors.Add("endpoint", "Het adres van de pushdienst moet een https-adres zijn.");
        }

        if (string.IsNullOrEmpty(input.Keys?.P256dh) || input.Keys.P256dh.Length > 200 || string.IsNullOrEmpty(input.Keys.Auth) || input.Keys.Auth.Length > 100)
        {
            errors.Add("keys", "De sleutels van het abonnement (p256dh en auth) ontbreken.");
        }

        if (errors.Any)
        {
            return errors;
        }

        // An endpoint belongs to one browser: whoever subscribes with it last owns it.
        await db.Set<PushSubscriptionRecord>().IgnoreQueryFilters().Where(s => s.Endpoint == input.Endpoint).ExecuteDeleteAsync(cancellationToken);
        db.Add(new PushSubscriptionRecord
        {
            SchoolId = db.CurrentSchoolId ?? throw new InvalidOperationException("No school in scope."),
            PersonId = personId,
            Endpoint = input.Endpoint!,
            P256dh = input.Keys!.P256dh!,
            Auth = input.Keys.Auth!,
            CreatedAt = time.GetUtcNow().UtcDateTime,
        });
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    public async Task<Outcome<AnnouncementView>> AnnounceAsync(Guid authorId, AnnouncementInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var errors = new FieldErrors();
        var title = input.Title?.Trim() ?? "";
        if (title.Length is 0 or > Announcement.MaxTitleLength)
        {
            errors.Add("title", $"Geef een titel van 1 tot {Announcement.MaxTitleLength} tekens.");
        }

        if (string.IsNullOrWhiteSpace(input.Body) || input.Body.Length > Announcement.MaxBodyLength)
        {
            errors.Add("body", $"Schrijf een tekst van hoogstens {Announcement.MaxBodyLength} tekens.");
        }

        var days = input.Days ?? 7;
        if (days is < 1 or > MaxAnnouncementDays)
        {
            errors.Add("days", $"Toon de mededeling 1 tot {MaxAnnouncementDays} dagen.");
        }

        if (errors.Any)
        {
            return errors;
        }

        var school = db.CurrentSchoolId ?? throw new InvalidOperationException("No school in scope.");
        var now = time.GetUtcNow().UtcDateTime;
        var announcement = new Announcement { SchoolId = school, AuthorId = authorId, Title = title, Body = input.Body!, CreatedAt = now, ShowUntil = now.AddDays(days) };
        db.Add(announcement);
        await db.SaveChangesAsync(cancellationToken);
        cache.Invalidate(Tag(school));
        var author = await db.People.Where(p => p.Id == authorId).Select(p => p.FirstName + " " + p.LastName).FirstAsync(cancellationToken);
        return new AnnouncementView(announcement.Id, title, MessageBody.ToHtml(announcement.Body), author, now, announcement.ShowUntil);
    }

    /// <summary>
    /// The school's announcements on show now, newest first: one cached list per school (every
    /// today page at 08:30 reads it), filtered by the clock when reading.
    /// </summary>
    public async Task<IReadOnlyList<AnnouncementView>> CurrentAsync(CancellationToken cancellationToken)
    {
        var school = db.CurrentSchoolId ?? throw new InvalidOperationException("No school in scope.");
        var all = await cache.GetOrLoadAsync("announcements", HotKeys.Of("announcements", school), [Tag(school)], LoadAsync);
        var now = time.GetUtcNow().UtcDateTime;
        return all.Where(a => a.ShowUntil > now).ToList();
    }

    private async Task<IReadOnlyList<AnnouncementView>> LoadAsync()
    {
        // Everything still on show or recently ended; the clock picks when reading.
        var since = time.GetUtcNow().UtcDateTime.AddDays(-1);
        var rows = await db.Set<Announcement>().AsNoTracking().Where(a => a.ShowUntil > since)
            .OrderByDescending(a => a.CreatedAt).Take(20)
            .Join(db.People, a => a.AuthorId, p => p.Id, (a, p) => new { a.Id, a.Title, a.Body, Author = p.FirstName + " " + p.LastName, a.CreatedAt, a.ShowUntil })
            .ToListAsync(CancellationToken.None);
        return rows.Select(x => new AnnouncementView(x.Id, x.Title, MessageBody.ToHtml(x.Body), x.Author, x.CreatedAt, x.ShowUntil)).ToList();
    }

    private static string Tag(Guid schoolId) => "a:" + schoolId.ToString("N");
}
