using Schoolbel.Peak.Load;
using Schoolbel.Peak.Population;
using Schoolbel.Peak.Results;

namespace Schoolbel.Peak.SignInBench;

/// <summary>Random seeded pupils, reproducible from the seed, safe to draw from many threads.</summary>
internal sealed class PupilDraw(SeedPopulation population, int seed)
{
    // CA5394: reproducible load, not security.
#pragma warning disable CA5394
    private readonly Random _random = new(seed);
#pragma warning restore CA5394
    private readonly Lock _lock = new();

    public Identity Next()
    {
        lock (_lock)
        {
            return population.Pick(Role.Pupil, _random);
        }
    }
}

/// <summary>The two ways the benchmark offers API sign-ins.</summary>
internal static class SignInLoad
{
    /// <summary>
    /// Capacity: <paramref name="concurrency"/> pupils sign in back to back (closed loop), each
    /// with a freshly drawn account, for <paramref name="warmup"/> + <paramref name="window"/>.
    /// Only sign-ins that complete inside the window count; with more sign-ins in flight than hash
    /// slots the server's queue is never empty, so the rate is the server's, not the client's.
    /// </summary>
    public static async Task<SignInCounts> ClosedLoopAsync(
        ApiSignIn api, PupilDraw pupils, int concurrency, TimeSpan warmup, TimeSpan window, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(pupils);
        ArgumentNullException.ThrowIfNull(time);
        var tally = new SignInTally();
        var start = time.GetTimestamp();
        tally.WindowStart = start + (long)(warmup.TotalSeconds * time.TimestampFrequency);
        tally.WindowEnd = tally.WindowStart + (long)(window.TotalSeconds * time.TimestampFrequency);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(warmup + window);
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await api.SignInAsync(pupils.Next(), tally, stop.Token);
            }
        }, CancellationToken.None));
        await Task.WhenAll(workers);
        return tally.Snapshot();
    }

    /// <summary>
    /// Storm: pupils arrive at <paramref name="rate"/> per second (Poisson, open model: arrivals do
    /// not wait for the server) until <paramref name="stop"/>; each signs in with a fresh account
    /// and keeps honouring Retry-After until signed in or the storm ends. Returns the arrivals
    /// and the counts once every attempt under way has ended; <paramref name="tally"/>'s window
    /// (set by the caller, also while the storm runs) picks the sign-ins that count as "during".
    /// </summary>
    public static async Task<(int Arrivals, SignInCounts Counts)> StormAsync(
        ApiSignIn api, PupilDraw pupils, SignInTally tally, double rate, TimeSpan longest, int seed, TimeProvider time, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(pupils);
        ArgumentNullException.ThrowIfNull(tally);
        ArgumentNullException.ThrowIfNull(time);
        var offsets = ArrivalSchedule.Build(LoadProfile.Steady(), rate, longest, ArrivalProcess.Poisson, seed);
        var arrivals = 0;
        await new OpenLoopDispatcher(time).RunAsync(offsets, time.GetTimestamp(), (_, _) =>
        {
            if (stop.IsCancellationRequested)
            {
                return Task.CompletedTask;
            }

            Interlocked.Increment(ref arrivals);
            return api.SignInAsync(pupils.Next(), tally, stop);
        }, stop);
        return (arrivals, tally.Snapshot());
    }
}
