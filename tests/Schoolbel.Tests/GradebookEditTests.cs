using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Schoolbel.Server.Data;
using Schoolbel.Server.Grades;
using Schoolbel.Server.Jobs;
using Schoolbel.Server.Notifications;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests;

/// <summary>Teachers change and delete evaluations: scores bound the maximum, deleted scores leave the totals, and a queued notification about a deleted evaluation says nothing.</summary>
public sealed class GradebookEditTests
{
    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Evaluations_are_edited_and_deleted_and_a_queued_notification_of_a_deleted_one_announces_nothing(string provider)
    {
        TestDatabases.Require(provider);
        // No background runner: the notification jobs wait in the queue until this test runs them.
        await using var app = await SchoolbelApp.StartAsync(provider, settings: new Dictionary<string, string> { ["Jobs:RunInBackground"] = "false" });
        var school = await TestSchool.CreateAsync(app);
        var other = await TestSchool.CreateAsync(app);
        var teacher = await school.ApiClientForAsync(school.Teacher);
        var pupil = await school.ApiClientForAsync(school.Pupil);
        var evaluations = $"/api/v1/courses/{school.Course.Id}/evaluations";
        var test = await CreateScoredAndReleasedAsync(teacher, evaluations, "Toets breuken", 20, 15, school.Pupil.Id);
        var dictation = await CreateScoredAndReleasedAsync(teacher, evaluations, "Dictee", 10, 8, school.Pupil.Id);
        Assert.Equal(2, await QueuedGradeJobsAsync(app));

        // A maximum below the 15 already given names the field; bad input too; nothing changes.
        await AssignmentEditTests.AssertFieldAsync(await teacher.PutAsJsonAsync($"{evaluations}/{test}", new { name = "Toets", date = "2026-11-30", maxScore = 10 }), "maxScore");
        await AssignmentEditTests.AssertFieldAsync(await teacher.PutAsJsonAsync($"{evaluations}/{test}", new { name = "", date = "2026-11-30", maxScore = 20 }), "name");
        var changed = await teacher.PutAsJsonAsync($"{evaluations}/{test}", new { name = "Toets breuken (herwerkt)", date = "2026-12-01", maxScore = 30, weight = 2, category = "toets" });
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        var view = await changed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("Toets breuken (herwerkt)", "2026-12-01", 30m, 2m, "toets"),
            (view.GetProperty("name").GetString(), view.GetProperty("date").GetString(), view.GetProperty("maxScore").GetDecimal(), view.GetProperty("weight").GetDecimal(), view.GetProperty("category").GetString()));
        // (2 × 15/30 + 1 × 8/10) / 3 = 60 %
        Assert.Equal(60m, await TotalAsync(pupil, school.Pupil.Id));

