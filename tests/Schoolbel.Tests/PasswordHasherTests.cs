using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Schoolbel.Server.Data;
using Schoolbel.Server.People;
using Schoolbel.Server.SignIn;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests;

public sealed class PasswordHasherTests(SharedApps apps)
{
    private static PasswordHasher Hasher(PasswordOptions options) => new(Options.Create(options));

    [Fact]
    public void An_argon2id_hash_verifies_the_right_password_only()
    {
        var hasher = Hasher(new PasswordOptions());

        var stored = hasher.Hash("Juist-wachtwoord-1");

        Assert.StartsWith("argon2id$19456$2$", stored, StringComparison.Ordinal);
        Assert.Equal(PasswordCheck.Succeeded, hasher.Verify("Juist-wachtwoord-1", stored));
        Assert.Equal(PasswordCheck.Failed, hasher.Verify("Juist-wachtwoord-2", stored));
        Assert.NotEqual(stored, hasher.Hash("Juist-wachtwoord-1")); // a fresh salt every time
    }

    [Fact]
    public void The_peak_simulators_reference_hash_is_accepted()
    {
        // Schoolbel.Peak's raw hash rate must measure this very computation (SignInBenchTests holds the same string).
        const string stored = "argon2id$19456$2$AAECAwQFBgcICQoLDA0ODw==$5E5KKoJCugmqNxWreMmMXh+V1mrDSZTyNFPxQ/DKjEI=";

        Assert.Equal(PasswordCheck.Succeeded, Hasher(new PasswordOptions()).Verify("Peak-Pass-1", stored));
    }

    [Fact]
    public void A_pbkdf2_hash_from_before_still_verifies_and_asks_for_an_upgrade()
    {
        var old = Hasher(new PasswordOptions { Algorithm = PasswordAlgorithm.Pbkdf2 }).Hash("Oud-wachtwoord-1");

        var hasher = Hasher(new PasswordOptions());

        Assert.StartsWith("pbkdf2-sha512$210000$", old, StringComparison.Ordinal);
        Assert.Equal(PasswordCheck.SucceededNeedsUpgrade, hasher.Verify("Oud-wachtwoord-1", old));
        Assert.Equal(PasswordCheck.Failed, hasher.Verify("Ander-wachtwoord-1", old));
    }

    [Fact]
    public void A_cheaper_argon2id_hash_asks_for_an_upgrade()
    {
        var cheap = Hasher(new PasswordOptions { Argon2MemoryKiB = 7_168, Argon2Passes = 5 }).Hash("Wachtwoord-1");

        Assert.Equal(PasswordCheck.SucceededNeedsUpgrade, Hasher(new PasswordOptions()).Verify("Wachtwoord-1", cheap));
    }

    [Theory]
    [InlineData("")]
    [InlineData("argon2id")]
    [InlineData("argon2id$19456$2$bm90IGJhc2U2NA$AAAA")] // salt of the wrong size
    [InlineData("argon2id$99999999$2$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")] // 95 GiB: refused, not attempted
    [InlineData("argon2id$19456$0$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("argon2id$19456$2$***$***")]
    [InlineData("pbkdf2-sha512$-5$AAAA$AAAA")]
    [InlineData("pbkdf2-sha512$2000000000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("md5$abc")]
    public void A_damaged_or_foreign_stored_hash_matches_no_password(string stored)
    {
        Assert.Equal(PasswordCheck.Failed, Hasher(new PasswordOptions()).Verify("Wachtwoord-1", stored));
    }

    [Theory]
    [InlineData(PasswordAlgorithm.Argon2id, 19_456, 2, 210_000, true)]
    [InlineData(PasswordAlgorithm.Argon2id, 47_104, 1, 210_000, true)]
    [InlineData(PasswordAlgorithm.Argon2id, 7_168, 5, 210_000, true)]
    [InlineData(PasswordAlgorithm.Argon2id, 7_168, 4, 210_000, false)]
    [InlineData(PasswordAlgorithm.Argon2id, 4_096, 10, 210_000, false)]
    [InlineData(PasswordAlgorithm.Pbkdf2, 1, 1, 210_000, true)]
    [InlineData(PasswordAlgorithm.Pbkdf2, 19_456, 2, 100_000, false)]
    public void Settings_below_owasp_minimum_are_refused(PasswordAlgorithm algorithm, int memory, int passes, int iterations, bool accepted)
    {
        var options = new PasswordOptions { Algorithm = algorithm, Argon2MemoryKiB = memory, Argon2Passes = passes, Pbkdf2Iterations = iterations };

        Assert.Equal(accepted, options.MeetsOwaspMinimum());
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Signing_in_with_an_old_pbkdf2_hash_stores_an_argon2id_hash(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var old = Hasher(new PasswordOptions { Algorithm = PasswordAlgorithm.Pbkdf2 }).Hash(TestSchool.Password);
        await SetHashAsync(app, school.Pupil.Id, old);

        using var client = await school.SignInAsync(school.Pupil);
        var today = await client.GetAsync(new Uri($"/{school.Code}/", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, today.StatusCode);
        var stored = await GetHashAsync(app, school.Pupil.Id);
        Assert.StartsWith("argon2id$", stored, StringComparison.Ordinal);
        Assert.Equal(PasswordCheck.Succeeded, Hasher(new PasswordOptions()).Verify(TestSchool.Password, stored));
    }

    private static async Task SetHashAsync(SchoolbelApp app, Guid personId, string hash)
    {
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
        await db.Set<Person>().IgnoreQueryFilters().Where(p => p.Id == personId)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.PasswordHash, hash));
    }

    private static async Task<string?> GetHashAsync(SchoolbelApp app, Guid personId)
    {
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
        return await db.Set<Person>().IgnoreQueryFilters().Where(p => p.Id == personId).Select(p => p.PasswordHash).SingleAsync();
    }
}
