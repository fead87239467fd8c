using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Schoolbel.Server.Data;

namespace Schoolbel.Server.Ops;

/// <summary>
/// Prepares the database (and the demo school on an empty one) before the server takes
/// requests, then prints where to go. A hosted service rather than code in Main, so that
/// test hosts go through exactly the same start.
/// </summary>
internal sealed class StartupService(
    IServiceScopeFactory scopes,
    IOptions<DemoOptions> demo,
    IServer server,
    IHostApplicationLifetime lifetime) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateScope();
        await scope.ServiceProvider.GetRequiredService<DatabaseStartup>().PrepareAsync(cancellationToken);
        IReadOnlyList<DemoAccount>? accounts = null;
        if (demo.Value.SeedWhenEmpty)
        {
            accounts = await scope.ServiceProvider.GetRequiredService<DemoSchoolSeeder>().SeedIfEmptyAsync(cancellationToken);
        }

        lifetime.ApplicationStarted.Register(() => PrintBanner(accounts));
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void PrintBanner(IReadOnlyList<DemoAccount>? accounts)
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var url = addresses.FirstOrDefault() ?? SchoolbelApp.DefaultUrl;
        var output = Console.Out;
        output.WriteLine();
        output.WriteLine($"Schoolbel is running at {url}");
        if (accounts is not null)
        {
            output.WriteLine("A demo school was created. Demo accounts:");
            foreach (var account in accounts)
            {
                var where = account.SchoolCode is null ? $"{url}/ops/signin" : $"{url}/{account.SchoolCode}/signin";
                output.WriteLine($"  {account.Role,-16} {account.Username,-12} {account.Password,-24} {where}");
            }
        }
        else
        {
            output.WriteLine($"Demo school: {url}/{DemoSchoolSeeder.SchoolCode}/  (accounts as printed at first start; see README)");
        }

        output.WriteLine();
    }
}