        // Pupils may not; another school's teacher finds nothing.
        Assert.Equal(HttpStatusCode.Forbidden, (await pupil.PutAsJsonAsync($"{evaluations}/{test}", new { name = "x", date = "2026-11-30", maxScore = 100 })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await pupil.DeleteAsync($"{evaluations}/{test}")).StatusCode);
        var stranger = await other.ApiClientForAsync(other.Teacher);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.DeleteAsync($"{evaluations}/{test}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.DeleteAsync($"/api/v1/courses/{other.Course.Id}/evaluations/{test}")).StatusCode);

        // Deleting takes its score out of the total (only the dictation's 8/10 is left).
        Assert.Equal(HttpStatusCode.NoContent, (await teacher.DeleteAsync($"{evaluations}/{test}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await teacher.DeleteAsync($"{evaluations}/{test}")).StatusCode);
        Assert.Equal(80m, await TotalAsync(pupil, school.Pupil.Id));
        Assert.Equal(dictation, Assert.Single((await teacher.GetFromJsonAsync<JsonElement>(evaluations)).EnumerateArray()).GetProperty("id").GetGuid());

        // Both jobs run; only the dictation is announced.
        var handler = app.Services.GetServices<IJobHandler>().Single(h => h.Kind == GradeNotifications.JobKind);
        var runner = new JobRunner(app.Services.GetRequiredService<IServiceScopeFactory>(), [handler], [],
            Options.Create(new JobsOptions { NodeName = "test", Lease = TimeSpan.FromMinutes(2), RetryDelay = TimeSpan.FromSeconds(30) }),
            TimeProvider.System, NullLogger<JobRunner>.Instance);
        Assert.Equal(2, await runner.RunDueAsync(CancellationToken.None));
        Assert.Equal(0, await QueuedGradeJobsAsync(app));
        using var scope = app.Services.CreateScope();
        var titles = await scope.ServiceProvider.GetRequiredService<SchoolbelDb>().Set<Notification>().IgnoreQueryFilters()
            .Where(n => n.PersonId == school.Pupil.Id || n.PersonId == school.Parent.Id).Select(n => n.Title).ToListAsync();
        Assert.Equal(2, titles.Count);
        Assert.All(titles, t => Assert.StartsWith("Nieuw punt: Dictee", t, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task The_evaluation_page_edits_and_deletes_and_an_assignments_evaluation_stays(string provider)
    {
        TestDatabases.Require(provider);
        await using var app = await SchoolbelApp.StartAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.ApiClientForAsync(school.Teacher);
        var evaluations = $"/api/v1/courses/{school.Course.Id}/evaluations";
        var test = await CreateScoredAndReleasedAsync(teacher, evaluations, "Toets", 20, 15, school.Pupil.Id);
        var web = await school.SignInAsync(school.Teacher);
        var page = $"/{school.Code}/courses/{school.Course.Id}/grades/{test}";

        var tooLow = await web.PostFormAsync(page + "?handler=Edit", new() { ["name"] = "Toets", ["date"] = "2026-11-30", ["maxScore"] = "12" }, page);
        Assert.Equal(HttpStatusCode.BadRequest, tooLow.StatusCode);
        Assert.Contains("het maximum kan niet lager", await tooLow.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var saved = await web.PostFormAsync(page + "?handler=Edit", new() { ["name"] = "Toets meetkunde", ["date"] = "2026-11-30", ["maxScore"] = "25", ["weight"] = "1,5", ["category"] = "toets" }, page);
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        var shown = await web.GetStringAsync(page);
        Assert.Contains("Toets meetkunde", shown, StringComparison.Ordinal);
        Assert.Contains("1.5", shown.Replace(',', '.'), StringComparison.Ordinal);

        var pupil = await school.SignInAsync(school.Pupil);
        var refused = await pupil.PostFormAsync(page + "?handler=Delete", new(), $"/{school.Code}/");
        Assert.Contains("/forbidden", refused.Headers.Location?.ToString() ?? "", StringComparison.Ordinal);
        Assert.Single((await teacher.GetFromJsonAsync<JsonElement>(evaluations)).EnumerateArray());

        var deleted = await web.PostFormAsync(page + "?handler=Delete", new(), page);
        Assert.Equal(HttpStatusCode.Redirect, deleted.StatusCode);
        Assert.Empty((await teacher.GetFromJsonAsync<JsonElement>(evaluations)).EnumerateArray());

        // A graded assignment's evaluation goes with the assignment: 409 in the API, a message on the page.
        var created = await teacher.PostAsJsonAsync($"/api/v1/courses/{school.Course.Id}/assignments", new { title = "Taak", dueAt = DateTimeOffset.UtcNow.AddDays(2), graded = true, maxScore = 10 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var evaluation = Assert.Single((await teacher.GetFromJsonAsync<JsonElement>(evaluations)).EnumerateArray()).GetProperty("id").GetGuid();
        var conflict = await teacher.DeleteAsync($"{evaluations}/{evaluation}");
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Equal("application/problem+json", conflict.Content.Headers.ContentType?.MediaType);
        var assignmentPage = $"/{school.Code}/courses/{school.Course.Id}/grades/{evaluation}";
        var refusedOnPage = await web.PostFormAsync(assignmentPage + "?handler=Delete", new(), assignmentPage);
        Assert.Equal(HttpStatusCode.Conflict, refusedOnPage.StatusCode);
        Assert.Contains("hoort bij een opdracht", await refusedOnPage.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Its maximum follows an edit in the gradebook, so reviews are scored against the same one.
        Assert.Equal(HttpStatusCode.OK, (await teacher.PutAsJsonAsync($"{evaluations}/{evaluation}", new { name = "Taak", date = "2026-11-30", maxScore = 40 })).StatusCode);
        var assignmentId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var assignment = await teacher.GetFromJsonAsync<JsonElement>($"/api/v1/courses/{school.Course.Id}/assignments/{assignmentId}");
        Assert.Equal(40m, assignment.GetProperty("assignment").GetProperty("maxScore").GetDecimal());
    }

    private static async Task<Guid> CreateScoredAndReleasedAsync(HttpClient teacher, string evaluations, string name, decimal max, decimal points, Guid pupilId)
    {
        var created = await teacher.PostAsJsonAsync(evaluations, new { name, date = "2026-11-30", maxScore = max });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.OK, (await teacher.PutAsJsonAsync($"{evaluations}/{id}/scores", new { scores = new[] { new { pupilId, points } } })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await teacher.PostAsync($"{evaluations}/{id}/release", null)).StatusCode);
        return id;
    }

    private static async Task<decimal?> TotalAsync(HttpClient pupil, Guid pupilId)
    {
        var total = (await pupil.GetFromJsonAsync<JsonElement>($"/api/v1/pupils/{pupilId}/grades")).GetProperty("courses")[0].GetProperty("total").GetProperty("percent");
        return total.ValueKind == JsonValueKind.Null ? null : total.GetDecimal();
    }

    private static async Task<int> QueuedGradeJobsAsync(SchoolbelApp app)
    {
        using var scope = app.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<SchoolbelDb>().Set<Job>().CountAsync(j => j.Kind == GradeNotifications.JobKind && j.State == JobState.Queued);
    }
}
