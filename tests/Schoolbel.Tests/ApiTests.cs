using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests;

public sealed class ApiTests(SharedApps apps)
{
    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Admin_manages_people_classes_and_courses_through_the_api(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var api = await school.ApiClientAsync();

        var createdClass = await api.PostAsJsonAsync("/api/v1/classes", new { name = "4C" });
        Assert.Equal(HttpStatusCode.Created, createdClass.StatusCode);
        var classId = (await createdClass.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        var createdPupil = await api.PostAsJsonAsync("/api/v1/people", new { role = "Pupil", username = "New.Pupil", firstName = "Nieuw", lastName = "Kind", classIds = new[] { classId } });
        Assert.Equal(HttpStatusCode.Created, createdPupil.StatusCode);
        var pupil = await createdPupil.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("new.pupil", pupil.GetProperty("username").GetString());
        Assert.Equal("4C", pupil.GetProperty("classes")[0].GetProperty("name").GetString());

        var createdCourse = await api.PostAsJsonAsync("/api/v1/courses", new { name = "Frans 4C", teacherIds = new[] { school.Teacher.Id }, classIds = new[] { classId } });
        Assert.Equal(HttpStatusCode.Created, createdCourse.StatusCode);
        var courseId = (await createdCourse.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        var renamed = await api.PutAsJsonAsync($"/api/v1/courses/{courseId}", new { name = "Frans 4C (versterking)" });
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        var course = await renamed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, course.GetProperty("teachers").GetArrayLength());

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/v1/courses/{courseId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/api/v1/courses/{courseId}")).StatusCode);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Invalid_input_gets_a_validation_problem_naming_the_field_and_stores_nothing(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var api = await school.ApiClientAsync();

        var response = await api.PostAsJsonAsync("/api/v1/people", new { role = "Pupil", username = school.Pupil.Username, firstName = "", lastName = "X", classIds = new[] { Guid.NewGuid() } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("username", out _));
        Assert.True(errors.TryGetProperty("firstName", out _));
        Assert.True(errors.TryGetProperty("classIds", out _));
        var people = await api.GetFromJsonAsync<JsonElement>("/api/v1/people");
        Assert.Equal(4, people.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Malformed_json_gets_400_problem_naming_the_field()
    {
        var app = await apps.GetAsync(TestDatabases.Sqlite);
        var school = await TestSchool.CreateAsync(app);
        var api = await school.ApiClientAsync();
        using var body = new StringContent("{\"name\": \"4C\", \"pupilIds\": [\"not-a-guid\"]}", Encoding.UTF8, "application/json");

        var response = await api.PostAsync("/api/v1/classes", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("pupilIds", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Too_large_a_request_gets_413()
    {
        var app = await apps.GetAsync(TestDatabases.Sqlite);
        var school = await TestSchool.CreateAsync(app);
        var api = await school.ApiClientAsync();
        using var body = new StringContent("role,username\n" + new string('x', 6 * 1024 * 1024), Encoding.UTF8, "text/csv");

        var response = await api.PostAsync("/api/v1/people/import", body);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Health_endpoints_answer_a_schools_api_client_but_not_under_a_school_address(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var api = await school.ApiClientAsync();

        // A monitoring client that reuses the school's API client (and so sends its token).
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/{school.Code}/health/live")).StatusCode);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Access_tokens_work_until_revoked(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var api = await school.ApiClientAsync();

        var created = await api.PostAsJsonAsync("/api/v1/access-tokens", new { name = "Smartschool-koppeling", expiresAt = DateTime.UtcNow.AddDays(30) });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var token = await created.Content.ReadFromJsonAsync<JsonElement>();
        var secret = token.GetProperty("token").GetString()!;
        using var second = app.CreateClient();
        second.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        Assert.Equal(HttpStatusCode.OK, (await second.GetAsync("/api/v1/me")).StatusCode);

        var list = await api.GetStringAsync("/api/v1/access-tokens");
        Assert.Contains("Smartschool-koppeling", list, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, list, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/v1/access-tokens/{token.GetProperty("id").GetString()}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await second.GetAsync("/api/v1/me")).StatusCode);
    }

    [Fact]
    public async Task Tokens_with_a_bad_expiry_are_refused_and_expired_tokens_stop_working()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await SchoolbelApp.StartAsync(TestDatabases.Sqlite, time);
        var school = await TestSchool.CreateAsync(app);
        var api = await school.ApiClientAsync();

        var past = await api.PostAsJsonAsync("/api/v1/access-tokens", new { name = "old", expiresAt = time.GetUtcNow().AddDays(-1) });
        var tooLong = await api.PostAsJsonAsync("/api/v1/access-tokens", new { name = "long", expiresAt = time.GetUtcNow().AddYears(3) });
        Assert.Equal(HttpStatusCode.BadRequest, past.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);

        time.Advance(TimeSpan.FromDays(91));
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/api/v1/me")).StatusCode);
    }

    [Fact]
    public async Task Api_refuses_cookies_and_non_admins()
    {
        var app = await apps.GetAsync(TestDatabases.Sqlite);
        var school = await TestSchool.CreateAsync(app);
        var pupilBrowser = await school.SignInAsync(school.Pupil);

        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateClient().GetAsync("/api/v1/people")).StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, (await pupilBrowser.GetAsync("/api/v1/people")).StatusCode);
        var junk = app.CreateClient();
        junk.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "sbpat_not-a-real-token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await junk.GetAsync("/api/v1/me")).StatusCode);
    }

    [Fact]
    public async Task OpenApi_document_describes_the_api()
    {
        var app = await apps.GetAsync(TestDatabases.Sqlite);

        var document = await app.CreateClient().GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var paths = document.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/v1/people", out _));
        Assert.True(paths.TryGetProperty("/api/v1/people/import", out _));
        Assert.True(paths.TryGetProperty("/api/v1/access-tokens", out _));
        Assert.True(paths.TryGetProperty("/api/v1/courses/{courseId}", out _));
    }
}
