using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Schoolbel.Server.Data;
using Schoolbel.Server.People;
using Schoolbel.Server.SignIn;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests;

/// <summary>
/// Sign-in with the school's identity provider, against a real (small) OpenID Connect provider
/// on a loopback port: Schoolbel fetches its discovery document and keys and redeems the code there.
/// </summary>
public sealed class OidcSignInTests(SharedApps apps, TestIdentityProvider idp)
{
    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task The_round_trip_signs_in_the_person_with_that_external_id_in_that_school(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var client = await idp.RegisterClientAsync(school.Code);
        await ConfigureAsync(school, client);
        await SetExternalIdAsync(app, school.Pupil, client.Subject);

        var browser = app.CreateBrowserlikeClient();
        var done = await RoundTripAsync(browser, $"/{school.Code}/signin/external");

        Assert.Equal(HttpStatusCode.Redirect, done.StatusCode);
        Assert.Equal($"/{school.Code}/", done.Headers.Location!.ToString());
        var today = await browser.GetAsync($"/{school.Code}/");
        Assert.Equal(HttpStatusCode.OK, today.StatusCode);
        var html = await today.Content.ReadAsStringAsync();
        Assert.Contains(school.Pupil.FirstName, html, StringComparison.Ordinal);
        Assert.Contains(school.Course.Name, html, StringComparison.Ordinal);
        Assert.Equal("oidc", await LastSessionMethodAsync(app, school.Pupil));
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task An_unknown_school_account_gets_a_clear_403_and_no_session(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var client = await idp.RegisterClientAsync(school.Code);
        await ConfigureAsync(school, client);
        client.Subject = "nobody-" + school.Tag;

        var browser = app.CreateBrowserlikeClient();
        var done = await RoundTripAsync(browser, $"/{school.Code}/signin/external");

        Assert.Equal(HttpStatusCode.Forbidden, done.StatusCode);
        Assert.Contains("Er is geen Schoolbel-account gekoppeld aan dit schoolaccount.", await done.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var today = await browser.GetAsync($"/{school.Code}/");
        Assert.Equal(HttpStatusCode.Redirect, today.StatusCode);
        Assert.Contains("/signin", today.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, await CountSessionsAsync(app, school));
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task A_sign_in_started_for_one_school_cannot_be_finished_in_another(string provider)
    {
        var app = await apps.GetAsync(provider);
        var schoolA = await TestSchool.CreateAsync(app);
        var schoolB = await TestSchool.CreateAsync(app);
        var client = await idp.RegisterClientAsync(schoolA.Code, schoolB.Code);
        await ConfigureAsync(schoolA, client);
        await ConfigureAsync(schoolB, client);
        // The same person at the provider is known in both schools: only the school the sign-in was for may let them in.
        await SetExternalIdAsync(app, schoolA.Pupil, client.Subject);
        await SetExternalIdAsync(app, schoolB.Pupil, client.Subject);

        // An attacker's client sends every cookie to every path, so B's handler sees A's correlation and nonce cookies too.
        using var attacker = new PathlessCookieClient(app);
        var start = await attacker.SendAsync(HttpMethod.Get, $"/{schoolA.Code}/signin/external");
        using var idpClient = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var callbackA = (await idpClient.GetAsync(start.Headers.Location)).Headers.Location!;
        Assert.StartsWith($"http://localhost/{schoolA.Code}/signin-oidc?", callbackA.ToString(), StringComparison.Ordinal);

        var replayedInB = await attacker.SendAsync(HttpMethod.Get, callbackA.ToString().Replace($"/{schoolA.Code}/", $"/{schoolB.Code}/", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Redirect, replayedInB.StatusCode);
        Assert.Equal($"/{schoolB.Code}/signin?error=external", replayedInB.Headers.Location!.ToString());

        // A's callback succeeds, but the external identity it leaves behind is worth nothing at B.
        var finishedInA = await attacker.SendAsync(HttpMethod.Get, callbackA.PathAndQuery);
        Assert.Equal(HttpStatusCode.Redirect, finishedInA.StatusCode);
        var doneInB = await attacker.SendAsync(HttpMethod.Get, $"/{schoolB.Code}/signin/external/done");
        Assert.Equal(HttpStatusCode.Redirect, doneInB.StatusCode);
        Assert.Equal($"/{schoolB.Code}/signin?error=external", doneInB.Headers.Location!.ToString());
        Assert.Equal(0, await CountSessionsAsync(app, schoolB));
        var page = await attacker.SendAsync(HttpMethod.Get, $"/{schoolB.Code}/signin?error=external");
        Assert.Contains("Aanmelden via je school is niet gelukt", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_button_shows_only_when_configured_and_follows_changed_settings()
    {
        var app = await apps.GetAsync(TestDatabases.Sqlite);
        var school = await TestSchool.CreateAsync(app);
        var browser = app.CreateBrowserlikeClient();
        Assert.DoesNotContain("Aanmelden met", await browser.GetStringAsync($"/{school.Code}/signin"), StringComparison.Ordinal);

        var client = await idp.RegisterClientAsync(school.Code);
        await ConfigureAsync(school, client, displayName: "Microsoft");
        var signInPage = await browser.GetStringAsync($"/{school.Code}/signin");
        Assert.Contains("Aanmelden met Microsoft", signInPage, StringComparison.Ordinal);
        Assert.Contains($"action=\"/{school.Code}/signin/external\"", signInPage, StringComparison.Ordinal);
        var first = await browser.GetAsync($"/{school.Code}/signin/external");
        Assert.Contains("client_id=" + client.ClientId, first.Headers.Location!.Query, StringComparison.Ordinal);

        // A changed setting takes effect at once: the scheme's options are rebuilt.
        await ConfigureAsync(school, client, displayName: "Google", clientId: "another-client");
        Assert.Contains("Aanmelden met Google", await browser.GetStringAsync($"/{school.Code}/signin"), StringComparison.Ordinal);
        var second = await browser.GetAsync($"/{school.Code}/signin/external");
        Assert.Contains("client_id=another-client", second.Headers.Location!.Query, StringComparison.Ordinal);

        await ConfigureAsync(school, client, authority: "");
        Assert.DoesNotContain("Aanmelden met", await browser.GetStringAsync($"/{school.Code}/signin"), StringComparison.Ordinal);
        var off = await browser.GetAsync($"/{school.Code}/signin/external");
        Assert.Equal($"/{school.Code}/signin", off.Headers.Location!.ToString());
    }

    [Fact]
    public async Task Entra_object_id_wins_over_the_per_application_subject()
    {
        var app = await apps.GetAsync(TestDatabases.Sqlite);
        var school = await TestSchool.CreateAsync(app);
        var client = await idp.RegisterClientAsync(school.Code);
        await ConfigureAsync(school, client);
        client.ObjectId = Guid.NewGuid().ToString();
        await SetExternalIdAsync(app, school.Teacher, client.ObjectId);

        var browser = app.CreateBrowserlikeClient();
        var done = await RoundTripAsync(browser, $"/{school.Code}/signin/external");

        Assert.Equal(HttpStatusCode.Redirect, done.StatusCode);
        Assert.Contains(school.Teacher.FirstName, await browser.GetStringAsync($"/{school.Code}/"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_provider_that_cannot_be_reached_sends_back_to_the_sign_in_page()
    {
        var app = await apps.GetAsync(TestDatabases.Sqlite);
        var school = await TestSchool.CreateAsync(app);
        // A loopback port that nothing listens on any more.
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var gone = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/");
        listener.Stop();

        var admin = await school.SignInAsync(school.Admin);
        var saved = await admin.PostFormAsync($"/{school.Code}/admin/settings", new()
        {
            ["staySignedIn"] = "true", ["oidcAuthority"] = gone.ToString(), ["oidcClientId"] = "x", ["oidcDisplayName"] = "Microsoft",
        });
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);

        var browser = app.CreateBrowserlikeClient();
        var start = await browser.GetAsync($"/{school.Code}/signin/external");
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        Assert.Equal($"/{school.Code}/signin?error=external", start.Headers.Location!.ToString());

        var garbage = await browser.GetAsync($"/{school.Code}/signin-oidc?code=abc&state=not-a-state");
        Assert.Equal(HttpStatusCode.Redirect, garbage.StatusCode);
        Assert.Equal($"/{school.Code}/signin?error=external", garbage.Headers.Location!.ToString());
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Admins_set_external_ids_through_the_api_and_the_csv_import(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var api = await school.ApiClientAsync();

        var created = await api.PostAsJsonAsync("/api/v1/people", new { role = "Teacher", username = "ext-" + school.Tag, firstName = "Ext", lastName = "Ern", externalId = "entra-1-" + school.Tag });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var person = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("entra-1-" + school.Tag, person.GetProperty("externalId").GetString());

        var duplicate = await api.PostAsJsonAsync("/api/v1/people", new { role = "Teacher", username = "dup-" + school.Tag, firstName = "Dup", lastName = "Li", externalId = "entra-1-" + school.Tag });
        Assert.Equal(HttpStatusCode.BadRequest, duplicate.StatusCode);
        Assert.True((await duplicate.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("externalId", out _));
        var tooLong = await api.PutAsJsonAsync($"/api/v1/people/{school.Pupil.Id}", new { firstName = "A", lastName = "B", externalId = new string('x', 201) });
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.True((await tooLong.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("externalId", out _));

        var id = person.GetProperty("id").GetString();
        var kept = await api.PutAsJsonAsync($"/api/v1/people/{id}", new { firstName = "Ext", lastName = "Ern2" });
        Assert.Equal("entra-1-" + school.Tag, (await kept.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("externalId").GetString());
        var cleared = await api.PutAsJsonAsync($"/api/v1/people/{id}", new { firstName = "Ext", lastName = "Ern2", externalId = "" });
        Assert.Equal(JsonValueKind.Null, (await cleared.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("externalId").ValueKind);

        var csv = "role,username,first_name,last_name,external_id\n" +
            $"pupil,csv.one-{school.Tag},Csv,One,google-1-{school.Tag}\n" +
            $"pupil,csv.two-{school.Tag},Csv,Two,\n";
        using (var content = new StringContent(csv, Encoding.UTF8, "text/csv"))
        {
            Assert.Equal(HttpStatusCode.OK, (await api.PostAsync("/api/v1/people/import", content)).StatusCode);
        }

        Assert.Equal($"google-1-{school.Tag}", await ExternalIdAsync(app, school, $"csv.one-{school.Tag}"));
        Assert.Null(await ExternalIdAsync(app, school, $"csv.two-{school.Tag}"));

        var clash = "role,username,first_name,last_name,external_id\n" +
            $"pupil,csv.two-{school.Tag},Csv,Two,google-1-{school.Tag}\n";
        using (var content = new StringContent(clash, Encoding.UTF8, "text/csv"))
        {
            var refused = await api.PostAsync("/api/v1/people/import", content);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("external_id", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    /// <summary>Schoolbel → provider (its real URL, a separate client) → Schoolbel's callback → the done page; returns the done page's answer.</summary>
    private async Task<HttpResponseMessage> RoundTripAsync(HttpClient browser, string startUrl)
    {
        var start = await browser.GetAsync(startUrl);
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        var authorize = start.Headers.Location!;
        Assert.StartsWith(idp.Authority + "connect/authorize?", authorize.ToString(), StringComparison.Ordinal);
        Assert.Contains("code_challenge_method=S256", authorize.Query, StringComparison.Ordinal);

        using var idpClient = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var answer = await idpClient.GetAsync(authorize);
        Assert.Equal(HttpStatusCode.Redirect, answer.StatusCode);
        var callback = answer.Headers.Location!;
        Assert.Contains("code=", callback.Query, StringComparison.Ordinal);

        var afterCallback = await browser.GetAsync(callback);
        Assert.Equal(HttpStatusCode.Redirect, afterCallback.StatusCode);
        var done = afterCallback.Headers.Location!.ToString();
        Assert.Contains("/signin/external/done", done, StringComparison.Ordinal);
        return await browser.GetAsync(done);
    }

    private async Task ConfigureAsync(TestSchool school, TestOidcClient client, string displayName = "Microsoft", string? clientId = null, string? authority = null)
    {
        var admin = await school.SignInAsync(school.Admin);
        var saved = await admin.PostFormAsync($"/{school.Code}/admin/settings", new()
        {
            ["staySignedIn"] = "true",
            ["oidcAuthority"] = authority ?? idp.Authority.ToString(),
            ["oidcClientId"] = clientId ?? client.ClientId,
            ["oidcClientSecret"] = client.ClientSecret,
            ["oidcDisplayName"] = displayName,
        });
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
    }

    private static async Task SetExternalIdAsync(SchoolbelApp app, Person person, string externalId)
    {
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
        await db.People.IgnoreQueryFilters().Where(p => p.Id == person.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.ExternalId, externalId));
    }

    private static async Task<string?> ExternalIdAsync(SchoolbelApp app, TestSchool school, string username)
    {
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
        return await db.People.IgnoreQueryFilters().Where(p => p.SchoolId == school.Id && p.Username == username).Select(p => p.ExternalId).SingleAsync();
    }

    /// <summary>Sessions of the school other than its admin's (the admin signed in to change the settings).</summary>
    private static async Task<int> CountSessionsAsync(SchoolbelApp app, TestSchool school)
    {
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
        return await db.Set<SignInSession>().IgnoreQueryFilters().CountAsync(s => s.SchoolId == school.Id && s.PersonId != school.Admin.Id);
    }

    private static async Task<string?> LastSessionMethodAsync(SchoolbelApp app, Person person)
    {
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
        return await db.Set<SignInSession>().IgnoreQueryFilters().Where(s => s.PersonId == person.Id)
            .OrderByDescending(s => s.CreatedAt).Select(s => s.Method).FirstOrDefaultAsync();
    }
}
