using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace Schoolbel.Server.SignIn;

/// <summary>
/// Between a correct password and the second factor: who signed in and how, in a short-lived,
/// protected cookie. No session exists until the code is right.
/// </summary>
public sealed class PendingTwoFactor(IDataProtectionProvider protection)
{
    private const string CookieName = "sb_2fa";
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);
    private readonly ITimeLimitedDataProtector _protector =
        protection.CreateProtector("Schoolbel.TwoFactorPending.v1").ToTimeLimitedDataProtector();

    public void Start(HttpContext context, Guid personId, bool persistent, string? returnUrl)
    {
        ArgumentNullException.ThrowIfNull(context);
        var value = string.Join('\n', personId, persistent ? "1" : "0", returnUrl ?? "");
        context.Response.Cookies.Append(CookieName, _protector.Protect(value, Lifetime), Options(context));
    }

    public PendingSignIn? Read(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.Request.Cookies.TryGetValue(CookieName, out var raw))
        {
            return null;
        }

        try
        {
            var parts = _protector.Unprotect(raw).Split('\n');
            return parts.Length == 3 && Guid.TryParse(parts[0], CultureInfo.InvariantCulture, out var personId)
                ? new PendingSignIn(personId, parts[1] == "1", parts[2].Length == 0 ? null : parts[2])
                : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    public static void End(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.Cookies.Delete(CookieName, Options(context));
    }

    private static CookieOptions Options(HttpContext context) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Lax,
        Secure = context.Request.IsHttps,
        Path = context.Request.PathBase.HasValue ? context.Request.PathBase.Value : "/",
        IsEssential = true,
    };
}

public sealed record PendingSignIn(Guid PersonId, bool Persistent, string? ReturnUrl);
