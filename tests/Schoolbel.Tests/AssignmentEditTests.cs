using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Schoolbel.Server.Assignments;
using Schoolbel.Server.Data;
using Schoolbel.Server.Grades;
using Schoolbel.Server.Lessons;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests;

/// <summary>Teachers change and delete assignments: the rules for scores already given, the planner and feed, and pupils' work that is never destroyed.</summary>
public sealed class AssignmentEditTests(SharedApps apps)
{
    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task A_changed_due_date_moves_in_the_planner_and_the_feed_and_scores_bound_the_maximum(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var other = await TestSchool.CreateAsync(app);
        var teacher = await school.ApiClientForAsync(school.Teacher);
        var pupilApi = await school.ApiClientForAsync(school.Pupil);
        var course = $"/api/v1/courses/{school.Course.Id}/assignments";
        var now = app.Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        var oldDay = SchoolTime.LocalDate(now).AddDays(8);
        var newDay = oldDay.AddDays(7);
        var title = "Verslag " + school.Tag;
        var created = await teacher.PostAsJsonAsync(course, new { title, dueAt = At(oldDay), graded = true, maxScore = 20 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        // The pupil's week and feed are read (and so cached) before the change.
        var pupilWeb = await school.SignInAsync(school.Pupil);
        var feed = await PlannerTests.NewFeedUrlAsync(pupilWeb, school);
        using var calendarApp = app.CreateClient();
        Assert.Contains(title, await calendarApp.GetStringAsync(feed), StringComparison.Ordinal);
        Assert.Contains(title, await pupilApi.GetStringAsync(Week(oldDay)), StringComparison.Ordinal);

        var newTitle = "Verslag (uitgesteld) " + school.Tag;
        var changed = await teacher.PutAsJsonAsync($"{course}/{id}", new { title = newTitle, dueAt = At(newDay), graded = true, maxScore = 20, acceptsLate = true });
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.True((await changed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("acceptsLate").GetBoolean());
        Assert.DoesNotContain("Verslag", await pupilApi.GetStringAsync(Week(oldDay)), StringComparison.Ordinal);
        Assert.Contains(newTitle, await pupilApi.GetStringAsync(Week(newDay)), StringComparison.Ordinal);
        var calendar = Ical.Net.Calendar.Load(await calendarApp.GetStringAsync(feed))!;
        var due = Assert.Single(calendar.Events, e => e.Uid == $"assignment-{id:N}@schoolbel");
        Assert.Contains(newTitle, due.Summary, StringComparison.Ordinal);
        Assert.Equal(newDay, DateOnly.FromDateTime(due.DtStart!.Value));

        // Bad input names the field and changes nothing.
        var noTitle = await teacher.PutAsJsonAsync($"{course}/{id}", new { title = " ", dueAt = At(newDay), graded = true, maxScore = 20 });
        await AssertFieldAsync(noTitle, "title");

        // Once a score is given, the maximum cannot go below it and the grading cannot be dropped.
        Assert.Equal(HttpStatusCode.Created, (await SubmitAsync(pupilApi, $"{course}/{id}/submissions", "k1", "Mijn verslag")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await teacher.PutAsJsonAsync($"{course}/{id}/reviews/{school.Pupil.Id}", new { score = 15, action = "Release" })).StatusCode);
        await AssertFieldAsync(await teacher.PutAsJsonAsync($"{course}/{id}", new { title = newTitle, dueAt = At(newDay), graded = true, maxScore = 10 }), "maxScore");
        await AssertFieldAsync(await teacher.PutAsJsonAsync($"{course}/{id}", new { title = newTitle, dueAt = At(newDay), graded = false }), "graded");
        var lowered = await teacher.PutAsJsonAsync($"{course}/{id}", new { title = newTitle, dueAt = At(newDay), graded = true, maxScore = 15, weight = 3 });
        Assert.Equal(HttpStatusCode.OK, lowered.StatusCode);
        var evaluation = Assert.Single((await teacher.GetFromJsonAsync<JsonElement>($"/api/v1/courses/{school.Course.Id}/evaluations")).EnumerateArray());
        Assert.Equal((15m, 3m), (evaluation.GetProperty("maxScore").GetDecimal(), evaluation.GetProperty("weight").GetDecimal()));
        var total = (await pupilApi.GetFromJsonAsync<JsonElement>($"/api/v1/pupils/{school.Pupil.Id}/grades")).GetProperty("courses")[0].GetProperty("total");
        Assert.Equal(100m, total.GetProperty("percent").GetDecimal());

        // Pupils may not; other courses and schools do not exist.
        Assert.Equal(HttpStatusCode.Forbidden, (await pupilApi.PutAsJsonAsync($"{course}/{id}", new { title = "x", dueAt = At(newDay) })).StatusCode);
        var stranger = await other.ApiClientForAsync(other.Teacher);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.PutAsJsonAsync($"{course}/{id}", new { title = "x", dueAt = At(newDay) })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.PutAsJsonAsync($"/api/v1/courses/{other.Course.Id}/assignments/{id}", new { title = "x", dueAt = At(newDay) })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await teacher.PutAsJsonAsync($"{course}/{Guid.NewGuid()}", new { title = "x", dueAt = At(newDay) })).StatusCode);
        Assert.Contains(newTitle, await teacher.GetStringAsync($"{course}/{id}"), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task A_deleted_assignment_disappears_for_pupils_but_their_work_stays_stored(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var other = await TestSchool.CreateAsync(app);
        var teacher = await school.ApiClientForAsync(school.Teacher);
        var pupilApi = await school.ApiClientForAsync(school.Pupil);
        var course = $"/api/v1/courses/{school.Course.Id}/assignments";
        var now = app.Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        var dueDay = SchoolTime.LocalDate(now).AddDays(1);
        var title = "Werkstuk " + school.Tag;
        var created = await teacher.PostAsJsonAsync(course, new { title, dueAt = At(dueDay), graded = true, maxScore = 10 });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var pupilWeb = await school.SignInAsync(school.Pupil);
        Assert.Contains(title, await pupilWeb.GetStringAsync($"/{school.Code}/"), StringComparison.Ordinal);
        Assert.Contains(title, await pupilApi.GetStringAsync(Week(dueDay)), StringComparison.Ordinal);
        var posted = await AssignmentsTests.SubmitFromPageAsync(pupilWeb, $"/{school.Code}/courses/{school.Course.Id}/assignments/{id}", "Mijn werk", ("werk.pdf", TestFiles.Pdf(2000)));
        Assert.Equal(HttpStatusCode.SeeOther, posted.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await teacher.PutAsJsonAsync($"{course}/{id}/reviews/{school.Pupil.Id}", new { score = 8, action = "Release" })).StatusCode);
        Assert.Single((await pupilApi.GetFromJsonAsync<JsonElement>($"/api/v1/pupils/{school.Pupil.Id}/grades")).GetProperty("courses")[0].GetProperty("lines").EnumerateArray());

        Assert.Equal(HttpStatusCode.Forbidden, (await pupilApi.DeleteAsync($"{course}/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await (await other.ApiClientForAsync(other.Teacher)).DeleteAsync($"{course}/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await teacher.DeleteAsync($"{course}/{id}")).StatusCode);

        // Gone for everyone: today page, planner, lists, the assignment itself, hand-ins and grades.
        Assert.DoesNotContain(title, await pupilWeb.GetStringAsync($"/{school.Code}/"), StringComparison.Ordinal);
        Assert.DoesNotContain(title, await pupilApi.GetStringAsync(Week(dueDay)), StringComparison.Ordinal);
        Assert.DoesNotContain(title, await teacher.GetStringAsync(course), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await teacher.GetAsync($"{course}/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await pupilApi.GetAsync($"{course}/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await SubmitAsync(pupilApi, $"{course}/{id}/submissions", "k2", "te laat")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await teacher.DeleteAsync($"{course}/{id}")).StatusCode);
        var grades = (await pupilApi.GetFromJsonAsync<JsonElement>($"/api/v1/pupils/{school.Pupil.Id}/grades")).GetProperty("courses")[0];
        Assert.Empty(grades.GetProperty("lines").EnumerateArray());

        // But nothing of the pupil's work was destroyed: the hand-in, its file and the review are still stored.
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
        var row = await db.Set<Assignment>().IgnoreQueryFilters().SingleAsync(a => a.Id == id);
        Assert.NotNull(row.DeletedAt);
        Assert.Equal(school.Teacher.Id, row.DeletedBy);
        Assert.Equal(1, await db.Set<Submission>().IgnoreQueryFilters().CountAsync(s => s.AssignmentId == id));
        Assert.Equal(1, await db.Set<AssignmentFile>().IgnoreQueryFilters().CountAsync(f => f.AssignmentId == id));
        Assert.Equal(1, await db.Set<AssignmentReview>().IgnoreQueryFilters().CountAsync(r => r.AssignmentId == id));
        Assert.Equal(0, await db.Set<Evaluation>().IgnoreQueryFilters().CountAsync(e => e.AssignmentId == id));
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Teachers_edit_and_delete_on_the_pages_and_pupils_cannot(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var teacherApi = await school.ApiClientForAsync(school.Teacher);
        var created = await teacherApi.PostAsJsonAsync($"/api/v1/courses/{school.Course.Id}/assignments", new { title = "Poster", dueAt = DateTimeOffset.UtcNow.AddDays(2) });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var files = await AttachAsync(teacherApi, school.Course.Id, id, ("voorbeeld.pdf", TestFiles.Pdf(1500)));
        Assert.Equal(HttpStatusCode.Created, files.StatusCode);
        var fileId = (await files.Content.ReadFromJsonAsync<JsonElement>())[0].GetProperty("id").GetGuid();

        var web = await school.SignInAsync(school.Teacher);
        var page = $"/{school.Code}/courses/{school.Course.Id}/assignments/{id}";
        Assert.Contains("/edit", await web.GetStringAsync(page), StringComparison.Ordinal);
        var edit = page + "/edit";
        var form = await web.GetStringAsync(edit);
        Assert.Contains("value=\"Poster\"", form, StringComparison.Ordinal);
        Assert.Contains("voorbeeld.pdf", form, StringComparison.Ordinal);

        // Without the anti-forgery token nothing happens.
        using (var forged = new FormUrlEncodedContent(new Dictionary<string, string> { ["title"] = "Gekaapt" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await web.PostAsync(edit + "?handler=Save", forged)).StatusCode);
        }

        var dueLocal = SchoolTime.ToLocal(DateTime.UtcNow.AddDays(4)).ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture);
        var bad = await web.PostFormAsync(edit + "?handler=Save", new() { ["title"] = "", ["dueAt"] = dueLocal }, edit);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("Geef de opdracht een titel.", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var saved = await web.PostFormAsync(edit + "?handler=Save", new() { ["title"] = "Poster over planeten", ["dueAt"] = dueLocal, ["graded"] = "true", ["maxScore"] = "12,5" }, edit);
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        var shown = await web.GetStringAsync(page);
        Assert.Contains("Poster over planeten", shown, StringComparison.Ordinal);
        Assert.Contains("12.5", shown.Replace(',', '.'), StringComparison.Ordinal);

        var removed = await web.PostFormAsync($"{edit}?handler=RemoveAttachment&fileId={fileId}", new(), edit);
        Assert.Equal(HttpStatusCode.Redirect, removed.StatusCode);
        Assert.DoesNotContain("voorbeeld.pdf", await web.GetStringAsync(page), StringComparison.Ordinal);

        // Pupils are forbidden (the cookie scheme sends them to its access-denied page), also for
        // a post with a valid token; another school's teacher finds nothing.
        var pupil = await school.SignInAsync(school.Pupil);
        var refused = await pupil.GetAsync(edit);
        Assert.Equal(HttpStatusCode.Found, refused.StatusCode);
        Assert.Contains("/forbidden", refused.Headers.Location!.ToString(), StringComparison.Ordinal);
        var pupilPost = await pupil.PostFormAsync(edit + "?handler=Delete", new(), page);
        Assert.Contains("/forbidden", pupilPost.Headers.Location!.ToString(), StringComparison.Ordinal);
        var other = await TestSchool.CreateAsync(app);
        var stranger = await other.SignInAsync(other.Teacher);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/{other.Code}/courses/{school.Course.Id}/assignments/{id}/edit")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/{other.Code}/courses/{other.Course.Id}/assignments/{id}/edit")).StatusCode);

        var deleted = await web.PostFormAsync(edit + "?handler=Delete", new(), edit);
        Assert.Equal(HttpStatusCode.Redirect, deleted.StatusCode);
        Assert.DoesNotContain("Poster over planeten", await web.GetStringAsync($"/{school.Code}/courses/{school.Course.Id}/assignments"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await web.GetAsync(page)).StatusCode);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task An_english_speaking_teacher_sees_the_assignment_and_gradebook_pages_in_english(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var api = await school.ApiClientForAsync(school.Teacher);
        var created = await api.PostAsJsonAsync($"/api/v1/courses/{school.Course.Id}/assignments", new { title = "Essay", dueAt = DateTimeOffset.UtcNow.AddDays(2), graded = true, maxScore = 10 });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var web = await school.SignInAsync(school.Teacher);
        var assignment = $"/{school.Code}/courses/{school.Course.Id}/assignments/{id}";
        var gradebook = $"/{school.Code}/courses/{school.Course.Id}/grades";
        Assert.Contains("Alle inzendingen downloaden (zip)", await web.GetStringAsync(assignment), StringComparison.Ordinal);

        await web.PostFormAsync($"/{school.Code}/language", new() { ["culture"] = "en", ["returnUrl"] = assignment }, formPageUrl: assignment);

        var english = await web.GetStringAsync(assignment);
        Assert.Contains("Download all submissions (zip)", english, StringComparison.Ordinal);
        Assert.Contains("Edit or delete the assignment", english, StringComparison.Ordinal);
        Assert.DoesNotContain("Alle inzendingen downloaden", english, StringComparison.Ordinal);
        var edit = await web.GetStringAsync(assignment + "/edit");
        Assert.Contains("Delete assignment", edit, StringComparison.Ordinal);
        var grades = await web.GetStringAsync(gradebook);
        Assert.Contains("Gradebook", grades, StringComparison.Ordinal);
        Assert.Contains("New evaluation", grades, StringComparison.Ordinal);
        Assert.DoesNotContain("Nieuwe evaluatie", grades, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_openapi_document_has_the_edit_and_delete_operations()
    {
        var app = await apps.GetAsync(TestDatabases.Sqlite);
        var document = await app.CreateClient().GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = document.GetProperty("paths");
        var assignment = paths.GetProperty("/api/v1/courses/{courseId}/assignments/{assignmentId}");
        Assert.True(assignment.TryGetProperty("put", out _));
        Assert.Contains("soft delete", assignment.GetProperty("delete").GetProperty("summary").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.True(paths.GetProperty("/api/v1/courses/{courseId}/assignments/{assignmentId}/attachments/{fileId}").TryGetProperty("delete", out _));
        var evaluation = paths.GetProperty("/api/v1/courses/{courseId}/evaluations/{evaluationId}");
        Assert.True(evaluation.TryGetProperty("put", out _));
        Assert.True(evaluation.TryGetProperty("delete", out _));
    }

    internal static async Task AssertFieldAsync(HttpResponseMessage response, string field)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"Expected 400, got {response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(JsonDocument.Parse(body).RootElement.GetProperty("errors").TryGetProperty(field, out _), body);
    }

    internal static async Task<HttpResponseMessage> AttachAsync(HttpClient api, Guid courseId, Guid assignmentId, params (string Name, byte[] Bytes)[] files)
    {
        using var content = new MultipartFormDataContent();
        foreach (var (name, bytes) in files)
        {
            var file = new ByteArrayContent(bytes);
            file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            content.Add(file, "files", name);
        }

        return await api.PostAsync($"/api/v1/courses/{courseId}/assignments/{assignmentId}/attachments", content);
    }

    internal static async Task<HttpResponseMessage> SubmitAsync(HttpClient client, string url, string key, string text)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(new { text }) };
        request.Headers.Add("Idempotency-Key", key);
        return await client.SendAsync(request);
    }

    private static DateTimeOffset At(DateOnly day) => new(SchoolTime.AtUtc(day, new TimeOnly(10, 0)), TimeSpan.Zero);

    private static Uri Week(DateOnly day) => new($"/api/v1/planner/week?date={day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}", UriKind.Relative);
}
