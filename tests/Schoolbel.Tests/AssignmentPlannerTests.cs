using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Schoolbel.Server.Lessons;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests;

/// <summary>Assignment deadlines reach the planner (and so the calendar feed) of the pupil, the parent and the teacher.</summary>
public sealed class AssignmentPlannerTests(SharedApps apps)
{
    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task A_deadline_shows_in_the_week_of_the_pupil_the_parent_and_the_teacher(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var other = await TestSchool.CreateAsync(app);
        var now = app.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        var dueDay = SchoolTime.LocalDate(now.UtcDateTime).AddDays(8);
        var dueAt = SchoolTime.AtUtc(dueDay, new TimeOnly(10, 0));
        var title = "Verslag " + school.Tag;
        var teacher = await school.ApiClientForAsync(school.Teacher);

        var created = await teacher.PostAsJsonAsync($"/api/v1/courses/{school.Course.Id}/assignments",
            new { title, dueAt = new DateTimeOffset(dueAt, TimeSpan.Zero), graded = false, acceptsLate = true });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var week = $"/api/v1/planner/week?date={dueDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}";
        foreach (var person in new[] { school.Pupil, school.Parent, school.Teacher })
        {
            var client = await school.ApiClientForAsync(person);
            var body = await client.GetStringAsync(new Uri(week, UriKind.Relative));
            Assert.Contains(title, body, StringComparison.Ordinal);
            Assert.Contains("AssignmentDue", body, StringComparison.Ordinal);
            Assert.Contains("/assignments/", body, StringComparison.Ordinal);
        }

        // Another school's pupil in the same week sees nothing of it.
        var stranger = await other.ApiClientForAsync(other.Pupil);
        Assert.DoesNotContain(title, await stranger.GetStringAsync(new Uri(week, UriKind.Relative)), StringComparison.Ordinal);
    }
}
