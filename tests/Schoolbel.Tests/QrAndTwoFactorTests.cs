using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OtpNet;
using Schoolbel.Server.Data;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests;

public sealed partial class QrAndTwoFactorTests(SharedApps apps)
{
    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task A_printed_qr_card_signs_the_pupil_in_until_new_cards_are_made(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.SignInAsync(school.Teacher);
        var sheet = $"/{school.Code}/classes/{school.Class.Id}/qr-sheet";

        var printed = await (await teacher.PostFormAsync(sheet, [])).Content.ReadAsStringAsync();
        var code = await DecodeFirstCardAsync(app, school, printed);
        var tablet = app.CreateBrowserlikeClient();
        var landing = await tablet.GetStringAsync($"/{school.Code}/qr/{code}");
        Assert.Contains(school.Pupil.FirstName, landing, StringComparison.Ordinal);
        var signedIn = await tablet.PostFormAsync($"/{school.Code}/qr/{code}", []);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Contains(school.Course.Name, await tablet.GetStringAsync($"/{school.Code}/"), StringComparison.Ordinal);

        await teacher.PostFormAsync(sheet, []);
        var old = await app.CreateBrowserlikeClient().GetAsync($"/{school.Code}/qr/{code}");
        Assert.Equal(HttpStatusCode.NotFound, old.StatusCode);

        var stranger = await school.SignInAsync(await school.AddPersonAsync(Schoolbel.Server.People.PersonRole.Teacher, "qrstranger"));
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync(sheet)).StatusCode);
    }

    [Fact]
    public async Task Qr_codes_only_work_from_the_school_networks_when_it_sets_them()
    {
        Assert.True(QrCodes.AllowedFrom(null, IPAddress.Parse("203.0.113.9")));
        Assert.True(QrCodes.AllowedFrom("10.1.0.0/16, 192.168.5.0/24", IPAddress.Parse("192.168.5.77")));
        Assert.True(QrCodes.AllowedFrom("192.168.5.0/24", IPAddress.Parse("::ffff:192.168.5.77")));
        Assert.False(QrCodes.AllowedFrom("192.168.5.0/24", IPAddress.Parse("192.168.6.1")));
        Assert.False(QrCodes.AllowedFrom("192.168.5.0/24", null));
        Assert.False(QrCodes.IsValidNetworkList("192.168.5.0/24, not-a-network"));

        var app = await apps.GetAsync(TestDatabases.Sqlite);
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.SignInAsync(school.Admin);
        var saved = await admin.PostFormAsync($"/{school.Code}/admin/settings", new() { ["staySignedIn"] = "true", ["qrNetworks"] = "198.51.100.0/24" });
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        var printed = await (await admin.PostFormAsync($"/{school.Code}/classes/{school.Class.Id}/qr-sheet", [])).Content.ReadAsStringAsync();
        var code = await DecodeFirstCardAsync(app, school, printed);

        // The test server's client has no address inside that network.
        var refused = await app.CreateBrowserlikeClient().GetAsync($"/{school.Code}/qr/{code}");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    [Fact]
    public async Task Staff_enrol_in_totp_and_then_need_a_code_or_a_recovery_code()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await SchoolbelApp.StartAsync(TestDatabases.Sqlite, time);
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.SignInAsync(school.Teacher);
        var settings = await teacher.GetStringAsync($"/{school.Code}/account/two-factor");
        var secret = SecretKeyPattern().Match(settings).Groups[1].Value;
        var totp = new Totp(Base32Encoding.ToBytes(secret));

        var wrong = await teacher.PostFormAsync($"/{school.Code}/account/two-factor?handler=Confirm",
            new() { ["protectedSecret"] = ProtectedSecretPattern().Match(settings).Groups[1].Value, ["code"] = "000000" }, $"/{school.Code}/account/two-factor");
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        settings = await teacher.GetStringAsync($"/{school.Code}/account/two-factor");
        totp = new Totp(Base32Encoding.ToBytes(SecretKeyPattern().Match(settings).Groups[1].Value)); // each visit offers a new secret
        var confirmed = await teacher.PostFormAsync($"/{school.Code}/account/two-factor?handler=Confirm",
            new() { ["protectedSecret"] = ProtectedSecretPattern().Match(settings).Groups[1].Value, ["code"] = totp.ComputeTotp(time.GetUtcNow().UtcDateTime) }, $"/{school.Code}/account/two-factor");
        var recoveryCodes = RecoveryCodePattern().Matches(await confirmed.Content.ReadAsStringAsync()).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(TwoFactor.RecoveryCodeCount, recoveryCodes.Count);

        // The password alone no longer signs in.
        var browser = app.CreateBrowserlikeClient();
        var step1 = await browser.PostFormAsync($"/{school.Code}/signin", new() { ["username"] = school.Teacher.Username, ["password"] = TestSchool.Password });
        Assert.EndsWith("/signin/two-factor", step1.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync($"/{school.Code}/")).StatusCode);
        var bad = await browser.PostFormAsync($"/{school.Code}/signin/two-factor", new() { ["code"] = "123456" });
        Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
        time.Advance(TimeSpan.FromSeconds(31));
        var good = await browser.PostFormAsync($"/{school.Code}/signin/two-factor", new() { ["code"] = totp.ComputeTotp(time.GetUtcNow().UtcDateTime) });
        Assert.Equal(HttpStatusCode.Redirect, good.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync($"/{school.Code}/")).StatusCode);

        // A recovery code works once.
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(HttpStatusCode.Redirect, (await SignInWithCodeAsync(app, school, recoveryCodes[0])).StatusCode);
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(HttpStatusCode.Unauthorized, (await SignInWithCodeAsync(app, school, recoveryCodes[0])).StatusCode);

        // The API asks for the code too (after the delay that the wrong code above earned).
        time.Advance(TimeSpan.FromSeconds(2));
        var api = await app.CreateClient().PostAsJsonAsync("/api/v1/sessions", new { school = school.Code, username = school.Teacher.Username, password = TestSchool.Password });
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Contains("code", (await api.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_school_that_requires_two_factor_sends_staff_to_enrol_first()
    {
        var app = await apps.GetAsync(TestDatabases.Sqlite);
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.SignInAsync(school.Admin);
        await admin.PostFormAsync($"/{school.Code}/admin/settings", new() { ["staySignedIn"] = "true", ["requireTwoFactor"] = "true" });

        var teacher = await school.SignInAsync(school.Teacher);
        var today = await teacher.GetAsync($"/{school.Code}/");
        var pupil = await school.SignInAsync(school.Pupil);

        Assert.EndsWith("/account/two-factor", today.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await pupil.GetAsync($"/{school.Code}/")).StatusCode);
    }

    private static async Task<HttpResponseMessage> SignInWithCodeAsync(SchoolbelApp app, TestSchool school, string code)
    {
        var browser = app.CreateBrowserlikeClient();
        await browser.PostFormAsync($"/{school.Code}/signin", new() { ["username"] = school.Teacher.Username, ["password"] = TestSchool.Password });
        return await browser.PostFormAsync($"/{school.Code}/signin/two-factor", new() { ["code"] = code });
    }

    /// <summary>Reads the first pupil's code from the printed sheet (the URL under each QR image).</summary>
    private static Task<string> DecodeFirstCardAsync(SchoolbelApp app, TestSchool school, string printedSheet)
    {
        Assert.Contains("data:image/png;base64,", printedSheet, StringComparison.Ordinal);
        var match = CardUrlPattern().Match(printedSheet);
        Assert.True(match.Success, "The sheet has no card for " + school.Code + " on " + app.Provider);
        return Task.FromResult(match.Groups[1].Value);
    }

    [GeneratedRegex("<small class=\"qr-url\">[^<]*/qr/([A-Za-z0-9_-]+)</small>")]
    private static partial Regex CardUrlPattern();

    [GeneratedRegex("<code>([A-Z2-7]+)</code>")]
    private static partial Regex SecretKeyPattern();

    [GeneratedRegex("name=\"protectedSecret\" value=\"([^\"]+)\"")]
    private static partial Regex ProtectedSecretPattern();

    [GeneratedRegex("<li>([0-9a-f]{10})</li>")]
    private static partial Regex RecoveryCodePattern();
}
