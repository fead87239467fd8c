using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Schoolbel.Server.SignIn;

/// <summary>
/// Builds the <see cref="OpenIdConnectOptions"/> of one school's scheme from its settings. The
/// framework's <see cref="OpenIdConnectPostConfigureOptions"/> (registered once, for every name)
/// then adds discovery, Data Protection of the state and the back-channel client.
/// </summary>
internal sealed partial class SchoolOidcOptionsSetup(SchoolOidcSettingsCache cache, TimeProvider time, ILogger<SchoolOidcOptionsSetup> logger)
    : IConfigureNamedOptions<OpenIdConnectOptions>
{
    public void Configure(OpenIdConnectOptions options) => Configure(Options.DefaultName, options);

    public void Configure(string? name, OpenIdConnectOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (name is null || SchoolIdentityProviders.SchoolOf(name) is not { } schoolId)
        {
            return;
        }

        var settings = cache.Find(schoolId)
            ?? throw new InvalidOperationException($"The identity provider of school {schoolId} was not prepared before use.");
        options.Authority = settings.Authority;
        options.ClientId = settings.ClientId;
        options.ClientSecret = settings.ClientSecret;
        // Plain http only for a provider on this machine (development and tests); the settings page refuses other http issuers.
        options.RequireHttpsMetadata = !(Uri.TryCreate(settings.Authority, UriKind.Absolute, out var authority)
            && authority.Scheme == Uri.UriSchemeHttp && authority.IsLoopback);
        options.ResponseType = OpenIdConnectResponseType.Code;
        options.UsePkce = true;
        // Query, not form_post: the answer then comes back as a top-level GET, so the correlation and
        // nonce cookies can be SameSite=Lax and also work over plain http on a developer's machine.
        options.ResponseMode = OpenIdConnectResponseMode.Query;
        options.Scope.Clear();
        options.Scope.Add("openid");
        options.Scope.Add("profile");
        options.Scope.Add("email");
        options.CallbackPath = SchoolIdentityProviders.CallbackPath;
        options.SignInScheme = SchoolbelSchemes.External;
        options.SaveTokens = false;
        options.GetClaimsFromUserInfoEndpoint = false;
        // Keep "sub" and "oid" as the provider names them.
        options.MapInboundClaims = false;
        options.DisableTelemetry = true;
        options.BackchannelTimeout = TimeSpan.FromSeconds(15);
        options.TimeProvider = time;
        options.CorrelationCookie.SameSite = SameSiteMode.Lax;
        options.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        options.NonceCookie.SameSite = SameSiteMode.Lax;
        options.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        options.Events = new OpenIdConnectEvents
        {
            OnTokenValidated = context =>
            {
                // Which school this external identity was obtained for; the done page checks it.
                (context.Principal?.Identity as ClaimsIdentity)?.AddClaim(new Claim(SchoolbelClaims.School, schoolId.ToString()));
                return Task.CompletedTask;
            },
            OnRemoteFailure = context =>
            {
                // Wrong state, a refused sign-in, an unreachable provider: back to the sign-in page, never a 500.
                LogRemoteFailure(logger, schoolId, context.Failure?.GetType().Name ?? "unknown", context.Failure?.Message);
                context.Response.Redirect(context.Request.PathBase + "/signin?error=external");
                context.HandleResponse();
                return Task.CompletedTask;
            },
        };
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sign-in with the identity provider of school {SchoolId} failed: {FailureType} {FailureMessage}")]
    private static partial void LogRemoteFailure(ILogger logger, Guid schoolId, string failureType, string? failureMessage);
}
