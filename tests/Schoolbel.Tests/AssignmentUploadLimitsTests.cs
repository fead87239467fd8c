using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Schoolbel.Server.Assignments;
using Schoolbel.Server.Data;
using Schoolbel.Server.Storage;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests;

/// <summary>
/// Assignment files go through the document upload path: the type is sniffed from the bytes,
/// a file over the size limit or a school over its quota is refused with 413, and a refusal
/// leaves nothing behind (no rows, no blob, no temp file, no quota reservation).
/// </summary>
public sealed class AssignmentUploadLimitsTests(SharedApps apps)
{
    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Teacher_attachments_are_sniffed_and_a_too_large_one_leaves_nothing_behind(string provider)
    {
        var app = await apps.GetAsync(provider);
        await using var host = DocumentsTestHost.Create(app, new Dictionary<string, string> { ["Storage:MaxFileBytes"] = "5000" });
        var school = await TestSchool.CreateAsync(app);
        var teacher = await host.ApiClientAsync(school, school.Teacher);
        var created = await teacher.PostAsJsonAsync($"/api/v1/courses/{school.Course.Id}/assignments", new { title = "Leesopdracht", dueAt = DateTimeOffset.UtcNow.AddDays(3) });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        // The type comes from the bytes, not from the name or the header the client sent.
        var pdf = TestFiles.Pdf(3000);
        var attached = await AssignmentEditTests.AttachAsync(teacher, school.Course.Id, id, ("opgave.dat", pdf));
        Assert.Equal(HttpStatusCode.Created, attached.StatusCode);
        var file = Assert.Single((await attached.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray());
        Assert.Equal("application/pdf", file.GetProperty("contentType").GetString());
        Assert.Equal(TestFiles.Sha256(pdf), file.GetProperty("sha256").GetString());
        var pupil = await host.ApiClientAsync(school, school.Pupil);
        Assert.Equal(pdf, await pupil.GetByteArrayAsync(new Uri("/api/v1" + file.GetProperty("path").GetString(), UriKind.Relative)));
        var stored = host.Files();
        Assert.Single(stored);

        // A program is refused as such; a file over the limit with 413; neither leaves a trace.
        var program = new byte[600];
        "MZ"u8.CopyTo(program);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await AssignmentEditTests.AttachAsync(teacher, school.Course.Id, id, ("setup.pdf", program))).StatusCode);
        var tooLarge = await AssignmentEditTests.AttachAsync(teacher, school.Course.Id, id, ("groot.pdf", TestFiles.Pdf(6000)));
        var body = await tooLarge.Content.ReadAsStringAsync();
        Assert.True(tooLarge.StatusCode == HttpStatusCode.RequestEntityTooLarge, $"{tooLarge.StatusCode}: {body}");
        Assert.Equal("application/problem+json", tooLarge.Content.Headers.ContentType?.MediaType);
        Assert.Contains("te groot", body, StringComparison.Ordinal);

        // Pupils may not add attachments.
        Assert.Equal(HttpStatusCode.Forbidden, (await AssignmentEditTests.AttachAsync(pupil, school.Course.Id, id, ("x.pdf", TestFiles.Pdf(100)))).StatusCode);

        Assert.Equal(stored, host.Files());
        Assert.Equal(1, await CountAsync<AssignmentFile>(app, school));
        Assert.Equal(0, await CountAsync<StorageReservation>(app, school));
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task A_hand_in_when_the_school_is_over_its_quota_is_refused_and_stores_nothing(string provider)
    {
        var app = await apps.GetAsync(provider);
        await using var host = DocumentsTestHost.Create(app, new Dictionary<string, string> { ["Storage:SchoolQuotaBytes"] = "10000" });
        var school = await TestSchool.CreateAsync(app);
        var teacher = await host.ApiClientAsync(school, school.Teacher);
        var created = await teacher.PostAsJsonAsync($"/api/v1/courses/{school.Course.Id}/assignments", new { title = "Portfolio", dueAt = DateTimeOffset.UtcNow.AddDays(3) });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var pupil = await host.ApiClientAsync(school, school.Pupil);

        using (var content = new MultipartFormDataContent())
        {
            content.Add(new StringContent("Mijn portfolio"), "text");
            var file = new ByteArrayContent(TestFiles.Pdf(12_000));
            file.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
            content.Add(file, "files", "portfolio.pdf");
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/courses/{school.Course.Id}/assignments/{id}/submissions") { Content = content };
            request.Headers.Add("Idempotency-Key", "vol");
            var response = await pupil.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.RequestEntityTooLarge, $"{response.StatusCode}: {body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("De opslag van de school is vol", body, StringComparison.Ordinal);
            Assert.DoesNotContain("submissionId", body, StringComparison.Ordinal);
        }

        // The same through the page: the message on the page, with 413.
        var web = await host.SignInAsync(school, school.Pupil);
        var page = $"/{school.Code}/courses/{school.Course.Id}/assignments/{id}";
        var posted = await AssignmentsTests.SubmitFromPageAsync(web, page, "Mijn portfolio", ("portfolio.pdf", TestFiles.Pdf(12_000)));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, posted.StatusCode);
        Assert.Contains("De opslag van de school is vol", await posted.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        Assert.Equal(0, await CountAsync<Submission>(app, school));
        Assert.Equal(0, await CountAsync<AssignmentFile>(app, school));
        Assert.Equal(0, await CountAsync<StorageReservation>(app, school));
        Assert.Empty(host.Files());
        Assert.Empty((await pupil.GetFromJsonAsync<JsonElement>($"/api/v1/courses/{school.Course.Id}/assignments/{id}/submissions"))[0].GetProperty("submissions").EnumerateArray());
    }

    private static async Task<int> CountAsync<T>(SchoolbelApp app, TestSchool school)
        where T : class, Schoolbel.Server.Schools.ISchoolOwned
    {
        using var scope = app.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<SchoolbelDb>().Set<T>().IgnoreQueryFilters().CountAsync(e => e.SchoolId == school.Id);
    }
}
