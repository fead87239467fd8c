using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Schoolbel.Server.Data;
using Schoolbel.Server.People;
using Schoolbel.Server.Storage;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests;

public sealed class DocumentsTests(SharedApps apps)
{
    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Upload_is_hashed_on_the_way_and_the_download_returns_the_same_bytes(string provider)
    {
        await using var host = DocumentsTestHost.Create(await apps.GetAsync(provider));
        var school = await TestSchool.CreateAsync(host.App);
        var teacher = await host.ApiClientAsync(school, school.Teacher);
        var bytes = TestFiles.Pdf(200_000);

        var response = await TestFiles.UploadAsync(teacher, school.Course.Id, "Cursus hoofdstuk 1.pdf", bytes);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var item = await response.Content.ReadFromJsonAsync<JsonElement>();
        var version = item.GetProperty("version");
        var hash = TestFiles.Sha256(bytes);
        Assert.Equal(hash, version.GetProperty("sha256").GetString());
        Assert.Equal("application/pdf", version.GetProperty("contentType").GetString());
        Assert.Equal(bytes.Length, version.GetProperty("length").GetInt64());
        Assert.Equal([Path.Combine("blobs", hash[..2], hash[2..4], hash)], host.Files());

        var pupil = await host.SignInAsync(school, school.Pupil);
        var download = await pupil.GetAsync($"/{school.Code}{version.GetProperty("path").GetString()}");

        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(bytes, await download.Content.ReadAsByteArrayAsync());
        Assert.Equal($"\"{hash}\"", download.Headers.ETag?.ToString());
        Assert.Equal("application/pdf", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal("inline", download.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Contains("Cursus hoofdstuk 1.pdf", download.Content.Headers.ContentDisposition?.ToString(), StringComparison.Ordinal);
        Assert.Equal("private, max-age=31536000, immutable", download.Headers.NonValidated["Cache-Control"].ToString());
        Assert.Equal("nosniff", download.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("bytes", download.Headers.AcceptRanges.Single());
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Range_requests_and_revalidation_follow_http(string provider)
    {
        await using var host = DocumentsTestHost.Create(await apps.GetAsync(provider));
        var school = await TestSchool.CreateAsync(host.App);
        var teacher = await host.ApiClientAsync(school, school.Teacher);
        var bytes = TestFiles.Pdf(4096);
        var item = await (await TestFiles.UploadAsync(teacher, school.Course.Id, "a.pdf", bytes)).Content.ReadFromJsonAsync<JsonElement>();
        var url = $"/{school.Code}{item.GetProperty("version").GetProperty("path").GetString()}";
        var etag = $"\"{TestFiles.Sha256(bytes)}\"";
        var pupil = await host.SignInAsync(school, school.Pupil);

        using var range = new HttpRequestMessage(HttpMethod.Get, url);
        range.Headers.Range = new RangeHeaderValue(100, 199);
        var partial = await pupil.SendAsync(range);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(bytes[100..200], await partial.Content.ReadAsByteArrayAsync());
        Assert.Equal("bytes 100-199/4096", partial.Content.Headers.ContentRange?.ToString());

        using var beyond = new HttpRequestMessage(HttpMethod.Get, url);
        beyond.Headers.Range = new RangeHeaderValue(5000, 6000);
        var unsatisfiable = await pupil.SendAsync(beyond);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, unsatisfiable.StatusCode);
        Assert.Equal("bytes */4096", unsatisfiable.Content.Headers.ContentRange?.ToString());

        using var revalidate = new HttpRequestMessage(HttpMethod.Get, url);
        revalidate.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Parse(etag));
        var notModified = await pupil.SendAsync(revalidate);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());

        // The unversioned URL names "the newest version": revalidate every time, 304 when unchanged.
        var latestUrl = $"/{school.Code}/documents/{item.GetProperty("id").GetString()}";
        var latest = await pupil.GetAsync(latestUrl);
        Assert.Equal("private, no-cache", latest.Headers.NonValidated["Cache-Control"].ToString());
        using var revalidateLatest = new HttpRequestMessage(HttpMethod.Get, latestUrl);
        revalidateLatest.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Parse(etag));
        Assert.Equal(HttpStatusCode.NotModified, (await pupil.SendAsync(revalidateLatest)).StatusCode);

        // A new version: the old versioned URL keeps its bytes, the unversioned one moves on.
        var newer = TestFiles.Pdf(1000);
        var second = await TestFiles.UploadAsync(teacher, school.Course.Id, "a.pdf", newer, $"&itemId={item.GetProperty("id").GetString()}");
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal(2, (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetProperty("number").GetInt32());
        Assert.Equal(bytes, await pupil.GetByteArrayAsync(url));
        Assert.Equal(newer, await pupil.GetByteArrayAsync(latestUrl));
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Type_is_sniffed_from_the_bytes_and_only_safe_types_open_inline(string provider)
    {
        await using var host = DocumentsTestHost.Create(await apps.GetAsync(provider));
        var school = await TestSchool.CreateAsync(host.App);
        var teacher = await host.ApiClientAsync(school, school.Teacher);
        var pupil = await host.SignInAsync(school, school.Pupil);
        var cases = new (string Name, byte[] Bytes, string Type, string Disposition)[]
        {
            ("looks-like.pdf", Encoding.UTF8.GetBytes("<!DOCTYPE html><script>alert(1)</script>"), "text/html", "attachment"),
            ("picture.png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3], "image/png", "inline"),
            ("drawing.svg", Encoding.UTF8.GetBytes("<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"), "image/svg+xml", "attachment"),
            ("readme.txt", Encoding.UTF8.GetBytes("Lees hoofdstuk 3 — vóór maandag."), "text/plain", "inline"),
            ("work.docx", [0x50, 0x4B, 0x03, 0x04, 20, 0, 6, 0], "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "attachment"),
            ("clip.mp4", [0, 0, 0, 0x18, (byte)'f', (byte)'t', (byte)'y', (byte)'p', (byte)'i', (byte)'s', (byte)'o', (byte)'m', 0, 0], "video/mp4", "inline"),
        };

        foreach (var (name, bytes, type, disposition) in cases)
        {
            var response = await TestFiles.UploadAsync(teacher, school.Course.Id, name, bytes);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            var path = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetProperty("path").GetString();
            var download = await pupil.GetAsync($"/{school.Code}{path}");
            Assert.Equal(type, download.Content.Headers.ContentType?.MediaType);
            Assert.Equal(disposition, download.Content.Headers.ContentDisposition?.DispositionType);
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Permission_matrix_for_downloads(string provider)
    {
        await using var host = DocumentsTestHost.Create(await apps.GetAsync(provider));
        var school = await TestSchool.CreateAsync(host.App);
        var other = await TestSchool.CreateAsync(host.App);
        var outsider = await school.AddPersonAsync(PersonRole.Pupil, "outsider"); // in no class of the course
        var otherTeacher = await school.AddPersonAsync(PersonRole.Teacher, "colleague");
        var teacherApi = await host.ApiClientAsync(school, school.Teacher);
        var item = await (await TestFiles.UploadAsync(teacherApi, school.Course.Id, "toets.pdf", TestFiles.Pdf())).Content.ReadFromJsonAsync<JsonElement>();
        var itemId = item.GetProperty("id").GetString();
        var path = item.GetProperty("version").GetProperty("path").GetString();

        async Task<HttpStatusCode> StatusAsync(TestSchool at, Person who, string code)
        {
            var client = await host.SignInAsync(at, who);
            return (await client.GetAsync($"/{code}{path}")).StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(school, school.Pupil, school.Code));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(school, school.Parent, school.Code));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(school, school.Teacher, school.Code));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(school, school.Admin, school.Code));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(school, outsider, school.Code));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(school, otherTeacher, school.Code));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(other, other.Admin, other.Code));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(other, other.Pupil, other.Code));
        var pupilApi = await host.ApiClientAsync(school, school.Pupil);
        Assert.Equal(HttpStatusCode.OK, (await pupilApi.GetAsync($"/api/v1{path}")).StatusCode);
        var otherApi = await host.ApiClientAsync(other, other.Admin);
        Assert.Equal(HttpStatusCode.NotFound, (await otherApi.GetAsync($"/api/v1{path}")).StatusCode);

