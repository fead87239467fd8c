using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Schoolbel.Server.Documents;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests;

/// <summary>
/// The download fast path (<see cref="DownloadFastPath"/>): the same answers as the full path,
/// from the caches, with admission control and the security headers; and back to the full path
/// whenever it is not sure. Each test has a host of its own, so the fast path's counters are its own.
/// </summary>
public sealed class DownloadFastPathTests(SharedApps apps)
{
    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Revalidation_needs_no_file_and_a_missing_blob_is_a_clear_503_on_both_paths(string provider)
    {
        await using var host = DocumentsTestHost.Create(await apps.GetAsync(provider));
        var school = await TestSchool.CreateAsync(host.App);
        var bytes = TestFiles.Pdf(10_000);
        var (url, _) = await UploadAsync(host, school, "blad.pdf", bytes);
        var etag = $"\"{TestFiles.Sha256(bytes)}\"";
        var pupil = await host.SignInAsync(school, school.Pupil);
        var counters = host.Services.GetRequiredService<DownloadFastPathCounters>();
        Assert.Equal(HttpStatusCode.OK, (await pupil.GetAsync(url)).StatusCode); // fills the caches

        // The blob disappears from disk: a revalidation does not notice, it never looks.
        File.Delete(Path.Combine(host.Root, "blobs", etag[1..3], etag[3..5], etag[1..^1]));
        var served = counters.Served;
        using (var revalidate = new HttpRequestMessage(HttpMethod.Get, url))
        {
            revalidate.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Parse(etag));
            var notModified = await pupil.SendAsync(revalidate);
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
            Assert.Equal(etag, notModified.Headers.ETag?.ToString());
            Assert.Equal("nosniff", notModified.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Contains("default-src 'self'", notModified.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        }

        Assert.Equal(served + 1, counters.Served);

        // The bytes themselves: 503 problem+json saying what is wrong, not a 500; on the fast path ...
        await AssertMissingAsync(await pupil.GetAsync(url));
        Assert.Equal(served + 2, counters.Served);

        // ... and on the full path (the parent's access to the course was never asked for, so it
        // is not cached; the teacher's is, since uploading, and a fresh session is cached at sign-in).
        var parent = await host.SignInAsync(school, school.Parent);
        var fellBack = counters.FellBack;
        await AssertMissingAsync(await parent.GetAsync(url));
        Assert.Equal(fellBack + 1, counters.FellBack);

        // A teacher who signs in now is answered on the fast path at once: their access is cached
        // since the upload, and the new session's "open" is cached at sign-in (no session read).
        var teacher = await host.SignInAsync(school, school.Teacher);
        var servedBefore = counters.Served;
        await AssertMissingAsync(await teacher.GetAsync(url));
        Assert.Equal(servedBefore + 1, counters.Served);
        Assert.Equal(fellBack + 1, counters.FellBack);

        static async Task AssertMissingAsync(HttpResponseMessage response)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Null(response.Content.Headers.ContentDisposition);
            Assert.Null(response.Headers.ETag);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(503, problem.GetProperty("status").GetInt32());
            Assert.Contains("niet beschikbaar", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Fast_path_answers_with_the_full_paths_headers_ranges_conditions_and_head(string provider)
    {
        await using var host = DocumentsTestHost.Create(await apps.GetAsync(provider));
        var school = await TestSchool.CreateAsync(host.App);
        var bytes = TestFiles.Pdf(4096);
        var (url, itemId) = await UploadAsync(host, school, "Les 1 — breuken.pdf", bytes);
        var etag = $"\"{TestFiles.Sha256(bytes)}\"";
        var pupil = await host.SignInAsync(school, school.Pupil);
        var counters = host.Services.GetRequiredService<DownloadFastPathCounters>();

        var full = await pupil.GetAsync(url);
        var served = counters.Served;
        var fast = await pupil.GetAsync(url);
        Assert.Equal(served + 1, counters.Served);
        Assert.Equal(HttpStatusCode.OK, fast.StatusCode);
        Assert.Equal(bytes, await fast.Content.ReadAsByteArrayAsync());
        Assert.Equal("private, max-age=31536000, immutable", fast.Headers.NonValidated["Cache-Control"].ToString());
        foreach (var (name, expected) in Headers(full))
        {
            Assert.True(Headers(fast).TryGetValue(name, out var actual), $"The fast path lacks {name}");
            Assert.Equal(expected, actual);
        }

        Assert.Equal(etag, fast.Headers.ETag?.ToString());
        Assert.Equal("inline", fast.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("bytes", fast.Headers.AcceptRanges.Single());
        Assert.NotNull(fast.Content.Headers.LastModified);
        Assert.Equal("DENY", fast.Headers.GetValues("X-Frame-Options").Single());

        served = counters.Served;
        var partial = await SendAsync(pupil, url, r => r.Headers.Range = new RangeHeaderValue(100, 199));
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(bytes[100..200], await partial.Content.ReadAsByteArrayAsync());
        Assert.Equal("bytes 100-199/4096", partial.Content.Headers.ContentRange?.ToString());
        var unsatisfiable = await SendAsync(pupil, url, r => r.Headers.Range = new RangeHeaderValue(5000, 6000));
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, unsatisfiable.StatusCode);
        Assert.Equal("bytes */4096", unsatisfiable.Content.Headers.ContentRange?.ToString());
        var sameVersion = await SendAsync(pupil, url, r =>
        {
            r.Headers.Range = new RangeHeaderValue(0, 9);
            r.Headers.IfRange = new RangeConditionHeaderValue(EntityTagHeaderValue.Parse(etag));
        });
        Assert.Equal(HttpStatusCode.PartialContent, sameVersion.StatusCode);
        var otherVersion = await SendAsync(pupil, url, r =>
        {
            r.Headers.Range = new RangeHeaderValue(0, 9);
            r.Headers.IfRange = new RangeConditionHeaderValue(EntityTagHeaderValue.Parse("\"something-else\""));
        });
        Assert.Equal(HttpStatusCode.OK, otherVersion.StatusCode);
        Assert.Equal(bytes, await otherVersion.Content.ReadAsByteArrayAsync());

        var head = await SendAsync(pupil, url, r => r.Method = HttpMethod.Head);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(4096, head.Content.Headers.ContentLength);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());

        Assert.Equal(HttpStatusCode.NotModified, (await SendAsync(pupil, url, r => r.Headers.TryAddWithoutValidation("If-None-Match", "W/" + etag))).StatusCode);
        Assert.Equal(HttpStatusCode.NotModified, (await SendAsync(pupil, url, r => r.Headers.TryAddWithoutValidation("If-None-Match", "*"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(pupil, url, r => r.Headers.TryAddWithoutValidation("If-None-Match", "\"old\", \"older\""))).StatusCode);
        var modifiedSince = await SendAsync(pupil, url, r => r.Headers.IfModifiedSince = DateTimeOffset.UtcNow);
        Assert.Equal(HttpStatusCode.NotModified, modifiedSince.StatusCode);
        var ifMatchFails = await SendAsync(pupil, url, r => r.Headers.IfMatch.Add(EntityTagHeaderValue.Parse("\"other\"")));
        Assert.Equal(HttpStatusCode.PreconditionFailed, ifMatchFails.StatusCode);
        Assert.Equal(served + 10, counters.Served);

        // The unversioned URL: the newest version, revalidated each time.
        var latest = $"/{school.Code}/documents/{itemId}";
        await pupil.GetAsync(latest);
        served = counters.Served;
        var latestAgain = await pupil.GetAsync(latest);
        Assert.Equal(served + 1, counters.Served);
        Assert.Equal("private, no-cache", latestAgain.Headers.NonValidated["Cache-Control"].ToString());
        Assert.Equal(bytes, await latestAgain.Content.ReadAsByteArrayAsync());

        // A new version moves the unversioned URL on at once (the upload invalidated the item's entry).
        var newer = TestFiles.Pdf(1000);
        var api = await host.ApiClientAsync(school, school.Teacher);
        Assert.Equal(HttpStatusCode.Created, (await TestFiles.UploadAsync(api, school.Course.Id, "Les 1 — breuken.pdf", newer, $"&itemId={itemId}")).StatusCode);
        Assert.Equal(newer, await pupil.GetByteArrayAsync(latest));
        Assert.Equal(newer, await pupil.GetByteArrayAsync(latest));
        Assert.Equal(bytes, await pupil.GetByteArrayAsync(url));
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Permission_matrix_holds_when_every_answer_is_asked_twice(string provider)
    {
        await using var host = DocumentsTestHost.Create(await apps.GetAsync(provider));
        var school = await TestSchool.CreateAsync(host.App);
        var other = await TestSchool.CreateAsync(host.App);
        var outsider = await school.AddPersonAsync(PersonRole.Pupil, "outsider");
        var colleague = await school.AddPersonAsync(PersonRole.Teacher, "colleague");
        var (url, itemId) = await UploadAsync(host, school, "toets.pdf", TestFiles.Pdf());
        var path = url[(school.Code.Length + 1)..];
        var teacherApi = await host.ApiClientAsync(school, school.Teacher);
        var counters = host.Services.GetRequiredService<DownloadFastPathCounters>();
        var clients = new Dictionary<Person, HttpClient>();

        async Task ExpectAsync(TestSchool at, Person who, HttpStatusCode expected)
        {
            if (!clients.TryGetValue(who, out var client))
            {
                clients[who] = client = await host.SignInAsync(at, who);
            }

            // The first answer may fill the caches; the second comes from them when allowed.
            var served = counters.Served;
            Assert.Equal(expected, (await client.GetAsync($"/{at.Code}{path}")).StatusCode);
            Assert.Equal(expected, (await client.GetAsync($"/{at.Code}{path}")).StatusCode);
            Assert.True(expected != HttpStatusCode.OK || counters.Served > served, $"{who.Username} was not served by the fast path");
            Assert.True(expected == HttpStatusCode.OK || counters.Served == served, $"the fast path answered {who.Username}");
        }

        await ExpectAsync(school, school.Pupil, HttpStatusCode.OK);
        await ExpectAsync(school, school.Parent, HttpStatusCode.OK);
        await ExpectAsync(school, school.Teacher, HttpStatusCode.OK);
        await ExpectAsync(school, school.Admin, HttpStatusCode.OK);
        await ExpectAsync(school, outsider, HttpStatusCode.NotFound);
        await ExpectAsync(school, colleague, HttpStatusCode.NotFound);
        await ExpectAsync(other, other.Admin, HttpStatusCode.NotFound);
        await ExpectAsync(other, other.Pupil, HttpStatusCode.NotFound);

        // Hidden: only the course's teachers (and admins) still get it, at once.
        var hide = await teacherApi.PatchAsJsonAsync($"/api/v1/courses/{school.Course.Id}/items/{itemId}", new { hidden = true });
        Assert.Equal(HttpStatusCode.OK, hide.StatusCode);
        await ExpectAsync(school, school.Pupil, HttpStatusCode.NotFound);
        await ExpectAsync(school, school.Parent, HttpStatusCode.NotFound);
        await ExpectAsync(school, school.Teacher, HttpStatusCode.OK);

        // In the recycle bin: nobody; restored and shown again: as before.
        Assert.Equal(HttpStatusCode.NoContent, (await teacherApi.DeleteAsync($"/api/v1/courses/{school.Course.Id}/items/{itemId}")).StatusCode);
        await ExpectAsync(school, school.Teacher, HttpStatusCode.NotFound);
        await ExpectAsync(school, school.Admin, HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.NoContent, (await teacherApi.PostAsync($"/api/v1/courses/{school.Course.Id}/items/{itemId}/restore", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await teacherApi.PatchAsJsonAsync($"/api/v1/courses/{school.Course.Id}/items/{itemId}", new { hidden = false })).StatusCode);
        await ExpectAsync(school, school.Teacher, HttpStatusCode.OK);
        await ExpectAsync(school, school.Pupil, HttpStatusCode.OK);

        // The pupil leaves the course's class: the directory change reaches the fast path at once.
        var adminApi = await host.ApiClientAsync(school, school.Admin);
        var emptied = await adminApi.PutAsJsonAsync($"/api/v1/classes/{school.Class.Id}", new { name = school.Class.Name, schoolYear = school.Class.SchoolYear, pupilIds = Array.Empty<Guid>() });
        Assert.Equal(HttpStatusCode.OK, emptied.StatusCode);

        await ExpectAsync(school, school.Pupil, HttpStatusCode.NotFound);
        await ExpectAsync(school, school.Parent, HttpStatusCode.NotFound);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task A_lesson_document_opens_on_the_fast_path_on_its_minute_and_not_before(string provider)
    {
        TestDatabases.Require(provider);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await SchoolbelApp.StartAsync(provider, clock);
        var school = await TestSchool.CreateAsync(app);
        var teacherApi = await school.ApiClientForAsync(school.Teacher);
        var course = $"/api/v1/courses/{school.Course.Id}";
        var lessonId = (await (await teacherApi.PostAsJsonAsync($"{course}/lessons", new { title = "Breuken" })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        var document = await (await TestFiles.UploadAsync(teacherApi, school.Course.Id, "breuken.pdf", TestFiles.Pdf(), $"&lessonId={lessonId}")).Content.ReadFromJsonAsync<JsonElement>();
        var url = $"/{school.Code}{document.GetProperty("version").GetProperty("path").GetString()}";
        var publishAt = clock.GetUtcNow().AddMinutes(30);
        Assert.Equal(HttpStatusCode.OK, (await teacherApi.PutAsJsonAsync($"{course}/lessons/{lessonId}/schedule", new { publishAt, classIds = new[] { school.Class.Id } })).StatusCode);
        var counters = app.Services.GetRequiredService<DownloadFastPathCounters>();
        var pupil = await school.SignInAsync(school.Pupil);
        var teacher = await school.SignInAsync(school.Teacher);

        // The teacher prepares it (and so fills every entry the pupil's answer needs but their own access).
        Assert.Equal(HttpStatusCode.OK, (await teacher.GetAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await teacher.GetAsync(url)).StatusCode);
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.NotFound, (await pupil.GetAsync(url)).StatusCode);
        }

        clock.Advance(TimeSpan.FromMinutes(29));
        Assert.Equal(HttpStatusCode.NotFound, (await pupil.GetAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await pupil.GetAsync(url)).StatusCode);
        clock.Advance(TimeSpan.FromMinutes(1));
        var served = counters.Served;
        Assert.Equal(HttpStatusCode.OK, (await pupil.GetAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await pupil.GetAsync(url)).StatusCode);
        Assert.True(counters.Served > served, "the published document was not served by the fast path");
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task An_ended_session_is_refused_at_once_on_its_node_and_within_the_check_time_on_others(string provider)
    {
        var app = await apps.GetAsync(provider);
        var settings = new Dictionary<string, string> { ["SignIn:SessionCheckCacheTime"] = "00:00:01" };
        await using var node1 = DocumentsTestHost.Create(app, settings);
        await using var node2 = DocumentsTestHost.Create(app, new Dictionary<string, string>(settings) { ["Storage:Root"] = node1.Root });
        var school = await TestSchool.CreateAsync(app);
        var (url, _) = await UploadAsync(node1, school, "blad.pdf", TestFiles.Pdf());

        // This node: "sign out everywhere" from another device ends the session; the next download is refused.
        var pupil = await node1.SignInAsync(school, school.Pupil);
        await WarmAsync(node1, pupil, url);
        await EndSessionsAsync(node1, school);
        var fellBack = node1.Services.GetRequiredService<DownloadFastPathCounters>().FellBack;
        AssertRefused(await pupil.GetAsync(url));
        Assert.True(node1.Services.GetRequiredService<DownloadFastPathCounters>().FellBack > fellBack);

        // Another node learns it when its cached answer expires (SignIn:SessionCheckCacheTime).
        var elsewhere = await node2.SignInAsync(school, school.Pupil);
        await WarmAsync(node2, elsewhere, url);
        await EndSessionsAsync(node1, school);
        await Task.Delay(TimeSpan.FromSeconds(1.5), TestContext.Current.CancellationToken);
        AssertRefused(await elsewhere.GetAsync(url));

        static async Task WarmAsync(DocumentsTestHost node, HttpClient client, string url)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(url)).StatusCode);
            var served = node.Services.GetRequiredService<DownloadFastPathCounters>().Served;
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(url)).StatusCode);
            Assert.Equal(served + 1, node.Services.GetRequiredService<DownloadFastPathCounters>().Served);
        }

        static async Task EndSessionsAsync(DocumentsTestHost node, TestSchool school)
        {
            using var scope = node.Services.CreateScope();
            scope.ServiceProvider.GetRequiredService<SchoolScope>().Enter(new SchoolInfo(school.Id, school.Code, school.School.Name, "nl"));
            Assert.True(await scope.ServiceProvider.GetRequiredService<SessionStore>().EndAllAsync(school.Pupil.Id, keep: null, CancellationToken.None) > 0);
        }

        static void AssertRefused(HttpResponseMessage response)
        {
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Contains("/signin", response.Headers.Location?.ToString(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Fast_downloads_still_pass_admission_control(string provider)
    {
        await using var host = DocumentsTestHost.Create(await apps.GetAsync(provider), new Dictionary<string, string>
        {
            ["Admission:UserBurst"] = "4",
            ["Admission:UserRequestsPerSecond"] = "1",
        });
        var school = await TestSchool.CreateAsync(host.App);
        var (url, _) = await UploadAsync(host, school, "blad.pdf", TestFiles.Pdf());
        var pupil = await host.SignInAsync(school, school.Pupil);
        var counters = host.Services.GetRequiredService<DownloadFastPathCounters>();
        Assert.Equal(HttpStatusCode.OK, (await pupil.GetAsync(url)).StatusCode);
        var fellBack = counters.FellBack;

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 12; i++)
        {
            var response = await pupil.GetAsync(url);
            statuses.Add(response.StatusCode);
            refused ??= response.StatusCode == HttpStatusCode.TooManyRequests ? response : null;
        }

        // All of them went the fast way, and its admission check slowed the pupil down like anywhere else.
        Assert.Equal(fellBack, counters.FellBack);
        Assert.Contains(HttpStatusCode.OK, statuses);
        Assert.NotNull(refused);
        Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        Assert.Equal("nosniff", refused.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal(statuses.Count(s => s == HttpStatusCode.OK), (int)counters.Served);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Requests_it_is_not_sure_of_go_the_full_way(string provider)
    {
        await using var host = DocumentsTestHost.Create(await apps.GetAsync(provider));
        var school = await TestSchool.CreateAsync(host.App);
        var (url, _) = await UploadAsync(host, school, "blad.pdf", TestFiles.Pdf());
        var pupil = await host.SignInAsync(school, school.Pupil);
        Assert.Equal(HttpStatusCode.OK, (await pupil.GetAsync(url)).StatusCode);
        var counters = host.Services.GetRequiredService<DownloadFastPathCounters>();
        var served = counters.Served;

        // No cookie, a cookie that does not decrypt, a bearer token on the page URL: the full path's answers.
        var anonymous = host.Factory.CreateClient(new() { AllowAutoRedirect = false });
        var noCookie = await anonymous.GetAsync(url);
        Assert.Equal(HttpStatusCode.Redirect, noCookie.StatusCode);
        Assert.Contains("/signin", noCookie.Headers.Location?.ToString(), StringComparison.Ordinal);
        var forged = await SendAsync(anonymous, url, r => r.Headers.Add("Cookie", "sb_session=CfDJ8" + new string('A', 300)));
        Assert.Equal(HttpStatusCode.Redirect, forged.StatusCode);
        var bearer = await host.ApiClientAsync(school, school.Pupil);
        await bearer.GetAsync(url);
        Assert.Equal(served, counters.Served);

        // A path the routes would not match as a download, and a POST: not the fast path's either.
        Assert.Equal(HttpStatusCode.NotFound, (await pupil.GetAsync($"/{school.Code}/documents/not-a-guid")).StatusCode);
        Assert.Equal(served, counters.Served);

        // HEAD on the full path (the parent's access is not cached yet) answers like GET, without bytes.
        var parent = await host.SignInAsync(school, school.Parent);
        var fellBack = counters.FellBack;
        var head = await SendAsync(parent, url, r => r.Method = HttpMethod.Head);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(fellBack + 1, counters.FellBack);
        Assert.True(head.Content.Headers.ContentLength > 0);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());

        // ... while the signed-in pupil's own request is answered by it.
        Assert.Equal(HttpStatusCode.OK, (await pupil.GetAsync(url)).StatusCode);
        Assert.Equal(served + 1, counters.Served);
    }

    [Theory]
    [InlineData("/documents/5b0f8c7e-1d2a-4d3c-9e4f-0a1b2c3d4e5f", true, false)]
    [InlineData("/Documents/5b0f8c7e1d2a4d3c9e4f0a1b2c3d4e5f/versions/0a0f8c7e-1d2a-4d3c-9e4f-0a1b2c3d4e5f", true, true)]
    [InlineData("/documents/5b0f8c7e-1d2a-4d3c-9e4f-0a1b2c3d4e5f/", false, false)]
    [InlineData("/documents/5b0f8c7e-1d2a-4d3c-9e4f-0a1b2c3d4e5f/versions/", false, false)]
    [InlineData("/documents/5b0f8c7e-1d2a-4d3c-9e4f-0a1b2c3d4e5f/other/0a0f8c7e-1d2a-4d3c-9e4f-0a1b2c3d4e5f", false, false)]
    [InlineData("/documents/x", false, false)]
    [InlineData("/courses/5b0f8c7e-1d2a-4d3c-9e4f-0a1b2c3d4e5f", false, false)]
    [InlineData("/documents", false, false)]
    public void Only_download_urls_are_taken(string path, bool taken, bool versioned)
    {
        Assert.Equal(taken, DownloadFastPath.TryParse(new Microsoft.AspNetCore.Http.PathString(path), out _, out var version));
        Assert.Equal(versioned, version is not null);
    }

    private static async Task<(string Url, string ItemId)> UploadAsync(DocumentsTestHost host, TestSchool school, string name, byte[] bytes)
    {
        var teacher = await host.ApiClientAsync(school, school.Teacher);
        var response = await TestFiles.UploadAsync(teacher, school.Course.Id, name, bytes);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var item = await response.Content.ReadFromJsonAsync<JsonElement>();
        return ($"/{school.Code}{item.GetProperty("version").GetProperty("path").GetString()}", item.GetProperty("id").GetString()!);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string url, Action<HttpRequestMessage> change)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        change(request);
        return await client.SendAsync(request);
    }

    private static Dictionary<string, string> Headers(HttpResponseMessage response) =>
        response.Headers.Concat(response.Content.Headers)
            .Where(h => h.Key is not ("Date" or "Set-Cookie"))
            .ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
}
