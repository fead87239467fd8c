using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace Schoolbel.Server.Admission;

/// <summary>
/// The two signed cookies of the waiting room: a ticket (a place in line) and an admission (let
/// in, not queued again until it expires). Both are encrypted and signed with the platform's Data
/// Protection keys, so a visitor can neither pick a better place nor forge an admission; both carry
/// their own expiry from the injected clock.
/// </summary>
public sealed class AdmissionCookies(IDataProtectionProvider protection, TimeProvider time)
{
    public const string TicketCookie = "sb_wait";
    public const string AdmissionCookie = "sb_admit";

    private readonly IDataProtector _protector = protection.CreateProtector("Schoolbel.Admission.v1");

    public bool HasValidAdmission(HttpRequest request) =>
        Read(request, AdmissionCookie, "admit") is { } expires && expires > time.GetUtcNow().ToUnixTimeSeconds();

    /// <summary>The ticket in the request's cookie, if it is genuine, for this school's line and not expired.</summary>
    public WaitingTicket? TicketOf(HttpRequest request, string school, TimeSpan lifetime)
    {
        // ticket:{school}:{number}:{issued at}, and ":g" for the global line (tickets from before it have four parts).
        var parts = Unprotect(request, TicketCookie)?.Split(':');
        if (parts is not { Length: 4 or 5 } || parts[0] != "ticket" || parts[1] != school
            || (parts.Length == 5 && parts[4] != "g")
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            || !long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var issuedAt))
        {
            return null;
        }

        return issuedAt + (long)lifetime.TotalSeconds > time.GetUtcNow().ToUnixTimeSeconds() ? new WaitingTicket(number, Global: parts.Length == 5) : null;
    }

    public void GiveAdmission(HttpResponse response, TimeSpan lifetime)
    {
        var expires = time.GetUtcNow().Add(lifetime);
        response.Cookies.Append(AdmissionCookie, Protect("admit", expires.ToUnixTimeSeconds()), Options(expires, response.HttpContext.Request.IsHttps));
        response.Cookies.Delete(TicketCookie, new CookieOptions { Path = "/" });
    }

    /// <summary>A place in <paramref name="school"/>'s line (school codes have no colons).</summary>
    public void GiveTicket(HttpResponse response, string school, WaitingTicket ticket, TimeSpan lifetime)
    {
        var now = time.GetUtcNow();
        var issuedAt = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var line = ticket.Global ? ":g" : string.Empty;
        var value = _protector.Protect($"ticket:{school}:{ticket.Number.ToString(CultureInfo.InvariantCulture)}:{issuedAt}{line}");
        response.Cookies.Append(TicketCookie, value, Options(now.Add(lifetime), response.HttpContext.Request.IsHttps));
    }

    private string Protect(string kind, long value) => _protector.Protect($"{kind}:{value.ToString(CultureInfo.InvariantCulture)}");

    private long? Read(HttpRequest request, string cookie, string kind)
    {
        var text = Unprotect(request, cookie);
        if (text is null || !text.StartsWith(kind + ":", StringComparison.Ordinal))
        {
            return null;
        }

        return long.TryParse(text.AsSpan(kind.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
    }

    private string? Unprotect(HttpRequest request, string cookie)
    {
        if (!request.Cookies.TryGetValue(cookie, out var value) || string.IsNullOrEmpty(value))
        {
            return null;
        }

        try
        {
            return _protector.Unprotect(value);
        }
        catch (CryptographicException)
        {
            // Tampered, from an old key ring, or from another deployment: as if there were none.
            return null;
        }
    }

    // Path "/": the line and the admission are the platform's, whichever school's page it was.
    private static CookieOptions Options(DateTimeOffset expires, bool secure) => new()
    {
        Path = "/",
        Secure = secure,
        HttpOnly = true,
        SameSite = SameSiteMode.Lax,
        Expires = expires,
        IsEssential = true,
    };
}
