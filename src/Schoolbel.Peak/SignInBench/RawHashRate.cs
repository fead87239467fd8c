using System.Diagnostics;
using System.Security.Cryptography;

namespace Schoolbel.Peak.SignInBench;

/// <summary>
/// The ceiling for password sign-ins on this machine: how many PBKDF2-HMAC-SHA512 hashes per
/// second <c>threads</c> threads compute when they do nothing else. Same call, same parameters
/// as the server's PasswordHasher.Verify (16-byte salt, 32-byte output), on dedicated threads
/// so the thread pool's ramp-up cannot hold it back.
/// </summary>
internal static class RawHashRate
{
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    /// <summary>
    /// Each thread hashes until <paramref name="duration"/> has passed. The rate is the sum over
    /// threads of hashes / that thread's own elapsed time, so the last hash, which ends after the
    /// deadline, is counted with the time it really took instead of being cut off or stretched.
    /// </summary>
    public static HashRate Measure(int threads, int iterations, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        var counts = new long[threads];
        var seconds = new double[threads];
        var password = "Peak-Pass-1"u8.ToArray();
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);

        // One hash first, outside the clock: the first call pays for loading the crypto library.
        Rfc2898DeriveBytes.Pbkdf2(password, salt, 1, HashAlgorithmName.SHA512, HashBytes);

        using var start = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait(cancellationToken);
            var began = Stopwatch.GetTimestamp();
            long n = 0;
            do
            {
                Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA512, HashBytes);
                n++;
            }
            while (Stopwatch.GetElapsedTime(began) < duration && !cancellationToken.IsCancellationRequested);

            counts[t] = n;
            seconds[t] = Stopwatch.GetElapsedTime(began).TotalSeconds;
        })
        {
            IsBackground = true,
            Name = "raw-hash-" + t,
        }).ToList();

        foreach (var worker in workers)
        {
            worker.Start();
        }

        foreach (var worker in workers)
        {
            worker.Join();
        }

        var perSecond = Enumerable.Range(0, threads).Sum(t => counts[t] / seconds[t]);
        return new HashRate(threads, iterations, seconds.Max(), counts.Sum(), perSecond);
    }
}

/// <summary>Hashes per second with <see cref="Threads"/> threads busy hashing.</summary>
internal sealed record HashRate(int Threads, int Iterations, double Seconds, long Hashes, double PerSecond)
{
    /// <summary>Milliseconds of one thread per hash: the CPU cost of one password check.</summary>
    public double MsPerHash => PerSecond <= 0 ? 0 : Threads * 1000.0 / PerSecond;
}
