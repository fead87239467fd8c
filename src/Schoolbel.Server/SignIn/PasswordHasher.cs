using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using NSec.Cryptography;

namespace Schoolbel.Server.SignIn;

/// <summary>Configuration section <c>Passwords</c>.</summary>
public sealed class PasswordOptions
{
    public const string Section = "Passwords";

    /// <summary>OWASP's 2023 minimum for PBKDF2-HMAC-SHA512.</summary>
    public const int OwaspMinimumIterations = 210_000;

    /// <summary>
    /// OWASP's Argon2id configurations trade memory for passes (47 MiB × 1 … 7 MiB × 5), all of
    /// equal strength: at least 7 MiB, and memory × passes of at least 7,168 KiB × 5.
    /// </summary>
    public const int OwaspMinimumArgon2MemoryKiB = 7_168;

    /// <inheritdoc cref="OwaspMinimumArgon2MemoryKiB"/>
    public const long OwaspMinimumArgon2MemoryTimesPasses = 7_168L * 5;

    /// <summary>The algorithm new hashes use. Stored hashes of the other kind still verify and are re-hashed at the next sign-in.</summary>
    public PasswordAlgorithm Algorithm { get; set; } = PasswordAlgorithm.Argon2id;

    /// <summary>Argon2id memory in KiB; OWASP's first choice is 19 MiB with 2 passes.</summary>
    public int Argon2MemoryKiB { get; set; } = 19_456;

    public int Argon2Passes { get; set; } = 2;

    public int Pbkdf2Iterations { get; set; } = OwaspMinimumIterations;

    public bool MeetsOwaspMinimum() => Algorithm switch
    {
        PasswordAlgorithm.Argon2id => Argon2MemoryKiB >= OwaspMinimumArgon2MemoryKiB
            && Argon2Passes >= 1
            && (long)Argon2MemoryKiB * Argon2Passes >= OwaspMinimumArgon2MemoryTimesPasses,
        PasswordAlgorithm.Pbkdf2 => Pbkdf2Iterations >= OwaspMinimumIterations,
        _ => false,
    };
}

public enum PasswordAlgorithm
{
    /// <summary>Memory-hard, and on this hardware about 7x cheaper in CPU than PBKDF2 at OWASP's settings (docs/benchmarks.md).</summary>
    Argon2id,

    /// <summary>PBKDF2-HMAC-SHA512, built into .NET; the algorithm of the first Schoolbel versions.</summary>
    Pbkdf2,
}

/// <summary>
/// Argon2id (libsodium through NSec) by default, PBKDF2-HMAC-SHA512 for hashes made before.
/// Sign-in is the most expensive thing the platform does, and at OWASP's settings Argon2id
/// costs ~24 ms of a core where PBKDF2 costs ~180 ms while being harder to attack with GPUs,
/// so the 08:30 storm needs far fewer cores. The stored form names the algorithm and its cost
/// (<c>argon2id$19456$2$salt$hash</c>, <c>pbkdf2-sha512$210000$salt$hash</c>), so an older
/// algorithm or a lower cost is recognised and the hash upgraded when the person next signs in.
/// </summary>
public sealed class PasswordHasher(IOptions<PasswordOptions> options)
{
    private const string Argon2Name = "argon2id";
    private const string Pbkdf2Name = "pbkdf2-sha512";
    private const int SaltBytes = 16; // libsodium's Argon2id salt size; also fine for PBKDF2
    private const int HashBytes = 32;

    // Stored hashes are data: a damaged or hostile row must not make a check allocate gigabytes
    // or spin for minutes. These bounds are far above any sane setting.
    private const int MaxArgon2MemoryKiB = 1_048_576;
    private const int MaxArgon2Passes = 64;
    private const int MaxPbkdf2Iterations = 10_000_000;

    // A real hash of a random password, checked when the username does not exist, so that
    // unknown and known usernames cost the same and cannot be told apart by timing.
    private readonly Lazy<string> _decoy = new(() => new PasswordHasher(options).Hash(Convert.ToBase64String(RandomNumberGenerator.GetBytes(16))));

