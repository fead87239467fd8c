using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Tests;

/// <summary>
/// The password pool reports the CPU time of each check (<see cref="PasswordCheckPool.CheckCpuTimeInstrument"/>),
/// which the peak simulator subtracts as "the hash's own cost": the CPU of the check's own
/// thread, not its wall time (a low-priority thread may wait for a core, or the check may wait).
/// </summary>
public sealed class PasswordCheckCpuTimeTests
{
    [Fact]
    public async Task Each_check_reports_the_cpu_time_it_used_and_not_the_time_it_waited()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Thread CPU time is read with clock_gettime on Linux.");
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        var recorded = new List<double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            // Only this test's pool: other tests' hosts have pools (and meters) of their own.
            if (instrument.Name == PasswordCheckPool.CheckCpuTimeInstrument && ReferenceEquals(instrument.Meter.Scope, meters))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, value, _, _) =>
        {
            lock (recorded)
            {
                recorded.Add(value);
            }
        });
        listener.Start();
        using var pool = new PasswordCheckPool(
            Options.Create(new SignInOptions { HashSlots = 1 }), TimeProvider.System, NullLogger<PasswordCheckPool>.Instance, meters);

        // A check that works: what it reports is what its thread spent, as the check itself sees it.
        var spent = TimeSpan.Zero;
        var worked = await pool.RunAsync("school-a", () =>
        {
            var before = ThreadCpuClock.Now()!.Value;
            var block = new byte[64 * 1024];
            for (var i = 0; i < 400; i++)
            {
                block = System.Security.Cryptography.SHA256.HashData(block).Concat(block).Take(block.Length).ToArray();
            }

            spent = ThreadCpuClock.Now()!.Value - before;
            return block.Length;
        }, TestContext.Current.CancellationToken);

        // A check that waits 200 ms: hardly any CPU, whatever the clock on the wall says.
        var waited = await pool.RunAsync("school-a", () =>
        {
            Thread.Sleep(200);
            return 0;
        }, TestContext.Current.CancellationToken);

        Assert.True(worked.Ran && waited.Ran);
        lock (recorded)
        {
            Assert.Equal(2, recorded.Count);
            Assert.InRange(recorded[0], spent.TotalSeconds, spent.TotalSeconds + 0.005);
            Assert.True(spent > TimeSpan.FromMilliseconds(1), $"the work took only {spent.TotalMilliseconds} ms of CPU");
            Assert.InRange(recorded[1], 0, 0.02);
        }
    }
}
