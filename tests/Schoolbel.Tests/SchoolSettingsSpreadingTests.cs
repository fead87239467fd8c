using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests;

/// <summary>The school admin sets the publication spreading window on the school settings page.</summary>
public sealed partial class SchoolSettingsSpreadingTests(SharedApps apps)
{
    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task School_admin_sets_the_spreading_window_and_lessons_due_at_once_are_spread(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.SignInAsync(school.Admin);
        var settings = $"/{school.Code}/admin/settings";

        var page = await admin.GetStringAsync(settings);
        Assert.Contains("Lessen gespreid publiceren", page, StringComparison.Ordinal);
        Assert.Equal("0", SpreadValue(page));

        var saved = await admin.PostFormAsync($"{settings}?handler=Spreading", new() { ["spreadMinutes"] = "10" }, settings);
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        page = await admin.GetStringAsync(saved.Headers.Location!.ToString());
        Assert.Contains("Opgeslagen.", page, StringComparison.Ordinal);
        Assert.Equal("10", SpreadValue(page));
        var api = await school.ApiClientAsync();
        Assert.Equal(10, (await api.GetFromJsonAsync<JsonElement>("/api/v1/lesson-settings")).GetProperty("spreadMinutes").GetInt32());

        // A lesson for 08:30 is now published in the window before it, and the teacher sees the exact minute.
        var teacherApi = await TeacherApiAsync(app, school);
        var course = $"/api/v1/courses/{school.Course.Id}";
        var lesson = await (await teacherApi.PostAsJsonAsync($"{course}/lessons", new { title = "Maandag" })).Content.ReadFromJsonAsync<JsonElement>();
        var bell = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(3).AddHours(7).AddMinutes(30), TimeSpan.Zero);
        var scheduled = await teacherApi.PutAsJsonAsync($"{course}/lessons/{lesson.GetProperty("id").GetString()}/schedule", new { publishAt = bell });
        Assert.Equal(HttpStatusCode.OK, scheduled.StatusCode);
        var at = (await scheduled.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("classes")[0].GetProperty("publishAt").GetDateTimeOffset();
        Assert.InRange(at, bell.AddMinutes(-10), bell.AddMinutes(-1));
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Bad_spreading_values_are_refused_with_a_clear_message_and_change_nothing(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.SignInAsync(school.Admin);
        var settings = $"/{school.Code}/admin/settings";
        Assert.Equal(HttpStatusCode.Redirect, (await admin.PostFormAsync(settings, new() { ["staySignedIn"] = "true", ["qrNetworks"] = "192.0.2.0/24" })).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await admin.PostFormAsync($"{settings}?handler=Spreading", new() { ["spreadMinutes"] = "5" }, settings)).StatusCode);

        foreach (var (typed, message) in new[]
        {
            ("", "Vul een aantal minuten in (0 = niet spreiden)."),
            ("tien", "Geef een geheel aantal minuten, van 0 tot 60."),
            ("7,5", "Geef een geheel aantal minuten, van 0 tot 60."),
            ("61", "Kies 0 (uit) tot 60 minuten."),
            ("-1", "Kies 0 (uit) tot 60 minuten."),
        })
        {
            var refused = await admin.PostFormAsync($"{settings}?handler=Spreading", new() { ["spreadMinutes"] = typed }, settings);
            var html = await refused.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains(message, System.Net.WebUtility.HtmlDecode(html), StringComparison.Ordinal);
            Assert.Equal(typed, SpreadValue(html)); // what was typed stays in the field
            Assert.Contains("192.0.2.0/24", html, StringComparison.Ordinal); // the other settings show as saved
        }

        Assert.Equal("5", SpreadValue(await admin.GetStringAsync(settings)));
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Only_the_school_admin_may_set_it_and_only_with_the_form_token(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.SignInAsync(school.Admin);
        var settings = $"/{school.Code}/admin/settings";

        // A forged cross-site post carries the cookie but not the page's anti-forgery token.
        using (var forged = new FormUrlEncodedContent(new Dictionary<string, string> { ["spreadMinutes"] = "30" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsync($"{settings}?handler=Spreading", forged)).StatusCode);
        }

        var teacher = await school.SignInAsync(school.Teacher);
        using (var content = new FormUrlEncodedContent(new Dictionary<string, string> { ["spreadMinutes"] = "30" }))
        {
            var response = await teacher.PostAsync($"{settings}?handler=Spreading", content);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Contains("/forbidden", response.Headers.Location!.ToString(), StringComparison.Ordinal);
        }

        Assert.Equal("0", SpreadValue(await admin.GetStringAsync(settings)));
    }

    private static string? SpreadValue(string html)
    {
        var match = SpreadInput().Match(html);
        return match.Success ? System.Net.WebUtility.HtmlDecode(match.Groups[1].Value) : null;
    }

    private static async Task<HttpClient> TeacherApiAsync(SchoolbelApp app, TestSchool school)
    {
        using var scope = app.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<SchoolScope>().Enter(new SchoolInfo(school.Id, school.Code, school.School.Name, "nl"));
        var created = await scope.ServiceProvider.GetRequiredService<AccessTokens>().CreateAsync(school.Teacher.Id, "tests", null, CancellationToken.None);
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", created.Value!.Token);
        return client;
    }

    [GeneratedRegex("<input id=\"spreadMinutes\"[^>]*?value=\"([^\"]*)\"")]
    private static partial Regex SpreadInput();
}
