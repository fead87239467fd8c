using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Schoolbel.Server.Data;
using Schoolbel.Server.Messages;
using Schoolbel.Server.Schools;
using Schoolbel.Server.Storage;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests;

/// <summary>
/// Message attachments take their bytes from the school's storage quota, like documents: every
/// attachment row counts, refusals leave no file, row or reservation, and concurrent uploads on
/// two nodes can never together pass the quota.
/// </summary>
public sealed class MessageAttachmentQuotaTests(SharedApps apps)
{
    private const int Quota = 10_000;
    private static readonly Dictionary<string, string> SmallQuota = new() { ["Storage:SchoolQuotaBytes"] = Quota.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Attachments_count_against_the_school_quota_and_a_refusal_leaves_nothing(string provider)
    {
        var app = await apps.GetAsync(provider);
        await using var host = DocumentsTestHost.Create(app, SmallQuota);
        var school = await TestSchool.CreateAsync(app);
        await MessagesKit.QuietHoursOffAsync(school);
        var teacher = await host.ApiClientAsync(school, school.Teacher);

        var first = await UploadAsync(teacher, "brief.pdf", TestFiles.Pdf(6_000), declareLength: true);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var attachmentId = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        Assert.Equal(6_000, (await UsageAsync(app, school)).StoredBytes);
        var files = host.Files();
        Assert.Single(files);

        // Declared and streamed, an attachment that does not fit is refused with 413 and leaves nothing.
        await AssertOverQuotaAsync(await UploadAsync(teacher, "tweede.pdf", TestFiles.Pdf(6_000), declareLength: true));
        await AssertOverQuotaAsync(await UploadAsync(teacher, "stroom.pdf", TestFiles.Pdf(6_000), declareLength: false));
        Assert.Equal(files, host.Files());
        Assert.Equal(1, await AttachmentRowsAsync(app, school));
        Assert.Equal(0, await ReservationRowsAsync(app, school));

        // One quota for documents and attachments.
        await AssertOverQuotaAsync(await TestFiles.UploadAsync(teacher, school.Course.Id, "blad.pdf", TestFiles.Pdf(6_000)));
        Assert.Equal(HttpStatusCode.Created, (await TestFiles.UploadAsync(teacher, school.Course.Id, "klein.pdf", TestFiles.Pdf(1_000))).StatusCode);

        // A message to many carries one attachment row: sending it takes nothing more.
        var sent = await MessagesKit.SentIdAsync(await MessagesKit.SendAsync(teacher, new { classIds = new[] { school.Class.Id } }, "Brief", "Zie bijlage.",
            new { attachmentIds = new[] { attachmentId } }));
        var usage = await UsageAsync(app, school);
        Assert.Equal(7_000, usage.StoredBytes);
        Assert.Equal(0, usage.ReservedBytes);

        // Forwarding keeps the file a second time: 6,000 more do not fit, so nothing is sent.
        var pupil = await host.ApiClientAsync(school, school.Pupil);
        var before = await MessagesKit.MessageRowsAsync(school);
        var forward = await MessagesKit.SendAsync(pupil, new { personIds = new[] { school.Teacher.Id } }, "Fw: Brief", "Kijk.", new { forwardOfId = sent });
        await AssertOverQuotaAsync(forward);
        Assert.Equal(before, await MessagesKit.MessageRowsAsync(school));
        Assert.Equal(1, await AttachmentRowsAsync(app, school));
        Assert.Equal(0, await ReservationRowsAsync(app, school));

        // The compose page says it in Dutch, with 413, and sends nothing.
        var web = await host.SignInAsync(school, school.Teacher);
        using var form = new MultipartFormDataContent
        {
            { new StringContent(school.Pupil.Id.ToString()), "personIds" },
            { new StringContent("Groot"), "subject" },
            { new StringContent("Bijlage"), "body" },
            { new ByteArrayContent(TestFiles.Pdf(5_000)), "files", "groot.pdf" },
        };
        var page = await web.PostMultipartAsync($"/{school.Code}/messages/new", form);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, page.StatusCode);
        Assert.Contains("opslag van de school is vol", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await MessagesKit.MessageRowsAsync(school));
        Assert.Equal(0, await ReservationRowsAsync(app, school));

        // Within the quota both work again: 2,000 left.
        Assert.Equal(HttpStatusCode.Created, (await UploadAsync(teacher, "klein.pdf", TestFiles.Pdf(2_000), declareLength: false)).StatusCode);
        Assert.Equal(9_000, (await UsageAsync(app, school)).StoredBytes);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Two_concurrent_attachments_that_together_exceed_the_quota_store_only_one(string provider)
    {
        var app = await apps.GetAsync(provider);
        await using var node1 = DocumentsTestHost.Create(app, SmallQuota);
        await using var node2 = DocumentsTestHost.Create(app, SmallQuota);
        var school = await TestSchool.CreateAsync(app);
        var teachers = new[] { await node1.ApiClientAsync(school, school.Teacher), await node2.ApiClientAsync(school, school.Teacher) };

        // Both bodies wait at the gate until one upload holds its reservation, so neither can be
        // stored (and counted) before the other was let in or refused: a check-then-store would pass both.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = Enumerable.Range(0, 2).Select(async i =>
        {
            using var content = new GatedContent(TestFiles.Pdf(6_000), gate.Task);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            return await teachers[i].PostAsync($"/api/v1/messages/attachments?name=bijlage{i}.pdf", content);
        }).ToList();
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (await ReservationRowsAsync(app, school) < 1 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        await Task.Delay(200); // time for the other request to be refused while the gate is still shut
        gate.SetResult();
        var responses = await Task.WhenAll(tasks);

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        await AssertOverQuotaAsync(Assert.Single(responses, r => r.StatusCode != HttpStatusCode.Created));
        var files = node1.Files().Concat(node2.Files()).ToList();
        Assert.Single(files);
        Assert.StartsWith("blobs", files[0], StringComparison.Ordinal); // no temp file left
        var usage = await UsageAsync(app, school);
        Assert.Equal(6_000, usage.StoredBytes);
        Assert.Equal(0, usage.ReservedBytes);
        Assert.Equal(1, await AttachmentRowsAsync(app, school));
        Assert.Equal(0, await ReservationRowsAsync(app, school));
    }

    private static async Task<HttpResponseMessage> UploadAsync(HttpClient api, string name, byte[] bytes, bool declareLength)
    {
        using HttpContent content = declareLength ? new ByteArrayContent(bytes) : new StreamContent(new NonSeekableStream(bytes));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/messages/attachments?name={Uri.EscapeDataString(name)}") { Content = content };
        request.Headers.TransferEncodingChunked = !declareLength;
        return await api.SendAsync(request);
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

    private static async Task<int> AttachmentRowsAsync(SchoolbelApp app, TestSchool school)
    {
        using var scope = app.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<SchoolbelDb>().Set<MessageAttachment>().IgnoreQueryFilters().CountAsync(a => a.SchoolId == school.Id);
    }

    /// <summary>A request body with a Content-Length that is sent only once <paramref name="gate"/> opens.</summary>
    private sealed class GatedContent(byte[] bytes, Task gate) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await gate;
            await stream.WriteAsync(bytes);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = bytes.Length;
            return true;
        }
    }

    /// <summary>A body whose length the client cannot know, so it is sent chunked.</summary>
    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
