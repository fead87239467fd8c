using System.Net;
using Schoolbel.Peak.Population;
using Schoolbel.Peak.Results;

namespace Schoolbel.Peak.Journeys;

/// <summary>
/// Sessions signed in during the warm-up, before the measured window, and resumed in it.
/// Until the server has its long "stay signed in" sessions, this is how a resumed pupil is
/// modelled: a browser that already holds a valid session cookie and goes straight to the today
/// page. Each resumed journey still gets a fresh browser (own cookie jar, own connection) with a
/// copy of the cookies; when there are more resumed journeys than sessions, sessions are reused.
/// </summary>
internal sealed class SessionPool
{
    private readonly Dictionary<Role, List<Identity>> _identities = [];
    private readonly Dictionary<Role, List<(Identity Identity, Cookie[] Cookies)>> _cookies = [];
    private readonly Lock _lock = new();

    public void Plan(Role role, IEnumerable<Identity> identities)
    {
        ArgumentNullException.ThrowIfNull(identities);
        _identities[role] = [.. identities];
    }

    public IReadOnlyList<Identity> Planned(Role role) => _identities.GetValueOrDefault(role) ?? [];

    public int Count(Role role)
    {
        lock (_lock)
        {
            return _cookies.GetValueOrDefault(role)?.Count ?? 0;
        }
    }

    public int Total
    {
        get
        {
            lock (_lock)
            {
                return _cookies.Values.Sum(c => c.Count);
            }
        }
    }

    public void Add(Identity identity, CookieContainer signedIn)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(signedIn);
        var cookies = signedIn.GetAllCookies().ToArray();
        lock (_lock)
        {
            if (!_cookies.TryGetValue(identity.Role, out var list))
            {
                list = [];
                _cookies[identity.Role] = list;
            }

            list.Add((identity, cookies));
        }
    }

    /// <summary>The account whose session <paramref name="index"/> of <paramref name="role"/> resumes; null when there is none.</summary>
    public Identity? IdentityOf(Role role, int index)
    {
        lock (_lock)
        {
            return _cookies.TryGetValue(role, out var list) && list.Count > 0 ? list[index % list.Count].Identity : null;
        }
    }

    /// <summary>
    /// The account of session <paramref name="index"/> of <paramref name="role"/> and a new cookie
    /// jar holding a copy of its cookies; null when the warm-up signed in nobody of that role.
    /// </summary>
    public (Identity Identity, CookieContainer Cookies)? Resume(Role role, int index, Uri target)
    {
        Identity identity;
        Cookie[] cookies;
        lock (_lock)
        {
            if (!_cookies.TryGetValue(role, out var list) || list.Count == 0)
            {
                return null;
            }

            (identity, cookies) = list[index % list.Count];
        }

        var container = new CookieContainer();
        foreach (var cookie in cookies)
        {
            // A copy per browser: the server may renew a cookie (sliding expiry), and that must
            // not leak into another virtual user's jar. Added against the target's address so the
            // host-only cookie keeps matching the host it came from.
            var path = string.IsNullOrEmpty(cookie.Path) ? "/" : cookie.Path;
            var copy = new Cookie(cookie.Name, cookie.Value, path) { HttpOnly = cookie.HttpOnly, Secure = cookie.Secure, Expires = cookie.Expires };
            container.Add(new Uri(target, path), copy);
        }

        return (identity, container);
    }
}
