using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using NSec.Cryptography;

namespace Schoolbel.Peak.SignInBench;

/// <summary>
/// The ceiling for password sign-ins on this machine: how many password hashes per second
/// <c>threads</c> threads compute when they do nothing else. Same library call, same parameters
/// as the server's PasswordHasher.Verify (Argon2id through libsodium or PBKDF2-HMAC-SHA512,
/// 16-byte salt, 32-byte output), on dedicated threads so the thread pool's ramp-up cannot hold
/// it back.
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
    public static HashRate Measure(int threads, HashCost cost, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        ArgumentNullException.ThrowIfNull(cost);
        var counts = new long[threads];
        var seconds = new double[threads];
        var password = "Peak-Pass-1"u8.ToArray();
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);

        // One hash first, outside the clock: the first call pays for loading the crypto library.
        cost.Hash(password, salt, HashBytes);

        using var start = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait(cancellationToken);
            var began = Stopwatch.GetTimestamp();
            long n = 0;
            do
            {
                cost.Hash(password, salt, HashBytes);
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
        return new HashRate(threads, cost.ToString(), seconds.Max(), counts.Sum(), perSecond);
    }
}

/// <summary>Hashes per second with <see cref="Threads"/> threads busy hashing.</summary>
internal sealed record HashRate(int Threads, string Hash, double Seconds, long Hashes, double PerSecond)
{
    /// <summary>Milliseconds of one thread per hash: the CPU cost of one password check.</summary>
    public double MsPerHash => PerSecond <= 0 ? 0 : Threads * 1000.0 / PerSecond;
}

/// <summary>The server's password hash and its cost (the server's <c>Passwords</c> settings).</summary>
internal sealed record HashCost(string Algorithm, int Argon2MemoryKiB, int Argon2Passes, int Pbkdf2Iterations)
{
    public const string Argon2id = "argon2id";
    public const string Pbkdf2 = "pbkdf2";

    public static HashCost ServerDefault { get; } = new(Argon2id, 19_456, 2, 210_000);

    public byte[] Hash(byte[] password, byte[] salt, int length) => Algorithm == Pbkdf2
        ? Rfc2898DeriveBytes.Pbkdf2(password, salt, Pbkdf2Iterations, HashAlgorithmName.SHA512, length)
        : PasswordBasedKeyDerivationAlgorithm.Argon2id(new Argon2Parameters { DegreeOfParallelism = 1, MemorySize = Argon2MemoryKiB, NumberOfPasses = Argon2Passes })
            .DeriveBytes(password, salt, length);

    public override string ToString() => Algorithm == Pbkdf2
        ? string.Create(CultureInfo.InvariantCulture, $"PBKDF2-HMAC-SHA512 x {Pbkdf2Iterations}")
        : string.Create(CultureInfo.InvariantCulture, $"Argon2id {Argon2MemoryKiB} KiB x {Argon2Passes} passes");
}
