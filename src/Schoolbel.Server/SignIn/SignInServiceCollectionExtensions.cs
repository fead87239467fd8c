using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Schoolbel.Server.Data;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;
using Schoolbel.Server.Web;

namespace Schoolbel.Server.SignIn;

internal static class SignInServiceCollectionExtensions
{
    public static IServiceCollection AddSchoolbelSignIn(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PasswordOptions>()
            .Bind(configuration.GetSection(PasswordOptions.Section))
            .Validate(o => o.MeetsOwaspMinimum(),
                "Passwords: below OWASP's minimum (Argon2id: at least 7168 KiB and memory x passes of at least 35840; "
                + $"PBKDF2: at least {PasswordOptions.OwaspMinimumIterations} iterations).")
            .ValidateOnStart();
        services.AddOptions<SignInOptions>()
            .Bind(configuration.GetSection(SignInOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => o.MaxQueueWait > TimeSpan.Zero && o.SessionCheckCacheTime >= TimeSpan.Zero, "SignIn: MaxQueueWait must be positive.")
            .ValidateOnStart();
        services.AddMemoryCache();
        services.AddSingleton<PasswordHasher>();
        services.AddSingleton<PasswordPolicy>();
        services.AddScoped<PasswordResets>();
        services.AddSingleton<PasswordCheckPool>();
        services.AddSingleton<FailedSignInBudget>();
        services.AddScoped<SessionStore>();
        services.AddScoped<ApiSessionTokens>();
        services.AddScoped<QrCodes>();
        services.AddScoped<TwoFactor>();
        services.AddSingleton<PendingTwoFactor>();
        services.AddScoped<EmailPasswordReset>();
        services.AddOptions<EmailOptions>()
            .Bind(configuration.GetSection(EmailOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => !o.Enabled || !string.IsNullOrWhiteSpace(o.SmtpHost), "Email:SmtpHost is required when Email:Enabled is true.")
            .ValidateOnStart();
        services.AddSingleton<EmailSender>();
        services.AddScoped<AccessTokens>();
        services.AddScoped<PasswordSignIn>();

        // Keys live in the database so cookies stay valid across restarts and on every node.
        services.AddDataProtection()
            .SetApplicationName("Schoolbel")
            .PersistKeysToDbContext<SchoolbelDb>();

        services.AddAuthentication(SchoolbelSchemes.Default)
            .AddPolicyScheme(SchoolbelSchemes.Default, "Schoolbel", o => o.ForwardDefaultSelector = context =>
            {
                if (context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
                {
                    return SchoolbelSchemes.Bearer;
                }

                return context.Request.Path.StartsWithSegments("/ops") && !context.Request.PathBase.HasValue
                    ? SchoolbelSchemes.OperatorCookie
                    : SchoolbelSchemes.SchoolCookie;
            })
            .AddCookie(SchoolbelSchemes.SchoolCookie, o =>
            {
                // No explicit path: the handler uses PathBase, which is "/{code}" in path mode,
                // so each school's cookie only travels to that school.
                o.Cookie.Name = "sb_session";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.LoginPath = "/signin";
                o.LogoutPath = "/signout";
                o.AccessDeniedPath = "/forbidden";
                // Each sign-in sets its own lifetime (30 days with "stay signed in"); sliding keeps that span.
                o.ExpireTimeSpan = TimeSpan.FromHours(12);
                o.SlidingExpiration = true;
                o.Events.OnValidatePrincipal = CookieSessions.ValidateAsync;
            })
            .AddCookie(SchoolbelSchemes.OperatorCookie, o =>
            {
                o.Cookie.Name = "sb_ops";
                o.Cookie.Path = "/ops";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.LoginPath = "/ops/signin";
                o.LogoutPath = "/ops/signout";
                o.AccessDeniedPath = "/ops/signin";
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
            })
            .AddCookie(SchoolbelSchemes.External, o =>
            {
                // Path follows PathBase like the school cookie: one school's external identity never reaches another.
                o.Cookie.Name = "sb_external";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = TimeSpan.FromMinutes(5);
                o.SlidingExpiration = false;
            })
            .AddScheme<AuthenticationSchemeOptions, AccessTokenAuthenticationHandler>(SchoolbelSchemes.Bearer, null);

        // One OpenID Connect scheme per school, made when first needed (see SchoolIdentityProviders).
        services.Replace(ServiceDescriptor.Singleton<IAuthenticationSchemeProvider, SchoolAuthenticationSchemeProvider>());
        services.AddSingleton<SchoolOidcSettingsCache>();
        services.AddSingleton<SchoolIdentityProviders>();
        services.AddSingleton<IConfigureOptions<OpenIdConnectOptions>, SchoolOidcOptionsSetup>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<OpenIdConnectOptions>, OpenIdConnectPostConfigureOptions>());

        services.AddAuthorizationBuilder()
            // Anything not marked otherwise needs a signed-in user: a forgotten attribute fails closed.
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(SchoolbelPolicies.SchoolMember, p => p
                .AddAuthenticationSchemes(SchoolbelSchemes.SchoolCookie)
                .RequireAuthenticatedUser().RequireClaim(SchoolbelClaims.School))
            .AddPolicy(SchoolbelPolicies.Staff, p => p
                .AddAuthenticationSchemes(SchoolbelSchemes.SchoolCookie)
                .RequireRole(nameof(PersonRole.Teacher), nameof(PersonRole.SchoolAdmin)))
            .AddPolicy(SchoolbelPolicies.SchoolAdmin, p => p
                .AddAuthenticationSchemes(SchoolbelSchemes.SchoolCookie)
                .RequireRole(nameof(PersonRole.SchoolAdmin)))
            .AddPolicy(SchoolbelPolicies.Operator, p => p
                .AddAuthenticationSchemes(SchoolbelSchemes.OperatorCookie)
                .RequireRole(SchoolbelClaims.OperatorRole))
            // The API takes bearer tokens only: a cookie-authenticated API call could be forged cross-site.
            .AddPolicy(SchoolbelPolicies.ApiUser, p => p
                .AddAuthenticationSchemes(SchoolbelSchemes.Bearer)
                .RequireAuthenticatedUser().RequireClaim(SchoolbelClaims.School))
            .AddPolicy(SchoolbelPolicies.ApiAdmin, p => p
                .AddAuthenticationSchemes(SchoolbelSchemes.Bearer)
                .RequireRole(nameof(PersonRole.SchoolAdmin)));

        return services;
    }
}
