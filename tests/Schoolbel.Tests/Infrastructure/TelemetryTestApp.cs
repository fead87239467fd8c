using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Schoolbel.Server.Admission;

namespace Schoolbel.Tests.Infrastructure;

/// <summary>
/// Servers for the metrics tests, on one database. <see cref="Scraped"/> has a scrape token, an
/// allowed network and a stand-in admission layer with fixed gauge readings; <see cref="Closed"/>
/// has the defaults (this machine only). Both take the caller's address from
/// <see cref="RemoteAddressHeader"/>, since the in-memory server has none.
/// </summary>
public sealed class TelemetryTestApp : IAsyncLifetime
{
    public const string RemoteAddressHeader = "X-Test-Remote-Address";
    public const string ScrapeToken = "scrape-token-for-the-tests-0123456789";
    public const string AllowedNetwork = "10.20.0.0/16";

    private SchoolbelApp? _base;

    public FixedAdmissionState Admission { get; } = new(new AdmissionSnapshot(Limit: 42, InFlight: 7, Queued: 3, WaitingRoomSize: 120, AdmissionRatePerSecond: 12.5, BrownOut: false));

    public SchoolbelApp Base => _base ?? throw new InvalidOperationException("Not started.");

    public WebApplicationFactory<Program> Scraped { get; private set; } = null!;

    public WebApplicationFactory<Program> Closed { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        _base = await SchoolbelApp.StartAsync(TestDatabases.Sqlite);
        Scraped = _base.WithWebHostBuilder(b =>
        {
            b.UseSetting("Ops:MetricsToken", ScrapeToken);
            b.UseSetting("Ops:MetricsNetworks:0", AllowedNetwork);
            b.ConfigureTestServices(services =>
            {
                services.AddSingleton<IStartupFilter, RemoteAddressFromHeader>();
                // Stands in for the admission layer (registered by the app once it exists).
                services.Replace(ServiceDescriptor.Singleton<IAdmissionState>(Admission));
                services.Replace(ServiceDescriptor.Singleton<AdmissionMetrics, AdmissionMetrics>());
            });
        });
        Closed = _base.WithWebHostBuilder(b => b.ConfigureTestServices(services => services.AddSingleton<IStartupFilter, RemoteAddressFromHeader>()));
        _ = Scraped.Server;
        _ = Closed.Server;
    }

    public async ValueTask DisposeAsync()
    {
        await Scraped.DisposeAsync();
        await Closed.DisposeAsync();
        if (_base is not null)
        {
            await _base.DisposeAsync();
        }
    }

    /// <summary>Gives the request the address in <see cref="RemoteAddressHeader"/>, as if it came over the network.</summary>
    private sealed class RemoteAddressFromHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((HttpContext context, RequestDelegate nextMiddleware) =>
            {
                if (context.Request.Headers.TryGetValue(RemoteAddressHeader, out var address))
                {
                    context.Connection.RemoteIpAddress = IPAddress.Parse(address.ToString());
                }

                return nextMiddleware(context);
            });
            next(app);
        };
    }
}

/// <summary>An admission layer that always reads the same.</summary>
public sealed class FixedAdmissionState(AdmissionSnapshot snapshot) : IAdmissionState
{
    public AdmissionSnapshot Snapshot() => snapshot;
}
