using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Schoolbel.Server.Courses;
using Schoolbel.Server.Data;
using Schoolbel.Server.People;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests;

public sealed class LessonsTests(SharedApps apps)
{
    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Scheduled_lesson_stays_invisible_until_its_time_then_shows_on_the_today_page(string provider)
    {
        TestDatabases.Require(provider);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await SchoolbelApp.StartAsync(provider, clock);
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.ApiClientForAsync(school.Teacher);
        var course = $"/api/v1/courses/{school.Course.Id}";

        var created = await teacher.PostAsJsonAsync($"{course}/lessons", new { title = "Breuken vereenvoudigen", instructions = "Bekijk eerst de **video**." });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var lessonId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        var note = await (await teacher.PostAsJsonAsync($"{course}/notes", new { title = "Oefening 1", text = "Maak 1 tot 5.", lessonId })).Content.ReadFromJsonAsync<JsonElement>();
        var document = await (await TestFiles.UploadAsync(teacher, school.Course.Id, "breuken.pdf", TestFiles.Pdf(), $"&lessonId={lessonId}")).Content.ReadFromJsonAsync<JsonElement>();
        var documentPath = $"/{school.Code}{document.GetProperty("version").GetProperty("path").GetString()}";
        var publishAt = clock.GetUtcNow().AddHours(1);
        var scheduled = await teacher.PutAsJsonAsync($"{course}/lessons/{lessonId}/schedule", new { publishAt, classIds = new[] { school.Class.Id } });
        Assert.Equal(HttpStatusCode.OK, scheduled.StatusCode);
        var slot = (await scheduled.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("classes")[0];
        Assert.Equal("3B", slot.GetProperty("className").GetString());

        var pupil = await school.SignInAsync(school.Pupil);
        var parent = await school.SignInAsync(school.Parent);
        var lessonPage = $"/{school.Code}/courses/{school.Course.Id}/lessons/{lessonId}";
        Assert.Equal(HttpStatusCode.NotFound, (await pupil.GetAsync(lessonPage)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await pupil.GetAsync(documentPath)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await parent.GetAsync(documentPath)).StatusCode);
        Assert.DoesNotContain("Breuken", await pupil.GetStringAsync($"/{school.Code}/"), StringComparison.Ordinal);
        Assert.DoesNotContain("Breuken", await pupil.GetStringAsync($"/{school.Code}/courses/{school.Course.Id}"), StringComparison.Ordinal);
        var pupilApi = await school.ApiClientForAsync(school.Pupil);
        Assert.Equal(0, (await pupilApi.GetFromJsonAsync<JsonElement>($"{course}/lessons")).GetArrayLength());
        Assert.Equal(HttpStatusCode.NotFound, (await pupilApi.GetAsync($"{course}/lessons/{lessonId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await pupilApi.PutAsync($"{course}/lessons/{lessonId}/items/{note.GetProperty("id").GetString()}/done", null)).StatusCode);

        // The teacher sees it, with the exact time, on the today page too.
        var teacherWeb = await school.SignInAsync(school.Teacher);
        Assert.Equal(HttpStatusCode.OK, (await teacherWeb.GetAsync(lessonPage)).StatusCode);
        Assert.Contains("Breuken vereenvoudigen", await teacherWeb.GetStringAsync($"/{school.Code}/"), StringComparison.Ordinal);

        clock.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(HttpStatusCode.NotFound, (await pupil.GetAsync(documentPath)).StatusCode);
        clock.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(HttpStatusCode.OK, (await pupil.GetAsync(documentPath)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await parent.GetAsync(documentPath)).StatusCode);
        var today = await pupil.GetStringAsync($"/{school.Code}/");
        Assert.Contains("Breuken vereenvoudigen", today, StringComparison.Ordinal);
        Assert.Contains("0 van 2 gedaan", today, StringComparison.Ordinal);
        var page = await pupil.GetStringAsync(lessonPage);
        Assert.Contains("<strong>video</strong>", page, StringComparison.Ordinal);
        Assert.Contains("Oefening 1", page, StringComparison.Ordinal);

        // Progress: the pupil marks an item done, through the page and the API; the teacher sees it.
        var done = await pupil.PostFormAsync($"{lessonPage}?handler=Done", new() { ["itemId"] = note.GetProperty("id").GetString()!, ["done"] = "true" }, lessonPage);
        Assert.Equal(HttpStatusCode.Redirect, done.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await pupilApi.PutAsync($"{course}/lessons/{lessonId}/items/{document.GetProperty("id").GetString()}/done", null)).StatusCode);
        Assert.Contains("2 van 2 gedaan", await pupil.GetStringAsync($"/{school.Code}/"), StringComparison.Ordinal);
        var details = await teacher.GetFromJsonAsync<JsonElement>($"{course}/lessons/{lessonId}");
        var progress = details.GetProperty("progress").EnumerateArray().Single();
        Assert.Equal(school.Pupil.Id, progress.GetProperty("pupilId").GetGuid());
        Assert.Equal(2, progress.GetProperty("doneItemIds").GetArrayLength());
        Assert.Contains("2 / 2", await teacherWeb.GetStringAsync(lessonPage), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Spreading_gives_each_class_its_own_minute_before_the_requested_time(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var classes = await AddClassesAsync(school, "3C", "3D");
        var admin = await school.ApiClientAsync();
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/v1/lesson-settings", new { spreadMinutes = 10 })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PutAsJsonAsync("/api/v1/lesson-settings", new { spreadMinutes = 600 })).StatusCode);
        var teacher = await school.ApiClientForAsync(school.Teacher);
        var course = $"/api/v1/courses/{school.Course.Id}";
        var bell = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(2).AddHours(6).AddMinutes(30), TimeSpan.Zero);

        var first = await ScheduleAsync(teacher, course, "Les 1", bell, null);
        var times = first.ToDictionary(c => c.Class, c => c.At);
        Assert.Equal(3, times.Count);
        Assert.Equal(3, times.Values.Distinct().Count());
        Assert.All(times.Values, t => Assert.InRange(t, bell.AddMinutes(-10), bell.AddMinutes(-1)));

        // A second lesson for 3C at the same bell: 3C keeps its minute (one slot per class).
        var second = await ScheduleAsync(teacher, course, "Les 2", bell, [classes[0]]);
        Assert.Equal(times["3C"], Assert.Single(second).At);

        // Another time with spreading off: exactly the requested minute.
        await admin.PutAsJsonAsync("/api/v1/lesson-settings", new { spreadMinutes = 0 });
        var third = await ScheduleAsync(teacher, course, "Les 3", bell.AddDays(1), null);
        Assert.All(third, c => Assert.Equal(bell.AddDays(1), c.At));

        // The teacher sees the chosen times on the lesson page.
        var web = await school.SignInAsync(school.Teacher);
        var lessons = await teacher.GetFromJsonAsync<JsonElement>($"{course}/lessons");
        Assert.Equal(3, lessons.GetArrayLength());
        var html = await web.GetStringAsync($"/{school.Code}/courses/{school.Course.Id}");
        Assert.Contains(Schoolbel.Server.Lessons.SchoolTime.ToLocal(times["3D"].UtcDateTime).ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture), html, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Only_the_course_teachers_build_lessons(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var other = await TestSchool.CreateAsync(app);
        var pupil = await school.ApiClientForAsync(school.Pupil);
        var colleague = await school.ApiClientForAsync(await school.AddPersonAsync(PersonRole.Teacher, "colleague"));
        var stranger = await other.ApiClientForAsync(other.Teacher);
        var url = $"/api/v1/courses/{school.Course.Id}/lessons";

        Assert.Equal(HttpStatusCode.Forbidden, (await pupil.PostAsJsonAsync(url, new { title = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await colleague.PostAsJsonAsync(url, new { title = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.PostAsJsonAsync(url, new { title = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await (await school.ApiClientForAsync(school.Teacher)).PostAsJsonAsync(url, new { title = "" })).StatusCode);
    }

    private static async Task<List<(string Class, DateTimeOffset At)>> ScheduleAsync(HttpClient teacher, string course, string title, DateTimeOffset at, Guid[]? classIds)
    {
        var lesson = await (await teacher.PostAsJsonAsync($"{course}/lessons", new { title })).Content.ReadFromJsonAsync<JsonElement>();
        var response = await teacher.PutAsJsonAsync($"{course}/lessons/{lesson.GetProperty("id").GetString()}/schedule", new { publishAt = at, classIds });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var summary = await response.Content.ReadFromJsonAsync<JsonElement>();
        return summary.GetProperty("classes").EnumerateArray()
            .Select(c => (c.GetProperty("className").GetString()!, new DateTimeOffset(c.GetProperty("publishAt").GetDateTime(), TimeSpan.Zero)))
            .ToList();
    }

    private static async Task<Guid[]> AddClassesAsync(TestSchool school, params string[] names)
    {
        using var scope = school.App.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
        var ids = new List<Guid>();
        foreach (var name in names)
        {
            var schoolClass = new SchoolClass { SchoolId = school.Id, Name = name, SchoolYear = school.Class.SchoolYear };
            db.Classes.Add(schoolClass);
            db.CourseClasses.Add(new CourseClass { SchoolId = school.Id, CourseId = school.Course.Id, ClassId = schoolClass.Id });
            ids.Add(schoolClass.Id);
        }

        await db.SaveChangesAsync();
        return [.. ids];
    }
}

internal static class TestSchoolApiExtensions
{
    /// <summary>A bearer-token client for any person of the school (TestSchool.ApiClientAsync is the admin's).</summary>
    public static async Task<HttpClient> ApiClientForAsync(this TestSchool school, Person person)
    {
        using var scope = school.App.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<Schoolbel.Server.Schools.SchoolScope>()
            .Enter(new Schoolbel.Server.Schools.SchoolInfo(school.Id, school.Code, school.School.Name, "nl"));
        var created = await scope.ServiceProvider.GetRequiredService<Schoolbel.Server.SignIn.AccessTokens>().CreateAsync(person.Id, "tests", null, CancellationToken.None);
        var client = school.App.CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", created.Value!.Token);
        return client;
    }
}