        // Hidden: only the course's teachers (and admins) still get it.
        var hide = await teacherApi.PatchAsJsonAsync($"/api/v1/courses/{school.Course.Id}/items/{itemId}", new { hidden = true });
        Assert.Equal(HttpStatusCode.OK, hide.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(school, school.Pupil, school.Code));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(school, school.Parent, school.Code));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(school, school.Teacher, school.Code));

        // In the recycle bin: nobody downloads it; restored: back as it was.
        Assert.Equal(HttpStatusCode.NoContent, (await teacherApi.DeleteAsync($"/api/v1/courses/{school.Course.Id}/items/{itemId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(school, school.Teacher, school.Code));
        Assert.Equal(HttpStatusCode.NoContent, (await teacherApi.PostAsync($"/api/v1/courses/{school.Course.Id}/items/{itemId}/restore", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(school, school.Teacher, school.Code));
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Bad_uploads_are_refused_clearly_and_leave_no_file_behind(string provider)
    {
        await using var host = DocumentsTestHost.Create(await apps.GetAsync(provider), new Dictionary<string, string> { ["Storage:MaxFileBytes"] = "10000" });
        var school = await TestSchool.CreateAsync(host.App);
        var other = await TestSchool.CreateAsync(host.App);
        var teacher = await host.ApiClientAsync(school, school.Teacher);
        var pupil = await host.ApiClientAsync(school, school.Pupil);
        var otherTeacher = await host.ApiClientAsync(other, other.Teacher);
        var pdf = TestFiles.Pdf(2000);

        await AssertProblemAsync(HttpStatusCode.BadRequest, "pad", await TestFiles.UploadAsync(teacher, school.Course.Id, "../../etc/passwd", pdf));
        await AssertProblemAsync(HttpStatusCode.BadRequest, "pad", await TestFiles.UploadAsync(teacher, school.Course.Id, "..\\boot.ini", pdf));
        await AssertProblemAsync(HttpStatusCode.BadRequest, "pad", await TestFiles.UploadAsync(teacher, school.Course.Id, "map/les.pdf", pdf));
        await AssertProblemAsync(HttpStatusCode.UnsupportedMediaType, "programma", await TestFiles.UploadAsync(teacher, school.Course.Id, "les.pdf", [(byte)'M', (byte)'Z', 0x90, 0, 3, 0, 0, 0]));
        await AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge, "te groot", await TestFiles.UploadAsync(teacher, school.Course.Id, "groot.pdf", TestFiles.Pdf(10_001)));
        await AssertProblemAsync(HttpStatusCode.Forbidden, "leerkrachten", await TestFiles.UploadAsync(pupil, school.Course.Id, "les.pdf", pdf));
        await AssertProblemAsync(HttpStatusCode.NotFound, null, await TestFiles.UploadAsync(otherTeacher, school.Course.Id, "les.pdf", pdf));

        // Without a declared size (chunked), the limit still holds while streaming.
        using (var chunked = new StreamContent(new NonSeekableStream(TestFiles.Pdf(50_000))))
        {
            var response = await teacher.PostAsync($"/api/v1/courses/{school.Course.Id}/documents?name=stream.pdf", chunked);
            await AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge, "te groot", response);
        }

        Assert.Empty(host.Files());
        using var scope = host.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
        Assert.Equal(0, await db.Set<Schoolbel.Server.Documents.DocumentVersion>().IgnoreQueryFilters().CountAsync(v => v.SchoolId == school.Id));
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Quota_counts_every_version_and_refuses_what_would_exceed_it(string provider)
    {
        await using var host = DocumentsTestHost.Create(await apps.GetAsync(provider), new Dictionary<string, string> { ["Storage:SchoolQuotaBytes"] = "10000" });
        var school = await TestSchool.CreateAsync(host.App);
        var teacher = await host.ApiClientAsync(school, school.Teacher);

        Assert.Equal(HttpStatusCode.Created, (await TestFiles.UploadAsync(teacher, school.Course.Id, "a.pdf", TestFiles.Pdf(6000))).StatusCode);
        var before = host.Files();
        await AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge, "opslag van de school is vol", await TestFiles.UploadAsync(teacher, school.Course.Id, "b.pdf", TestFiles.Pdf(6000)));
        using (var chunked = new StreamContent(new NonSeekableStream(TestFiles.Pdf(6000))))
        {
            var response = await teacher.PostAsync($"/api/v1/courses/{school.Course.Id}/documents?name=c.pdf", chunked);
            await AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge, "opslag van de school is vol", response);
        }

        Assert.Equal(before, host.Files());
        Assert.Equal(HttpStatusCode.Created, (await TestFiles.UploadAsync(teacher, school.Course.Id, "d.pdf", TestFiles.Pdf(4000))).StatusCode);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Same_bytes_are_stored_once_and_collected_when_nothing_uses_them(string provider)
    {
        TestDatabases.Require(provider);
        // An app of its own: collection with zero grace must not touch other tests' data.
        await using var app = await SchoolbelApp.StartAsync(provider);
        await using var host = DocumentsTestHost.Create(app, new Dictionary<string, string>
        {
            ["Storage:CollectGrace"] = "00:00:00",
            ["Storage:RecycleBinRetention"] = "00:00:00",
        });
        var first = await TestSchool.CreateAsync(app);
        var second = await TestSchool.CreateAsync(app);
        var shared = TestFiles.Pdf(30_000);
        var hash = TestFiles.Sha256(shared);
        var teacher1 = await host.ApiClientAsync(first, first.Teacher);
        var teacher2 = await host.ApiClientAsync(second, second.Teacher);
        var a = await (await TestFiles.UploadAsync(teacher1, first.Course.Id, "blad.pdf", shared)).Content.ReadFromJsonAsync<JsonElement>();
        var b = await (await TestFiles.UploadAsync(teacher1, first.Course.Id, "kopie.pdf", shared)).Content.ReadFromJsonAsync<JsonElement>();
        var c = await (await TestFiles.UploadAsync(teacher2, second.Course.Id, "blad.pdf", shared)).Content.ReadFromJsonAsync<JsonElement>();

        Assert.Single(host.Files()); // three documents in two schools, one blob
        var collector = host.Services.GetRequiredService<StorageCollector>();
        Assert.Equal(0, (await collector.CollectAsync(CancellationToken.None)).DeletedBlobs);

        // Deleting documents (and purging the recycle bin) keeps the blob while one still uses it.
        await teacher1.DeleteAsync($"/api/v1/courses/{first.Course.Id}/items/{a.GetProperty("id").GetString()}");
        await teacher1.DeleteAsync($"/api/v1/courses/{first.Course.Id}/items/{b.GetProperty("id").GetString()}");
        var result = await collector.CollectAsync(CancellationToken.None);
        Assert.Equal(2, result.PurgedItems);
        Assert.Equal(0, result.DeletedBlobs);
        Assert.Single(host.Files());
        var pupil2 = await host.SignInAsync(second, second.Pupil);
        Assert.Equal(shared, await pupil2.GetByteArrayAsync($"/{second.Code}{c.GetProperty("version").GetProperty("path").GetString()}"));

        await teacher2.DeleteAsync($"/api/v1/courses/{second.Course.Id}/items/{c.GetProperty("id").GetString()}");
        result = await collector.CollectAsync(CancellationToken.None);
        Assert.Equal(1, result.PurgedItems);
        Assert.Equal(1, result.DeletedBlobs);
        Assert.Empty(host.Files());
        using var scope = host.Services.CreateScope();
        Assert.False(await scope.ServiceProvider.GetRequiredService<SchoolbelDb>().Set<Blob>().AnyAsync(x => x.Hash == hash));

        // The same bytes uploaded again are simply stored again.
        Assert.Equal(HttpStatusCode.Created, (await TestFiles.UploadAsync(teacher1, first.Course.Id, "blad.pdf", shared)).StatusCode);
        Assert.Single(host.Files());
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Resumable_upload_goes_on_from_the_last_offset(string provider)
    {
        await using var host = DocumentsTestHost.Create(await apps.GetAsync(provider));
        var school = await TestSchool.CreateAsync(host.App);
        var teacher = await host.ApiClientAsync(school, school.Teacher);
        var bytes = TestFiles.Pdf(100_000);

        var start = await teacher.PostAsJsonAsync("/api/v1/uploads", new { courseId = school.Course.Id, fileName = "video-les.pdf", length = bytes.Length });
        Assert.Equal(HttpStatusCode.Created, start.StatusCode);
        var uploadId = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        Assert.Equal(HttpStatusCode.NoContent, (await PatchAsync(teacher, uploadId, 0, bytes[..40_000])).StatusCode);
        var state = await teacher.GetAsync($"/api/v1/uploads/{uploadId}");
        Assert.Equal("40000", state.Headers.GetValues("Upload-Offset").Single());
        Assert.Equal(HttpStatusCode.Conflict, (await PatchAsync(teacher, uploadId, 10_000, bytes[10_000..20_000])).StatusCode);
        var pupil = await host.ApiClientAsync(school, school.Pupil);
        Assert.Equal(HttpStatusCode.NotFound, (await pupil.GetAsync($"/api/v1/uploads/{uploadId}")).StatusCode);

        var done = await PatchAsync(teacher, uploadId, 40_000, bytes[40_000..]);
        Assert.Equal(HttpStatusCode.Created, done.StatusCode);
        var version = (await done.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version");
        Assert.Equal(TestFiles.Sha256(bytes), version.GetProperty("sha256").GetString());
        Assert.Equal(bytes, await pupil.GetByteArrayAsync($"/api/v1{version.GetProperty("path").GetString()}"));
        Assert.Single(host.Files()); // the blob; the temp file is gone

        var tooBig = await teacher.PostAsJsonAsync("/api/v1/uploads", new { courseId = school.Course.Id, fileName = "x.pdf", length = 3L * 1024 * 1024 * 1024 });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooBig.StatusCode);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Course_page_shows_the_tree_and_renders_notes_safely(string provider)
    {
        await using var host = DocumentsTestHost.Create(await apps.GetAsync(provider));
        var school = await TestSchool.CreateAsync(host.App);
        var api = await host.ApiClientAsync(school, school.Teacher);
        var course = $"/api/v1/courses/{school.Course.Id}";
        var folder = await (await api.PostAsJsonAsync($"{course}/folders", new { title = "Hoofdstuk 1" })).Content.ReadFromJsonAsync<JsonElement>();
        var folderId = folder.GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.Created, (await api.PostAsJsonAsync($"{course}/notes", new
        {
            title = "Opdracht",
            text = "Lees **dit** <script>alert(1)</script> en [klik](javascript:alert(2)).",
            folderId,
        })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await api.PostAsJsonAsync($"{course}/links", new { title = "Les in Jitsi", url = "https://meet.jit.si/wiskunde-3b" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await api.PostAsJsonAsync($"{course}/links", new { title = "Kwaad", url = "javascript:alert(1)" })).StatusCode);
        var hidden = await (await api.PostAsJsonAsync($"{course}/notes", new { title = "Verborgen toets", text = "antwoorden" })).Content.ReadFromJsonAsync<JsonElement>();
        await api.PatchAsJsonAsync($"{course}/items/{hidden.GetProperty("id").GetString()}", new { hidden = true });
        var moved = await (await api.PostAsJsonAsync($"{course}/notes", new { title = "Verplaatst", text = "x" })).Content.ReadFromJsonAsync<JsonElement>();
        var move = await api.PatchAsJsonAsync($"{course}/items/{moved.GetProperty("id").GetString()}", new { folderId, title = "Hernoemd" });
        Assert.Equal(HttpStatusCode.OK, move.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await api.PatchAsJsonAsync($"{course}/items/{folderId}", new { folderId })).StatusCode);

        var pupil = await host.SignInAsync(school, school.Pupil);
        var html = await pupil.GetStringAsync($"/{school.Code}/courses/{school.Course.Id}");
        Assert.Contains("Hoofdstuk 1", html, StringComparison.Ordinal);
        Assert.Contains("<strong>dit</strong>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", html, StringComparison.Ordinal);
        Assert.DoesNotContain("javascript:", html, StringComparison.Ordinal);
        Assert.Contains("https://meet.jit.si/wiskunde-3b", html, StringComparison.Ordinal);
        Assert.Contains("Hernoemd", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Verborgen toets", html, StringComparison.Ordinal);
        Assert.DoesNotContain("upload-form", html, StringComparison.Ordinal);

        var pupilApi = await host.ApiClientAsync(school, school.Pupil);
        var tree = await pupilApi.GetFromJsonAsync<JsonElement>($"{course}/items");
        var top = tree.EnumerateArray().ToList();
        Assert.Equal("Hoofdstuk 1", top[0].GetProperty("title").GetString());
        Assert.Equal(["Opdracht", "Hernoemd"], top[0].GetProperty("children").EnumerateArray().Select(c => c.GetProperty("title").GetString()));
        Assert.DoesNotContain(top, i => i.GetProperty("title").GetString() == "Verborgen toets");
        Assert.Equal(HttpStatusCode.Forbidden, (await pupilApi.PostAsJsonAsync($"{course}/notes", new { title = "x", text = "y" })).StatusCode);

        var teacher = await host.SignInAsync(school, school.Teacher);
        var teacherHtml = await teacher.GetStringAsync($"/{school.Code}/courses/{school.Course.Id}");
        Assert.Contains("Verborgen toets", teacherHtml, StringComparison.Ordinal);
        Assert.Contains("upload-form", teacherHtml, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Page_upload_needs_the_antiforgery_header(string provider)
    {
        await using var host = DocumentsTestHost.Create(await apps.GetAsync(provider));
        var school = await TestSchool.CreateAsync(host.App);
        var teacher = await host.SignInAsync(school, school.Teacher);
        var page = await teacher.GetStringAsync($"/{school.Code}/courses/{school.Course.Id}");
        var url = $"/{school.Code}/courses/{school.Course.Id}/upload?name=blad.pdf";

        using var forged = new ByteArrayContent(TestFiles.Pdf(1000));
        Assert.Equal(HttpStatusCode.BadRequest, (await teacher.PostAsync(url, forged)).StatusCode);

        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(TestFiles.Pdf(1000)) };
        request.Headers.Add("X-CSRF-TOKEN", HttpForms.AntiforgeryToken(page));
        var response = await teacher.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("blad", await teacher.GetStringAsync($"/{school.Code}/courses/{school.Course.Id}"), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Behind_nginx_the_download_is_handed_over_with_x_accel_redirect(string provider)
    {
        await using var host = DocumentsTestHost.Create(await apps.GetAsync(provider), new Dictionary<string, string> { ["Storage:AccelRedirectPrefix"] = "/_blobs/" });
        var school = await TestSchool.CreateAsync(host.App);
        var teacher = await host.ApiClientAsync(school, school.Teacher);
        var bytes = TestFiles.Pdf(5000);
        var hash = TestFiles.Sha256(bytes);
        var path = (await (await TestFiles.UploadAsync(teacher, school.Course.Id, "a.pdf", bytes)).Content.ReadFromJsonAsync<JsonElement>())
            .GetProperty("version").GetProperty("path").GetString();
        var pupil = await host.SignInAsync(school, school.Pupil);
        var outsider = await host.SignInAsync(school, await school.AddPersonAsync(PersonRole.Pupil, "outsider"));

        var response = await pupil.GetAsync($"/{school.Code}{path}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"/_blobs/{hash[..2]}/{hash[2..4]}/{hash}", response.Headers.GetValues("X-Accel-Redirect").Single());
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("inline", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal($"\"{hash}\"", response.Headers.ETag?.ToString());
        using var revalidate = new HttpRequestMessage(HttpMethod.Get, $"/{school.Code}{path}");
        revalidate.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Parse($"\"{hash}\""));
        Assert.Equal(HttpStatusCode.NotModified, (await pupil.SendAsync(revalidate)).StatusCode);
        var refused = await outsider.GetAsync($"/{school.Code}{path}");
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        Assert.False(refused.Headers.Contains("X-Accel-Redirect"));
    }

    [Fact]
    public async Task OpenApi_describes_content_lessons_and_uploads()
    {
        var app = await apps.GetAsync(TestDatabases.Sqlite);
        var document = await app.CreateClient().GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/api/v1/courses/{courseId}/items", paths);
        Assert.Contains("/api/v1/courses/{courseId}/documents", paths);
        Assert.Contains("/api/v1/documents/{itemId}/versions/{versionId}", paths);
        Assert.Contains("/api/v1/uploads/{uploadId}", paths);
        Assert.Contains("/api/v1/courses/{courseId}/lessons/{lessonId}/schedule", paths);
        Assert.Contains("/api/v1/lesson-settings", paths);
        Assert.DoesNotContain(paths, p => p.StartsWith("/documents", StringComparison.Ordinal));
    }

    private static async Task<HttpResponseMessage> PatchAsync(HttpClient client, string? uploadId, long offset, byte[] chunk)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/uploads/{uploadId}") { Content = new ByteArrayContent(chunk) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/offset+octet-stream");
        request.Headers.Add("Upload-Offset", offset.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return await client.SendAsync(request);
    }

    private static async Task AssertProblemAsync(HttpStatusCode expected, string? detailContains, HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"Expected {expected}, got {response.StatusCode}: {body}");
        if (detailContains is not null)
        {
            Assert.Contains(detailContains, body, StringComparison.OrdinalIgnoreCase);
        }
    }

    /// <summary>A stream without a length, so HttpClient sends it chunked (no Content-Length).</summary>
    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
