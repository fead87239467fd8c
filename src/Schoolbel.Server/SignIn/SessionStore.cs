using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Schoolbel.Server.Data;
using Schoolbel.Server.People;

namespace Schoolbel.Server.SignIn;

/// <summary>
/// Server-side sessions behind the cookie. Checking one is the hot path of every page view,
/// so the answer is cached per node for a few seconds: the common case needs no database
/// round trip. Ending a session takes effect at once on this node, on the others within a Redis
/// round trip when Redis is configured (<see cref="Scaling.ClusterBus"/>), and otherwise (or while
/// Redis is away) within <see cref="SignInOptions.SessionCheckCacheTime"/>.
/// </summary>
public sealed class SessionStore(SchoolbelDb db, IMemoryCache cache, TimeProvider time, IOptions<SignInOptions> options, Admission.BrownOut brownOut, Scaling.ClusterBus bus)
{
    /// <summary>LastSeenAt (and a sliding expiry) is written at most this often, not on every request.</summary>
    private static readonly TimeSpan TouchInterval = TimeSpan.FromMinutes(5);

    public async Task<SignInSession> StartAsync(Person person, bool persistent, string? userAgent, string method, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(person);
        var now = time.GetUtcNow().UtcDateTime;
        var session = new SignInSession
        {
            SchoolId = person.SchoolId,
            PersonId = person.Id,
            CreatedAt = now,
            LastSeenAt = now,
            ExpiresAt = now + Lifetime(persistent),
            Persistent = persistent,
            Device = DeviceNames.Describe(userAgent),
            Method = method,
        };
        db.Set<SignInSession>().Add(session);
        await db.SaveChangesAsync(cancellationToken);
        // The browser follows the sign-in's redirect at once, usually to this node: it knows the
        // answer already, so the first page after signing in needs no session read.
        cache.Set(CacheKey(session.Id), new CachedSession(true, session.ExpiresAt, now, persistent), options.Value.SessionCheckCacheTime);
        return session;
    }

    public TimeSpan Lifetime(bool persistent) =>
        persistent ? options.Value.PersistentSessionLifetime : options.Value.BrowserSessionLifetime;

