using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Schoolbel.Server.Data;
using Schoolbel.Server.Documents;
using Schoolbel.Server.Schools;
using Schoolbel.Server.Storage;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests;

/// <summary>
/// The school quota under concurrency: uploads that start at the same moment, on two nodes of
/// one database, can never together store more than the quota.
/// </summary>
public sealed class DocumentsQuotaTests(SharedApps apps)
{
    private const int Quota = 10_000;
    private static readonly Dictionary<string, string> SmallQuota = new() { ["Storage:SchoolQuotaBytes"] = Quota.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Concurrent_uploads_on_two_nodes_store_exactly_what_fits_in_the_quota(string provider)
    {
        var app = await apps.GetAsync(provider);
        await using var node1 = DocumentsTestHost.Create(app, SmallQuota);
        await using var node2 = DocumentsTestHost.Create(app, SmallQuota);
        var school = await TestSchool.CreateAsync(app);
        var teachers = new[] { await node1.ApiClientAsync(school, school.Teacher), await node2.ApiClientAsync(school, school.Teacher) };
        const int uploads = 8;
        const int size = 3_000; // 3 fit in 10,000; 8 together would be 24,000
        const int fit = Quota / size;

        // Every body waits at the gate until the uploads that fit hold their reservations, so no
        // upload can finish (and be counted as stored) before all have been let in or refused:
        // with a plain check-then-store all 8 would pass the check. (The test server answers a
        // request only after its body was sent, so the refusals cannot be awaited first.)
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = Enumerable.Range(0, uploads).Select(async i =>
        {
            using var content = new GatedContent(TestFiles.Pdf(size), gate.Task, declareLength: true);
            return await teachers[i % 2].PostAsync($"/api/v1/courses/{school.Course.Id}/documents?name=blad{i}.pdf", content);
        }).ToList();
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (await ReservationRowsAsync(app, school) < fit && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        await Task.Delay(200); // time for the other requests to be refused while the gate is still shut
        gate.SetResult();
        var responses = await Task.WhenAll(tasks);

        Assert.Equal(fit, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        var refusals = responses.Where(r => r.StatusCode != HttpStatusCode.Created).ToList();
        Assert.Equal(uploads - fit, refusals.Count);
        foreach (var refusal in refusals)
        {
            await AssertOverQuotaAsync(refusal);
        }

        var blobs = node1.Files().Concat(node2.Files()).ToList();
        Assert.Equal(fit, blobs.Count);
        Assert.All(blobs, f => Assert.StartsWith("blobs", f, StringComparison.Ordinal)); // no temp files left
        var usage = await UsageAsync(app, school);
        Assert.Equal(fit * size, usage.StoredBytes);
        Assert.Equal(0, usage.ReservedBytes);
        Assert.Equal(0, await ReservationRowsAsync(app, school));
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Concurrent_uploads_of_unknown_size_never_exceed_the_quota(string provider)
    {
        var app = await apps.GetAsync(provider);
        await using var node1 = DocumentsTestHost.Create(app, SmallQuota);
        await using var node2 = DocumentsTestHost.Create(app, SmallQuota);
        var school = await TestSchool.CreateAsync(app);
        var teachers = new[] { await node1.ApiClientAsync(school, school.Teacher), await node2.ApiClientAsync(school, school.Teacher) };
        const int uploads = 6;
        const int size = 3_000;

        // Chunked bodies (no Content-Length): the reservation grows as the bytes arrive.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = Enumerable.Range(0, uploads).Select(async i =>
        {
            using var content = new GatedContent(TestFiles.Pdf(size), gate.Task, declareLength: false);
            return await teachers[i % 2].PostAsync($"/api/v1/courses/{school.Course.Id}/documents?name=stroom{i}.pdf", content);
        }).ToList();
        await Task.Delay(300);
        gate.SetResult();
        var responses = await Task.WhenAll(tasks);

        var created = responses.Count(r => r.StatusCode == HttpStatusCode.Created);
        Assert.InRange(created, 1, Quota / size);
        foreach (var refusal in responses.Where(r => r.StatusCode != HttpStatusCode.Created))
        {
            await AssertOverQuotaAsync(refusal);
        }

        Assert.Equal(created, node1.Files().Concat(node2.Files()).Count());
        var usage = await UsageAsync(app, school);
        Assert.Equal(created * size, usage.StoredBytes);
        Assert.Equal(0, usage.ReservedBytes);
        Assert.Equal(0, await ReservationRowsAsync(app, school));
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Resumable_uploads_hold_their_declared_size_until_finished_or_cancelled(string provider)
    {
        var app = await apps.GetAsync(provider);
        await using var host = DocumentsTestHost.Create(app, SmallQuota);
        var school = await TestSchool.CreateAsync(app);
        var teacher = await host.ApiClientAsync(school, school.Teacher);

        // Four declared at once; two fit.
        var starts = await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
            teacher.PostAsJsonAsync("/api/v1/uploads", new { courseId = school.Course.Id, fileName = $"video{i}.pdf", length = 4_000 })));
        Assert.Equal(2, starts.Count(r => r.StatusCode == HttpStatusCode.Created));
        foreach (var refusal in starts.Where(r => r.StatusCode != HttpStatusCode.Created))
        {
            await AssertOverQuotaAsync(refusal);
        }

        var ids = new List<string>();
        foreach (var start in starts.Where(r => r.StatusCode == HttpStatusCode.Created))
        {
            ids.Add((await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
        }

        // What the two unfinished uploads hold is not free for a plain upload either.
        Assert.Equal(8_000, (await UsageAsync(app, school)).ReservedBytes);
        await AssertOverQuotaAsync(await TestFiles.UploadAsync(teacher, school.Course.Id, "los.pdf", TestFiles.Pdf(4_000)));
        Assert.Equal(HttpStatusCode.Created, (await TestFiles.UploadAsync(teacher, school.Course.Id, "klein.pdf", TestFiles.Pdf(2_000))).StatusCode);

        // Cancelling gives the bytes back; finishing turns the reservation into a version.
        Assert.Equal(HttpStatusCode.NoContent, (await teacher.DeleteAsync($"/api/v1/uploads/{ids[0]}")).StatusCode);
        Assert.Equal(4_000, (await UsageAsync(app, school)).ReservedBytes);
        var bytes = TestFiles.Pdf(4_000);
        using (var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/uploads/{ids[1]}") { Content = new ByteArrayContent(bytes) })
        {
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/offset+octet-stream");
            request.Headers.Add("Upload-Offset", "0");
            Assert.Equal(HttpStatusCode.Created, (await teacher.SendAsync(request)).StatusCode);
        }

        var usage = await UsageAsync(app, school);
        Assert.Equal(6_000, usage.StoredBytes);
        Assert.Equal(0, usage.ReservedBytes);
        Assert.Equal(0, await ReservationRowsAsync(app, school));
        Assert.Equal(2, host.Files().Count); // klein.pdf and the finished upload; no temp files

        // A reservation whose process died stops counting when it expires, and the collector removes it.
        using (var scope = app.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
            db.Add(new StorageReservation { SchoolId = school.Id, Bytes = 3_000, ExpiresAt = DateTime.UtcNow.AddMinutes(-1) });
            await db.SaveChangesAsync();
        }

        Assert.Equal(0, (await UsageAsync(app, school)).ReservedBytes);
        Assert.Equal(HttpStatusCode.Created, (await TestFiles.UploadAsync(teacher, school.Course.Id, "past.pdf", TestFiles.Pdf(4_000))).StatusCode);
        await host.Services.GetRequiredService<StorageCollector>().CollectAsync(CancellationToken.None);
        Assert.Equal(0, await ReservationRowsAsync(app, school));
    }

    private static async Task AssertOverQuotaAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.RequestEntityTooLarge, $"Expected 413, got {response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("opslag van de school is vol", body, StringComparison.Ordinal);
    }

    private static async Task<StorageUsage> UsageAsync(SchoolbelApp app, TestSchool school)
    {
        using var scope = app.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<SchoolScope>().Enter(new SchoolInfo(school.Id, school.Code, school.School.Name, "nl"));
        return await scope.ServiceProvider.GetRequiredService<StorageQuota>().UsageAsync(CancellationToken.None);
    }

    private static async Task<int> ReservationRowsAsync(SchoolbelApp app, TestSchool school)
    {
        using var scope = app.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<SchoolbelDb>().Set<StorageReservation>().IgnoreQueryFilters().CountAsync(r => r.SchoolId == school.Id);
    }

    /// <summary>A request body that is sent only once <paramref name="gate"/> opens; with or without a Content-Length.</summary>
    private sealed class GatedContent(byte[] bytes, Task gate, bool declareLength) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await gate;
            await stream.WriteAsync(bytes);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = bytes.Length;
            return declareLength;
        }
    }
}
