using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using OtpNet;
using Schoolbel.Server.Data;
using Schoolbel.Server.People;

namespace Schoolbel.Server.SignIn;

/// <summary>
/// Two-factor sign-in with a TOTP app (RFC 6238), for teachers and school admins. The secret is
/// stored protected with Data Protection; recovery codes are stored as hashes and work once.
/// </summary>
public sealed class TwoFactor(SchoolbelDb db, IDataProtectionProvider protection, TimeProvider time)
{
    public const int RecoveryCodeCount = 10;
    private const string Issuer = "Schoolbel";
    private readonly IDataProtector _secrets = protection.CreateProtector("Schoolbel.Totp.v1");

    public static bool IsStaff(PersonRole role) => role is PersonRole.Teacher or PersonRole.SchoolAdmin;

    /// <summary>A new secret to show as a QR code; it is kept (protected) in the form until confirmed.</summary>
    public TotpEnrolment Start(Person person)
    {
        ArgumentNullException.ThrowIfNull(person);
        var secret = KeyGeneration.GenerateRandomKey(20);
        var base32 = Base32Encoding.ToString(secret);
        var label = Uri.EscapeDataString($"{Issuer}:{person.Username}");
        var uri = $"otpauth://totp/{label}?secret={base32}&issuer={Issuer}&digits=6&period=30";
        return new TotpEnrolment(base32, _secrets.Protect(base32), uri);
    }

    /// <summary>Turns two-factor on when the code matches; returns the recovery codes to show once, or null.</summary>
    public async Task<IReadOnlyList<string>?> ConfirmAsync(Guid personId, string protectedSecret, string? code, CancellationToken cancellationToken)
    {
        string base32;
        try
        {
            base32 = _secrets.Unprotect(protectedSecret);
        }
        catch (CryptographicException)
        {
            return null;
        }

        if (!Matches(base32, code))
        {
            return null;
        }

        var person = await db.People.FirstAsync(p => p.Id == personId, cancellationToken);
        person.TotpSecret = _secrets.Protect(base32);
        person.TotpEnabledAt = time.GetUtcNow().UtcDateTime;
        var codes = await ReplaceRecoveryCodesAsync(person, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        return codes;
    }

    /// <summary>Checks a code from the app, or a recovery code (which is then used up).</summary>
    public async Task<bool> VerifyAsync(Person person, string? code, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(person);
        if (person.TotpSecret is null || string.IsNullOrWhiteSpace(code))
        {
            return false;
        }

        var cleaned = code.Replace(" ", "", StringComparison.Ordinal).Trim();
        if (cleaned.Length == 6 && cleaned.All(char.IsAsciiDigit))
        {
            return Matches(_secrets.Unprotect(person.TotpSecret), cleaned);
        }

        var hash = AccessTokens.HashSecret(cleaned.ToLowerInvariant());
        var now = time.GetUtcNow().UtcDateTime;
        return await db.Set<RecoveryCode>()
            .Where(r => r.PersonId == person.Id && r.CodeHash == hash && r.UsedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.UsedAt, now), cancellationToken) == 1;
    }

    public async Task DisableAsync(Guid personId, CancellationToken cancellationToken)
    {
        var person = await db.People.FirstAsync(p => p.Id == personId, cancellationToken);
        person.TotpSecret = null;
        person.TotpEnabledAt = null;
        await db.Set<RecoveryCode>().Where(r => r.PersonId == personId).ExecuteDeleteAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<string>> NewRecoveryCodesAsync(Guid personId, CancellationToken cancellationToken)
    {
        var person = await db.People.FirstAsync(p => p.Id == personId, cancellationToken);
        var codes = await ReplaceRecoveryCodesAsync(person, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        return codes;
    }

    public async Task<int> RecoveryCodesLeftAsync(Guid personId, CancellationToken cancellationToken) =>
        await db.Set<RecoveryCode>().CountAsync(r => r.PersonId == personId && r.UsedAt == null, cancellationToken);

    /// <summary>The current code for a secret; for tests and for the enrolment check.</summary>
    public string CurrentCode(string base32) =>
        new Totp(Base32Encoding.ToBytes(base32)).ComputeTotp(time.GetUtcNow().UtcDateTime);

    private bool Matches(string base32, string? code) =>
        code is not null
        && new Totp(Base32Encoding.ToBytes(base32)).VerifyTotp(
            time.GetUtcNow().UtcDateTime, code.Replace(" ", "", StringComparison.Ordinal), out _, VerificationWindow.RfcSpecifiedNetworkDelay);

    private async Task<IReadOnlyList<string>> ReplaceRecoveryCodesAsync(Person person, CancellationToken cancellationToken)
    {
        await db.Set<RecoveryCode>().Where(r => r.PersonId == person.Id).ExecuteDeleteAsync(cancellationToken);
        var codes = Enumerable.Range(0, RecoveryCodeCount)
            .Select(_ => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5)))
            .ToList();
        foreach (var code in codes)
        {
            db.Set<RecoveryCode>().Add(new RecoveryCode { SchoolId = person.SchoolId, PersonId = person.Id, CodeHash = AccessTokens.HashSecret(code) });
        }

        return codes;
    }
}

public sealed record TotpEnrolment(string Secret, string ProtectedSecret, string Uri);
