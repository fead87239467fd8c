using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;
using Schoolbel.Server.People;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Documents;

/// <summary>
/// The school cookie (<c>sb_session</c>) as the cookie handler would read it, decrypted at most
/// once per <see cref="DownloadOptions.CookieCacheTime"/> per node instead of on every download.
/// Entries are keyed by the cookie value itself, compared in full (ordinal): a shorter key (a hash)
/// would let two cookies stand for one another on a collision, and a hash nobody can aim at
/// (SHA-256) cost more per download than the rest of the lookup. The value sits in memory next
/// to the ticket decrypted from it, as it does in every request that carries it. This saves only
/// the decryption; whether the session is still open is checked on every request
/// (<see cref="SessionStore.IsCachedActive"/>), so sign-out and revocation are not delayed by it.
/// </summary>
internal sealed class SchoolCookieTickets
{
    private readonly ExpiringEntries<string, CookieTicket> _entries;
    private readonly CookieAuthenticationOptions _cookie;
    private readonly TimeProvider _time;
    private readonly TimeSpan _lifetime;

    public SchoolCookieTickets(IOptionsMonitor<CookieAuthenticationOptions> cookies, IOptions<DownloadOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(cookies);
        ArgumentNullException.ThrowIfNull(options);
        _cookie = cookies.Get(SchoolbelSchemes.SchoolCookie);
        _time = time;
        _lifetime = options.Value.CookieCacheTime;
        _entries = new(options.Value.CookieCacheEntries, t => t.CachedUntil, StringComparer.Ordinal);
    }

    /// <summary>Whether the cookie handler slides the cookie's expiry (then a due renewal must go the full way).</summary>
    public bool SlidingExpiration => _cookie.SlidingExpiration;

    /// <summary>Decrypted cookies held now (for tests and diagnosis).</summary>
    public int Count => _entries.Count;

    /// <summary>The request's school cookie, or null when there is none or it does not decrypt.</summary>
    public CookieTicket? Find(HttpContext context)
    {
        // The handler's own cookie manager: the same name, and chunked cookies put together the same way.
        var value = _cookie.CookieManager.GetRequestCookie(context, _cookie.Cookie.Name!);
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        var key = value;
        var now = _time.GetUtcNow();
        if (_entries.TryGetValue(key, out var cached))
        {
            if (cached.CachedUntil > now)
            {
                return cached;
            }

            _entries.Remove(key, cached);
        }

        // As the handler does: no TLS token binding here, so no purpose beyond the handler's own.
        var ticket = _cookie.TicketDataFormat.Unprotect(value);
        if (ticket is null || CookieTicket.From(ticket.Principal, ticket.Properties.IssuedUtc, ticket.Properties.ExpiresUtc, ticket.Properties.AllowRefresh ?? true, now + _lifetime) is not { } entry)
        {
            return null;
        }

        if (_lifetime > TimeSpan.Zero)
        {
            _entries.Add(key, entry, now);
        }

        return entry;
    }
}

/// <summary>What the fast path needs of a decrypted school cookie. <see cref="Principal"/> is shared: read it, never change it.</summary>
internal sealed record CookieTicket(
    ClaimsPrincipal Principal,
    Guid SchoolId,
    Guid PersonId,
    PersonRole Role,
    Guid SessionId,
    bool HasPendingStep,
    DateTimeOffset? IssuedUtc,
    DateTimeOffset? ExpiresUtc,
    bool AllowRefresh,
    DateTimeOffset CachedUntil)
{
    /// <summary>Null when the principal lacks what a school member's cookie always has (then the full path decides).</summary>
    public static CookieTicket? From(ClaimsPrincipal principal, DateTimeOffset? issuedUtc, DateTimeOffset? expiresUtc, bool allowRefresh, DateTimeOffset cacheUntil)
    {
        ArgumentNullException.ThrowIfNull(principal);
        if (principal.Identity?.IsAuthenticated != true
            || principal.SchoolId() is not { } school
            || !Guid.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), out var person)
            || principal.Role() is not { } role
            || principal.SessionId() is not { } session)
        {
            return null;
        }

        // Steps the person must take first are enforced by page filters; leave those people to the full path.
        var pending = principal.HasClaim(c => c.Type is CookieSessions.MustChangePasswordClaim or CookieSessions.MustEnrolTwoFactorClaim);
        var until = expiresUtc is { } expires && expires < cacheUntil ? expires : cacheUntil;
        return new CookieTicket(principal, school, person, role, session, pending, issuedUtc, expiresUtc, allowRefresh, until);
    }

    /// <summary>
    /// True when the cookie handler would accept this ticket at <paramref name="now"/> without
    /// doing anything: not expired, and (with sliding expiry) not yet due for renewal, which
    /// happens once less time remains than has passed since it was issued.
    /// </summary>
    public bool IsQuietAt(DateTimeOffset now, bool slidingExpiration)
    {
        if (HasPendingStep || (ExpiresUtc is { } expires && expires < now))
        {
            return false;
        }

        return !(slidingExpiration && AllowRefresh && IssuedUtc is { } issued && ExpiresUtc is { } until && until - now < now - issued);
    }
}
