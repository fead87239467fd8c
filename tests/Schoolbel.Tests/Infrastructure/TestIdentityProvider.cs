using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Schoolbel.Tests.Infrastructure;

/// <summary>
/// A small OpenID Connect provider (OpenIddict) on a real loopback port, standing in for a
/// school's Entra ID or Google Workspace; one for the whole test run. Each test registers its own
/// client (<see cref="RegisterClientAsync"/>), whose authorize requests sign in that client's
/// <see cref="TestOidcClient.Subject"/> at once (no login page); the token endpoint issues a
/// signed id token for it.
/// </summary>
public sealed class TestIdentityProvider : IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, TestOidcClient> _clients = new(StringComparer.Ordinal);
    private WebApplication? _app;

    /// <summary>The issuer, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Authority { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var databaseName = "idp-" + Guid.NewGuid().ToString("N");
        builder.Services.AddDbContext<ProviderDb>(o =>
        {
            o.UseInMemoryDatabase(databaseName);
            o.UseOpenIddict();
        });
        builder.Services.AddOpenIddict()
            .AddCore(o => o.UseEntityFrameworkCore().UseDbContext<ProviderDb>())
            .AddServer(o =>
            {
                o.SetAuthorizationEndpointUris("connect/authorize").SetTokenEndpointUris("connect/token");
                o.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
                o.RegisterScopes(Scopes.OpenId, Scopes.Profile, Scopes.Email);
                o.AddEphemeralEncryptionKey().AddEphemeralSigningKey().DisableAccessTokenEncryption();
                o.UseAspNetCore().EnableAuthorizationEndpointPassthrough().DisableTransportSecurityRequirement();
            });

        var app = builder.Build();
        app.UseAuthentication();
        app.MapGet("/connect/authorize", (HttpContext context) =>
        {
            var request = context.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
            var client = _clients[request.ClientId!];
            var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
            identity.SetClaim(Claims.Subject, client.Subject);
            identity.SetClaim(Claims.Name, "Test Person");
            if (client.ObjectId is not null)
            {
                identity.SetClaim("oid", client.ObjectId);
            }

            identity.SetScopes(request.GetScopes());
            identity.SetDestinations(_ => [Destinations.IdentityToken, Destinations.AccessToken]);
            return Results.SignIn(new ClaimsPrincipal(identity), properties: null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        });

        await app.StartAsync();
        _app = app;
        Authority = new Uri(app.Urls.First().TrimEnd('/') + "/");

        // The first request to a new Kestrel server here takes seconds; pay that once, not inside a test's sign-in.
        using var warmUp = new HttpClient { Timeout = TimeSpan.FromMinutes(1) };
        await warmUp.GetStringAsync(new Uri(Authority, ".well-known/openid-configuration"));
    }

    /// <summary>Registers Schoolbel as a new client, for these schools' callbacks on the test server.</summary>
    public async Task<TestOidcClient> RegisterClientAsync(params string[] schoolCodes)
    {
        ArgumentNullException.ThrowIfNull(schoolCodes);
        var client = new TestOidcClient("schoolbel-" + Guid.NewGuid().ToString("N")[..12], "secret-" + Guid.NewGuid().ToString("N"));
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = client.ClientId,
            ClientSecret = client.ClientSecret,
            ClientType = ClientTypes.Confidential,
            Permissions =
            {
                Permissions.Endpoints.Authorization,
                Permissions.Endpoints.Token,
                Permissions.GrantTypes.AuthorizationCode,
                Permissions.ResponseTypes.Code,
                Permissions.Scopes.Profile,
                Permissions.Scopes.Email,
            },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        };
        foreach (var code in schoolCodes)
        {
            descriptor.RedirectUris.Add(new Uri($"http://localhost/{code}/signin-oidc"));
        }

        await using var scope = _app!.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>().CreateAsync(descriptor);
        _clients[client.ClientId] = client;
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    private sealed class ProviderDb(DbContextOptions<ProviderDb> options) : DbContext(options);
}

/// <summary>One registered client of the test provider, and who signs in through it next.</summary>
public sealed class TestOidcClient(string clientId, string clientSecret)
{
    public string ClientId { get; } = clientId;
    public string ClientSecret { get; } = clientSecret;

    /// <summary>The "sub" of whoever signs in next.</summary>
    public string Subject { get; set; } = "subject-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>An Entra-style "oid" claim, sent besides "sub" when set.</summary>
    public string? ObjectId { get; set; }
}
