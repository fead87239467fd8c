using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Schoolbel.Server.SignIn;

/// <summary>Configuration section <c>Passwords</c>.</summary>
public sealed class PasswordOptions
{
    public const string Section = "Passwords";

    /// <summary>OWASP's 2023 minimum for PBKDF2-HMAC-SHA512.</summary>
    public const int OwaspMinimumIterations = 210_000;

    public int Pbkdf2Iterations { get; set; } = OwaspMinimumIterations;
}

/// <summary>
/// PBKDF2-HMAC-SHA512, built into .NET. The stored form names the algorithm and its cost
/// (<c>pbkdf2-sha512$210000$salt$hash</c>), so a later cost or algorithm can be recognised
/// and the hash upgraded when the person next signs in.
/// </summary>
public sealed class PasswordHasher(IOptions<PasswordOptions> options)
{
    private const string Algorithm = "pbkdf2-sha512";
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    // A real hash of a random password, checked when the username does not exist, so that
    // unknown and known usernames cost the same and cannot be told apart by timing.
    private readonly Lazy<string> _decoy = new(() => new PasswordHasher(options).Hash(Convert.ToBase64String(RandomNumberGenerator.GetBytes(16))));

    public string Hash(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        var iterations = options.Value.Pbkdf2Iterations;
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA512, HashBytes);
        return string.Create(CultureInfo.InvariantCulture, $"{Algorithm}${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");
    }

    public PasswordCheck Verify(string password, string? encoded)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (encoded is null)
        {
            Verify(password, _decoy.Value);
            return PasswordCheck.Failed;
        }

        var parts = encoded.Split('$');
        if (parts.Length != 4 || parts[0] != Algorithm
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations))
        {
            return PasswordCheck.Failed;
        }

        var salt = Convert.FromBase64String(parts[2]);
        var expected = Convert.FromBase64String(parts[3]);
        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA512, expected.Length);
        if (!CryptographicOperations.FixedTimeEquals(actual, expected))
        {
            return PasswordCheck.Failed;
        }

        return iterations < options.Value.Pbkdf2Iterations ? PasswordCheck.SucceededNeedsUpgrade : PasswordCheck.Succeeded;
    }
}

public enum PasswordCheck
{
    Failed,
    Succeeded,
    SucceededNeedsUpgrade,
}