    public string Hash(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        var settings = options.Value;
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var bytes = Encoding.UTF8.GetBytes(password);
        if (settings.Algorithm == PasswordAlgorithm.Pbkdf2)
        {
            var pbkdf2 = Rfc2898DeriveBytes.Pbkdf2(bytes, salt, settings.Pbkdf2Iterations, HashAlgorithmName.SHA512, HashBytes);
            return string.Create(CultureInfo.InvariantCulture, $"{Pbkdf2Name}${settings.Pbkdf2Iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(pbkdf2)}");
        }

        var argon2 = Argon2(settings.Argon2MemoryKiB, settings.Argon2Passes).DeriveBytes(bytes, salt, HashBytes);
        return string.Create(CultureInfo.InvariantCulture, $"{Argon2Name}${settings.Argon2MemoryKiB}${settings.Argon2Passes}${Convert.ToBase64String(salt)}${Convert.ToBase64String(argon2)}");
    }

    public PasswordCheck Verify(string password, string? encoded)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (encoded is null)
        {
            Verify(password, _decoy.Value);
            return PasswordCheck.Failed;
        }

        var stored = StoredHash.Parse(encoded);
        if (stored is null)
        {
            return PasswordCheck.Failed;
        }

        var bytes = Encoding.UTF8.GetBytes(password);
        var actual = stored.Algorithm == PasswordAlgorithm.Argon2id
            ? Argon2(stored.Argon2MemoryKiB, stored.Argon2Passes).DeriveBytes(bytes, stored.Salt, stored.Hash.Length)
            : Rfc2898DeriveBytes.Pbkdf2(bytes, stored.Salt, stored.Pbkdf2Iterations, HashAlgorithmName.SHA512, stored.Hash.Length);
        if (!CryptographicOperations.FixedTimeEquals(actual, stored.Hash))
        {
            return PasswordCheck.Failed;
        }

        return stored.IsWeakerThan(options.Value) ? PasswordCheck.SucceededNeedsUpgrade : PasswordCheck.Succeeded;
    }

    private static Argon2id Argon2(int memoryKiB, int passes) =>
        PasswordBasedKeyDerivationAlgorithm.Argon2id(new Argon2Parameters
        {
            DegreeOfParallelism = 1, // libsodium computes one lane; the pool gives each check its own core
            MemorySize = memoryKiB,
            NumberOfPasses = passes,
        });

    /// <summary>A parsed stored hash; null from <see cref="Parse"/> when the text is not one we made.</summary>
    private sealed record StoredHash(PasswordAlgorithm Algorithm, int Argon2MemoryKiB, int Argon2Passes, int Pbkdf2Iterations, byte[] Salt, byte[] Hash)
    {
        public static StoredHash? Parse(string encoded)
        {
            var parts = encoded.Split('$');
            try
            {
                if (parts is [Argon2Name, var memory, var passes, var salt, var hash]
                    && Number(memory, MaxArgon2MemoryKiB) is { } m && m >= 8
                    && Number(passes, MaxArgon2Passes) is { } t
                    && Convert.FromBase64String(salt) is { Length: SaltBytes } saltBytes
                    && Convert.FromBase64String(hash) is { Length: >= 16 } hashBytes)
                {
                    return new StoredHash(PasswordAlgorithm.Argon2id, m, t, 0, saltBytes, hashBytes);
                }

                if (parts is [Pbkdf2Name, var iterations, var pbkdf2Salt, var pbkdf2Hash]
                    && Number(iterations, MaxPbkdf2Iterations) is { } n
                    && Convert.FromBase64String(pbkdf2Hash) is { Length: >= 16 } pbkdf2Bytes)
                {
                    return new StoredHash(PasswordAlgorithm.Pbkdf2, 0, 0, n, Convert.FromBase64String(pbkdf2Salt), pbkdf2Bytes);
                }
            }
            catch (FormatException)
            {
                // Not base64: not a hash we wrote, so no password matches it.
            }

            return null;
        }

        public bool IsWeakerThan(PasswordOptions wanted) => Algorithm != wanted.Algorithm || Algorithm switch
        {
            PasswordAlgorithm.Argon2id => Argon2MemoryKiB < wanted.Argon2MemoryKiB || Argon2Passes < wanted.Argon2Passes,
            _ => Pbkdf2Iterations < wanted.Pbkdf2Iterations,
        };

        private static int? Number(string text, int max) =>
            int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= 1 && value <= max ? value : null;
    }
}

public enum PasswordCheck
{
    Failed,
    Succeeded,
    SucceededNeedsUpgrade,
}
