using System.Net;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests;

public sealed class SignInAndTodayTests(SharedApps apps)
{
    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Pupil_signs_in_and_sees_class_and_courses(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var client = await school.SignInAsync(school.Pupil);

        var today = await client.GetAsync($"/{school.Code}/");

        Assert.Equal(HttpStatusCode.OK, today.StatusCode);
        var html = await today.Content.ReadAsStringAsync();
        Assert.Contains("3B", html, StringComparison.Ordinal);
        Assert.Contains(school.Course.Name, html, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Parent_sees_child_and_child_courses(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var client = await school.SignInAsync(school.Parent);

        var html = await client.GetStringAsync($"/{school.Code}/");

        Assert.Contains(school.Pupil.FirstName + " " + school.Pupil.LastName, html, StringComparison.Ordinal);
        Assert.Contains(school.Course.Name, html, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Teacher_sees_own_courses_and_can_open_them(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var client = await school.SignInAsync(school.Teacher);

        var html = await client.GetStringAsync($"/{school.Code}/");
        var course = await client.GetAsync($"/{school.Code}/courses/{school.Course.Id}");

        Assert.Contains(school.Course.Name, html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, course.StatusCode);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Course_page_is_hidden_from_people_outside_the_course(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var outsider = await school.AddPersonAsync(Schoolbel.Server.People.PersonRole.Pupil, "outsider");
        var otherTeacher = await school.AddPersonAsync(Schoolbel.Server.People.PersonRole.Teacher, "otherteacher");

        foreach (var person in new[] { outsider, otherTeacher })
        {
            var client = await school.SignInAsync(person);
            var response = await client.GetAsync($"/{school.Code}/courses/{school.Course.Id}");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        foreach (var person in new[] { school.Pupil, school.Parent, school.Admin })
        {
            var client = await school.SignInAsync(person);
            var response = await client.GetAsync($"/{school.Code}/courses/{school.Course.Id}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Wrong_password_shows_the_form_again_with_a_message(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var client = app.CreateBrowserlikeClient();

        var response = await client.PostFormAsync($"/{school.Code}/signin", new() { ["username"] = school.Pupil.Username, ["password"] = "wrong-password" });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("klopt niet", html, StringComparison.Ordinal);
        Assert.Contains("name=\"password\"", html, StringComparison.Ordinal);
        var today = await client.GetAsync($"/{school.Code}/");
        Assert.Equal(HttpStatusCode.Redirect, today.StatusCode);
        Assert.StartsWith($"http://localhost/{school.Code}/signin", today.Headers.Location!.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Sign_out_ends_the_session(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var client = await school.SignInAsync(school.Pupil);

        var signOut = await client.PostFormAsync($"/{school.Code}/signout", [], formPageUrl: $"/{school.Code}/");
        var today = await client.GetAsync($"/{school.Code}/");

        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, today.StatusCode);
    }

    [Fact]
    public async Task Sign_in_without_antiforgery_token_is_rejected()
    {
        var app = await apps.GetAsync(TestDatabases.Sqlite);
        var school = await TestSchool.CreateAsync(app);
        var client = app.CreateBrowserlikeClient();
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = school.Pupil.Username, ["password"] = TestSchool.Password });

        var response = await client.PostAsync($"/{school.Code}/signin", form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync($"/{school.Code}/")).StatusCode);
    }

    [Fact]
    public async Task Unknown_school_gets_a_404_page()
    {
        var app = await apps.GetAsync(TestDatabases.Sqlite);
        var client = app.CreateBrowserlikeClient();
        client.DefaultRequestHeaders.Accept.ParseAdd("text/html");

        var response = await client.GetAsync("/no-such-school/signin");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("School niet gevonden", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Language_choice_is_remembered()
    {
        var app = await apps.GetAsync(TestDatabases.Sqlite);
        var school = await TestSchool.CreateAsync(app);
        var client = app.CreateBrowserlikeClient();
        Assert.Contains("Gebruikersnaam", await client.GetStringAsync($"/{school.Code}/signin"), StringComparison.Ordinal);

        await client.PostFormAsync($"/{school.Code}/language", new() { ["culture"] = "en", ["returnUrl"] = $"/{school.Code}/signin" }, formPageUrl: $"/{school.Code}/signin");

        Assert.Contains("Username", await client.GetStringAsync($"/{school.Code}/signin"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_endpoints_answer()
    {
        var app = await apps.GetAsync(TestDatabases.Sqlite);
        var client = app.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        var ready = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Pages_send_security_headers()
    {
        var app = await apps.GetAsync(TestDatabases.Sqlite);
        var school = await TestSchool.CreateAsync(app);
        var response = await app.CreateClient().GetAsync($"/{school.Code}/signin");

        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Contains("default-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }
}