    /// <summary>True while the session has not ended or expired; slides persistent sessions forward.</summary>
    public async Task<bool> IsActiveAsync(Guid sessionId, Guid personId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var key = CacheKey(sessionId);
        if (!cache.TryGetValue(key, out CachedSession? cached) || cached is null)
        {
            // API calls check their session before their school is known; the id pair is unique anyway.
            var row = await db.Set<SignInSession>().IgnoreQueryFilters().AsNoTracking()
                .Where(s => s.Id == sessionId && s.PersonId == personId)
                .Select(s => new CachedSession(s.EndedAt == null, s.ExpiresAt, s.LastSeenAt, s.Persistent))
                .FirstOrDefaultAsync(cancellationToken);
            cached = row ?? new CachedSession(false, DateTime.MinValue, DateTime.MinValue, false);
            cache.Set(key, cached, options.Value.SessionCheckCacheTime);
        }

        if (!cached.Open || cached.ExpiresAt <= now)
        {
            return false;
        }

        // "Last seen" is bookkeeping nobody waits for: under sustained overload it waits (brown-out),
        // and the next touch afterwards extends the session as usual.
        if (now - cached.LastSeenAt >= TouchInterval && !brownOut.IsActive)
        {
            var expires = cached.Persistent ? now + Lifetime(true) : cached.ExpiresAt;
            await db.Set<SignInSession>().IgnoreQueryFilters().Where(s => s.Id == sessionId)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.LastSeenAt, now).SetProperty(x => x.ExpiresAt, expires), cancellationToken);
            cache.Set(key, cached with { LastSeenAt = now, ExpiresAt = expires }, options.Value.SessionCheckCacheTime);
        }

        return true;
    }

    /// <summary>
    /// <see cref="IsActiveAsync"/> from this node's cache alone, for the download fast path: true
    /// only when the cached answer says "open" and nothing is due (no last-seen touch to write);
    /// false means "ask <see cref="IsActiveAsync"/>", which reads the database, writes the touch
    /// and refuses an ended session. So ending a session takes effect on the fast path exactly as
    /// on the full path: at once on this node (the entry is removed), within
    /// <see cref="SignInOptions.SessionCheckCacheTime"/> on the others.
    /// </summary>
    internal static bool IsCachedActive(IMemoryCache cache, Guid sessionId, DateTime now, bool brownOut) =>
        cache.TryGetValue(CacheKey(sessionId), out CachedSession? cached) && cached is not null
            && cached.Open && cached.ExpiresAt > now
            && (now - cached.LastSeenAt < TouchInterval || brownOut);

    public async Task<IReadOnlyList<SessionView>> ListAsync(Guid personId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return await db.Set<SignInSession>().AsNoTracking()
            .Where(s => s.PersonId == personId && s.EndedAt == null && s.ExpiresAt > now)
            .OrderByDescending(s => s.LastSeenAt)
            .Select(s => new SessionView(s.Id, s.Device, s.Method, s.Persistent, s.CreatedAt, s.LastSeenAt, s.ExpiresAt))
            .ToListAsync(cancellationToken);
    }

    /// <summary>Ends one of this person's sessions; false when there is no such open session.</summary>
    public async Task<bool> EndAsync(Guid personId, Guid sessionId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var ended = await db.Set<SignInSession>()
            .Where(s => s.Id == sessionId && s.PersonId == personId && s.EndedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.EndedAt, now), cancellationToken);
        cache.Remove(CacheKey(sessionId));
        bus.Publish(Scaling.ClusterMessages.SessionsEnded, [sessionId.ToString("N")]);
        return ended > 0;
    }

    /// <summary>Ends all sessions of a person except <paramref name="keep"/>; used on sign-out everywhere and password changes.</summary>
    public async Task<int> EndAllAsync(Guid personId, Guid? keep, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var ids = await db.Set<SignInSession>()
            .Where(s => s.PersonId == personId && s.EndedAt == null && s.Id != keep)
            .Select(s => s.Id)
            .ToListAsync(cancellationToken);
        if (ids.Count == 0)
        {
            return 0;
        }

        await db.Set<SignInSession>().Where(s => ids.Contains(s.Id))
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.EndedAt, now), cancellationToken);
        foreach (var id in ids)
        {
            cache.Remove(CacheKey(id));
        }

        bus.Publish(Scaling.ClusterMessages.SessionsEnded, [.. ids.Select(id => id.ToString("N"))]);
        return ids.Count;
    }

    internal static string CacheKey(Guid sessionId) => "session:" + sessionId.ToString("N");

    private sealed record CachedSession(bool Open, DateTime ExpiresAt, DateTime LastSeenAt, bool Persistent);
}

public sealed record SessionView(Guid Id, string Device, string Method, bool Persistent, DateTime CreatedAt, DateTime LastSeenAt, DateTime ExpiresAt);

/// <summary>Turns a User-Agent into something a person recognises, e.g. "Chrome op Android".</summary>
internal static class DeviceNames
{
    public static string Describe(string? userAgent)
    {
        if (string.IsNullOrWhiteSpace(userAgent))
        {
            return "Onbekend toestel";
        }

        var browser = userAgent switch
        {
            _ when userAgent.Contains("Edg/", StringComparison.Ordinal) => "Edge",
            _ when userAgent.Contains("Firefox/", StringComparison.Ordinal) => "Firefox",
            _ when userAgent.Contains("Chrome/", StringComparison.Ordinal) || userAgent.Contains("Chromium/", StringComparison.Ordinal) => "Chrome",
            _ when userAgent.Contains("Safari/", StringComparison.Ordinal) => "Safari",
            _ => "Browser",
        };
        var system = userAgent switch
        {
            _ when userAgent.Contains("Android", StringComparison.Ordinal) => "Android",
            _ when userAgent.Contains("iPhone", StringComparison.Ordinal) => "iPhone",
            _ when userAgent.Contains("iPad", StringComparison.Ordinal) => "iPad",
            _ when userAgent.Contains("CrOS", StringComparison.Ordinal) => "Chromebook",
            _ when userAgent.Contains("Windows", StringComparison.Ordinal) => "Windows",
            _ when userAgent.Contains("Mac OS", StringComparison.Ordinal) => "Mac",
            _ when userAgent.Contains("Linux", StringComparison.Ordinal) => "Linux",
            _ => null,
        };
        return system is null ? browser : $"{browser} op {system}";
    }
}
