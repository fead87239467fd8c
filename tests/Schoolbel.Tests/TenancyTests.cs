using System.Net;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests;

public sealed class TenancyTests(SharedApps apps)
{
    [Fact]
    public async Task With_a_domain_the_school_comes_from_the_host_name()
    {
        await using var app = await SchoolbelApp.StartAsync(TestDatabases.Sqlite, settings: new Dictionary<string, string> { ["Tenancy:Domain"] = "schoolbel.test" });
        var school = await TestSchool.CreateAsync(app);
        var client = app.CreateBrowserlikeClient();
        client.BaseAddress = new Uri($"http://{school.Code}.schoolbel.test/");

        var signIn = await client.PostFormAsync("/signin", new() { ["username"] = school.Pupil.Username, ["password"] = TestSchool.Password });
        var today = await client.GetAsync("/");

        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal(HttpStatusCode.OK, today.StatusCode);
        Assert.Contains(school.Course.Name, await today.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var unknown = app.CreateBrowserlikeClient();
        unknown.BaseAddress = new Uri("http://no-such-school.schoolbel.test/");
        Assert.Equal(HttpStatusCode.NotFound, (await unknown.GetAsync("/signin")).StatusCode);
    }

    [Fact]
    public async Task With_a_domain_an_admins_token_of_one_school_is_refused_at_another_schools_host()
    {
        // The API policy authenticates the bearer token again after the school check; the refusal
        // must not be undone by that (it was: school B's people listed with school A's admin token).
        await using var app = await SchoolbelApp.StartAsync(TestDatabases.Sqlite, settings: new Dictionary<string, string> { ["Tenancy:Domain"] = "schoolbel.test" });
        var own = await TestSchool.CreateAsync(app);
        var other = await TestSchool.CreateAsync(app);
        var api = await own.ApiClientAsync();

        var atHome = await api.GetAsync(new Uri($"http://{own.Code}.schoolbel.test/api/v1/people"));
        var elsewhere = await api.GetAsync(new Uri($"http://{other.Code}.schoolbel.test/api/v1/people"));

        Assert.Equal(HttpStatusCode.OK, atHome.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, elsewhere.StatusCode);
        Assert.Equal("application/problem+json", elsewhere.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain(other.Pupil.Username, await elsewhere.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Operator_pages_never_answer_inside_a_school()
    {
        var app = await apps.GetAsync(TestDatabases.Sqlite);
        var school = await TestSchool.CreateAsync(app);
        var client = app.CreateBrowserlikeClient();

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/{school.Code}/ops/signin")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/ops/signin")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/welcome")).StatusCode);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Operators_list_and_create_schools(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var username = "op-" + school.Tag;
        using (var scope = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.CreateScope(app.Services))
        {
            var services = scope.ServiceProvider;
            var db = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Schoolbel.Server.Data.SchoolbelDb>(services);
            var hasher = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Schoolbel.Server.SignIn.PasswordHasher>(services);
            db.Operators.Add(new Schoolbel.Server.Ops.PlatformOperator { Username = username, DisplayName = "Operator", PasswordHash = hasher.Hash(TestSchool.Password), CreatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }

        var client = app.CreateBrowserlikeClient();
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/ops")).StatusCode);
        var signIn = await client.PostFormAsync("/ops/signin", new() { ["username"] = username, ["password"] = TestSchool.Password });
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Contains(school.Code, await client.GetStringAsync("/ops"), StringComparison.Ordinal);

        var reserved = await client.PostFormAsync("/ops", new() { ["code"] = "api", ["name"] = "Nope", ["language"] = "nl" });
        Assert.Equal(HttpStatusCode.BadRequest, reserved.StatusCode);
        var code = "n" + school.Tag;
        var created = await client.PostFormAsync("/ops", new() { ["code"] = code, ["name"] = "Nieuwe school", ["language"] = "en" });
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.CreateClient().GetAsync($"/{code}/signin")).StatusCode);

        // A school admin's cookie is no operator's.
        var admin = await school.SignInAsync(school.Admin);
        Assert.Equal(HttpStatusCode.Redirect, (await admin.GetAsync("/ops")).StatusCode);
    }

    [Fact]
    public async Task The_interactive_api_reference_is_served_without_a_cdn()
    {
        var app = await apps.GetAsync(TestDatabases.Sqlite);
        var client = app.CreateClient();

        var page = await client.GetStringAsync("/scalar/");
        var script = await client.GetAsync("/scalar/scalar.js");

        Assert.Contains("src=\"scalar.js\"", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
    }
}
