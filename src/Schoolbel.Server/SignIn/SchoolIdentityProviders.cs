using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Schoolbel.Server.Data;
using Schoolbel.Server.Schools;
using Schoolbel.Server.Schools.Admin;

namespace Schoolbel.Server.SignIn;

/// <summary>One school's OpenID Connect settings, with the client secret unprotected (memory only, never logged).</summary>
public sealed record SchoolOidcSettings(Guid SchoolId, string Stamp, string Authority, string ClientId, string? ClientSecret, AuthenticationScheme Scheme)
{
    /// <summary>Keeps the secret out of logs and debugger displays.</summary>
    public override string ToString() => $"{Scheme.Name} {Authority} {ClientId}";
}

/// <summary>The settings loaded so far, by school. Shared by the options setup and the scheme provider.</summary>
public sealed class SchoolOidcSettingsCache
{
    private readonly ConcurrentDictionary<Guid, SchoolOidcSettings> _bySchool = new();

    public SchoolOidcSettings? Find(Guid schoolId) => _bySchool.GetValueOrDefault(schoolId);

    public void Set(SchoolOidcSettings settings) => _bySchool[settings.SchoolId] = settings;

    public void Remove(Guid schoolId) => _bySchool.TryRemove(schoolId, out _);
}

/// <summary>
/// Sign-in with the school's own identity provider (Entra ID, Google Workspace, any OpenID
/// Connect issuer). Each school gets its own authentication scheme <c>oidc-{schoolId:N}</c>,
/// made when first needed from the school's settings and rebuilt when they change (the school
/// directory's stamp tells, on every node). The scheme name is also the Data Protection purpose
/// of the handler's state, so a sign-in started for one school cannot finish in another.
/// </summary>
public sealed partial class SchoolIdentityProviders(
    SchoolOidcSettingsCache cache,
    IServiceScopeFactory scopes,
    IDataProtectionProvider protection,
    IOptionsMonitor<OpenIdConnectOptions> options,
    IOptionsMonitorCache<OpenIdConnectOptions> optionsCache,
    ILogger<SchoolIdentityProviders> logger)
{
    public const string SchemePrefix = "oidc-";

    /// <summary>Relative to the school's path base: <c>/{code}/signin-oidc</c>.</summary>
    public static readonly PathString CallbackPath = new("/signin-oidc");

    public static string SchemeName(Guid schoolId) => SchemePrefix + schoolId.ToString("N");

    public static Guid? SchoolOf(string scheme) =>
        scheme.StartsWith(SchemePrefix, StringComparison.Ordinal) && Guid.TryParseExact(scheme[SchemePrefix.Length..], "N", out var id) ? id : null;

    /// <summary>The school's scheme, ready to challenge or handle a callback; null when the school has no (usable) identity provider.</summary>
    public async ValueTask<string?> PrepareAsync(SchoolInfo school, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(school);
        if (school.OidcDisplayName is null || school.OidcSettingsStamp is not { } stamp)
        {
            cache.Remove(school.Id);
            return null;
        }

        var settings = cache.Find(school.Id);
        if (settings is null || settings.Stamp != stamp)
        {
            settings = await LoadAsync(school.Id, stamp, cancellationToken);
            if (settings is null)
            {
                cache.Remove(school.Id);
                return null;
            }

            cache.Set(settings);
            optionsCache.TryRemove(settings.Scheme.Name);
            LogSettingsLoaded(logger, school.Id, settings.Authority);
        }

        // Options built concurrently from the old settings could have slipped into the cache after the removal above.
        var current = options.Get(settings.Scheme.Name);
        if (current.Authority != settings.Authority || current.ClientId != settings.ClientId || current.ClientSecret != settings.ClientSecret)
        {
            optionsCache.TryRemove(settings.Scheme.Name);
        }

        return settings.Scheme.Name;
    }

    private async Task<SchoolOidcSettings?> LoadAsync(Guid schoolId, string stamp, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
        var row = await db.Schools.AsNoTracking()
            .Where(s => s.Id == schoolId)
            .Select(s => new { s.OidcAuthority, s.OidcClientId, s.OidcClientSecret })
            .FirstOrDefaultAsync(cancellationToken);
        if (row?.OidcAuthority is null || string.IsNullOrEmpty(row.OidcClientId))
        {
            return null;
        }

        string? secret = null;
        if (!string.IsNullOrEmpty(row.OidcClientSecret))
        {
            try
            {
                secret = protection.CreateProtector(SettingsModel.OidcSecretPurpose).Unprotect(row.OidcClientSecret);
            }
            catch (CryptographicException)
            {
                // The key that protected it is gone: the admin must enter the secret again.
                LogSecretUnreadable(logger, schoolId);
                return null;
            }
        }

        var scheme = new AuthenticationScheme(SchemeName(schoolId), null, typeof(OpenIdConnectHandler));
        return new SchoolOidcSettings(schoolId, stamp, row.OidcAuthority, row.OidcClientId, secret, scheme);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Identity provider settings of school {SchoolId} loaded (issuer {Authority})")]
    private static partial void LogSettingsLoaded(ILogger logger, Guid schoolId, string authority);

    [LoggerMessage(Level = LogLevel.Error, Message = "The identity provider client secret of school {SchoolId} cannot be unprotected; enter it again in the school settings")]
    private static partial void LogSecretUnreadable(ILogger logger, Guid schoolId);
}

/// <summary>
/// Knows the fixed schemes plus one per school with a loaded identity provider. The school
/// schemes are deliberately not registered: registered remote schemes would be asked to handle
/// every request of every school, and one school's handler would answer another school's
/// callback path. <see cref="SchoolOidcCallbackMiddleware"/> hands the callback to the current school's handler only.
/// </summary>
internal sealed class SchoolAuthenticationSchemeProvider(IOptions<AuthenticationOptions> options, SchoolOidcSettingsCache cache)
    : AuthenticationSchemeProvider(options)
{
    public override async Task<AuthenticationScheme?> GetSchemeAsync(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return await base.GetSchemeAsync(name)
            ?? (SchoolIdentityProviders.SchoolOf(name) is { } schoolId ? cache.Find(schoolId)?.Scheme : null);
    }
}

/// <summary>Lets the current school's OpenID Connect handler (and no other school's) answer <c>/{code}/signin-oidc</c>.</summary>
internal sealed class SchoolOidcCallbackMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context, SchoolScope scope, SchoolIdentityProviders providers, IAuthenticationHandlerProvider handlers)
    {
        if (scope.School is { OidcDisplayName: not null } school
            && context.Request.Path.Equals(SchoolIdentityProviders.CallbackPath, StringComparison.OrdinalIgnoreCase)
            && await providers.PrepareAsync(school, context.RequestAborted) is { } scheme
            && await handlers.GetHandlerAsync(context, scheme) is IAuthenticationRequestHandler handler
            && await handler.HandleRequestAsync())
        {
            return;
        }

        await next(context);
    }
}
