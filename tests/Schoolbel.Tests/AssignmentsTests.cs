using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Schoolbel.Server.Assignments;
using Schoolbel.Server.Data;
using Schoolbel.Server.Grades;
using Schoolbel.Server.People;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests;

public sealed partial class AssignmentsTests(SharedApps apps)
{
    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Full_cycle_submit_resubmit_idempotent_retry_review_release_and_zip(string provider)
    {
        TestDatabases.Require(provider);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await SchoolbelApp.StartAsync(provider, clock);
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.ApiClientForAsync(school.Teacher);
        var course = $"/api/v1/courses/{school.Course.Id}/assignments";
        var due = clock.GetUtcNow().AddHours(2);

        var created = await teacher.PostAsJsonAsync(course, new { title = "Verslag breuken", instructions = "Schrijf **een** verslag.", dueAt = due, graded = true, maxScore = 20, weight = 2, category = "taak" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var assignmentId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var page = $"/{school.Code}/courses/{school.Course.Id}/assignments/{assignmentId}";

        // The pupil sees it on the today page and submits text and two files through the page.
        var pupil = await school.SignInAsync(school.Pupil);
        Assert.Contains("Verslag breuken", await pupil.GetStringAsync($"/{school.Code}/"), StringComparison.Ordinal);
        var first = TestFiles.Pdf(5000);
        var second = "hallo wereld, dit is mijn antwoord\n"u8.ToArray();
        var posted = await SubmitFromPageAsync(pupil, page, "Mijn verslag", ("verslag.pdf", first), ("antwoord.txt", second));
        Assert.Equal(HttpStatusCode.SeeOther, posted.StatusCode);
        var receiptUrl = posted.Headers.Location!.ToString();
        var receipt = await pupil.GetStringAsync(receiptUrl);
        Assert.Contains("Inzending 1 is goed ontvangen", receipt, StringComparison.Ordinal);
        Assert.Contains(TestFiles.Sha256(first), receipt, StringComparison.Ordinal);
        Assert.Contains(TestFiles.Sha256(second), receipt, StringComparison.Ordinal);
        var fileLink = FileLinkPattern().Match(receipt).Groups[1].Value;
        Assert.StartsWith($"/{school.Code}/assignment-files/{assignmentId}/", fileLink, StringComparison.Ordinal);
        Assert.Equal(second, await pupil.GetByteArrayAsync(fileLink));

        // Resubmitting through the API adds to the history; retrying with the same key creates nothing.
        var pupilApi = await school.ApiClientForAsync(school.Pupil);
        clock.Advance(TimeSpan.FromHours(1));
        var key = Guid.NewGuid().ToString("N");
        var resubmitted = await SubmitJsonAsync(pupilApi, $"{course}/{assignmentId}/submissions", key, "Verbeterde versie");
        Assert.Equal(HttpStatusCode.Created, resubmitted.StatusCode);
        var receipt2 = await resubmitted.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, receipt2.GetProperty("number").GetInt32());
        Assert.False(receipt2.GetProperty("isLate").GetBoolean());
        var retried = await SubmitJsonAsync(pupilApi, $"{course}/{assignmentId}/submissions", key, "Verbeterde versie");
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal("true", retried.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(receipt2.GetProperty("submissionId").GetGuid(), (await retried.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("submissionId").GetGuid());
        Assert.Equal(HttpStatusCode.BadRequest, (await SubmitJsonAsync(pupilApi, $"{course}/{assignmentId}/submissions", null, "zonder sleutel")).StatusCode);
        Assert.Equal(2, await CountAsync<Submission>(app, school));

        // The same key in a multipart retry with files: still the first receipt, no new files.
        using (var multipart = new MultipartFormDataContent())
        {
            multipart.Add(new StringContent("nog eens"), "text");
            multipart.Add(new ByteArrayContent(TestFiles.Pdf(100)), "files", "x.pdf");
            using var request = new HttpRequestMessage(HttpMethod.Post, $"{course}/{assignmentId}/submissions") { Content = multipart };
            request.Headers.Add("Idempotency-Key", key);
            Assert.Equal(HttpStatusCode.OK, (await pupilApi.SendAsync(request)).StatusCode);
        }

        Assert.Equal(2, await CountAsync<Submission>(app, school));
        Assert.Equal(2, await CountAsync<AssignmentFile>(app, school));

        // The teacher sees who handed in, with the whole history.
        var work = await teacher.GetFromJsonAsync<JsonElement>($"{course}/{assignmentId}/submissions");
        var mine = work.EnumerateArray().Single(w => w.GetProperty("pupilId").GetGuid() == school.Pupil.Id);
        Assert.Equal(2, mine.GetProperty("submissions").GetArrayLength());

        // Bad scores change nothing and name the field.
        var review = $"{course}/{assignmentId}/reviews/{school.Pupil.Id}";
        var tooHigh = await teacher.PutAsJsonAsync(review, new { feedback = "Goed", score = 25, action = "Release" });
        Assert.Equal(HttpStatusCode.BadRequest, tooHigh.StatusCode);
        Assert.True((await tooHigh.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("score", out _));
        Assert.Equal(HttpStatusCode.BadRequest, (await teacher.PutAsJsonAsync(review, new { score = -1, action = "Release" })).StatusCode);
        Assert.Equal(0, await CountAsync<AssignmentReview>(app, school));

        // A draft is not shown; released feedback and score are, to the pupil and the parent, and flow into the gradebook.
        Assert.Equal(HttpStatusCode.OK, (await teacher.PutAsJsonAsync(review, new { feedback = "Sterk **verslag**", score = 15, action = "Save" })).StatusCode);
        Assert.DoesNotContain("Sterk", await pupil.GetStringAsync(page), StringComparison.Ordinal);
        Assert.Empty((await pupilApi.GetFromJsonAsync<JsonElement>($"/api/v1/pupils/{school.Pupil.Id}/grades")).GetProperty("courses")[0].GetProperty("lines").EnumerateArray());
        Assert.Equal(HttpStatusCode.OK, (await teacher.PutAsJsonAsync(review, new { feedback = "Sterk **verslag**", score = 15, action = "Release" })).StatusCode);
        var pupilView = await pupil.GetStringAsync(page);
        Assert.Contains("<strong>verslag</strong>", pupilView, StringComparison.Ordinal);
        Assert.Contains("15 / 20", pupilView, StringComparison.Ordinal);
        var parent = await school.SignInAsync(school.Parent);
        Assert.Contains("15 / 20", await parent.GetStringAsync(page), StringComparison.Ordinal);
        var grades = await pupilApi.GetFromJsonAsync<JsonElement>($"/api/v1/pupils/{school.Pupil.Id}/grades");
        var line = grades.GetProperty("courses")[0].GetProperty("lines").EnumerateArray().Single();
        Assert.Equal(15m, line.GetProperty("score").GetProperty("points").GetDecimal());
        Assert.Equal(2m, line.GetProperty("evaluation").GetProperty("weight").GetDecimal());
        Assert.Equal(75m, grades.GetProperty("courses")[0].GetProperty("total").GetProperty("percent").GetDecimal());

        // Everything at once as a zip, streamed: a folder per pupil and per hand-in.
        var teacherWeb = await school.SignInAsync(school.Teacher);
        using (var zipResponse = await teacherWeb.GetAsync($"{page}/submissions.zip"))
        {
            Assert.Equal(HttpStatusCode.OK, zipResponse.StatusCode);
            Assert.Equal("application/zip", zipResponse.Content.Headers.ContentType!.MediaType);
            await using var zipStream = await zipResponse.Content.ReadAsStreamAsync();
            using var buffer = new MemoryStream();
            await zipStream.CopyToAsync(buffer);
            buffer.Position = 0;
            using var zip = new ZipArchive(buffer, ZipArchiveMode.Read);
            var names = zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal).ToList();
            var folder = $"Van {school.Tag} pupil/";
            Assert.Equal([folder + "inzending-1/antwoord.txt", folder + "inzending-1/tekst.txt", folder + "inzending-1/verslag.pdf", folder + "inzending-2/tekst.txt"], names);
            await using var pdf = zip.GetEntry(folder + "inzending-1/verslag.pdf")!.Open();
            using var pdfBytes = new MemoryStream();
            await pdf.CopyToAsync(pdfBytes);
            Assert.Equal(first, pdfBytes.ToArray());
            using var text = new StreamReader(zip.GetEntry(folder + "inzending-2/tekst.txt")!.Open());
            Assert.Equal("Verbeterde versie", await text.ReadToEndAsync());
        }

        Assert.Equal(HttpStatusCode.Forbidden, (await pupilApi.GetAsync($"{course}/{assignmentId}/submissions.zip")).StatusCode);

        // After the deadline (no late work): a clear answer and nothing stored, also from a page loaded before it.
        var openPage = await pupil.GetStringAsync(page);
        clock.Advance(TimeSpan.FromHours(2));
        Assert.Contains("id=\"closed\"", await pupil.GetStringAsync(page), StringComparison.Ordinal);
        var closed = await SubmitJsonAsync(pupilApi, $"{course}/{assignmentId}/submissions", Guid.NewGuid().ToString("N"), "te laat");
        Assert.Equal(HttpStatusCode.Conflict, closed.StatusCode);
        Assert.Contains("deadline", (await closed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!, StringComparison.OrdinalIgnoreCase);
        var closedPage = await SubmitFromPageAsync(pupil, page, openPage, "te laat", ("laat.pdf", TestFiles.Pdf(300)));
        Assert.Equal(HttpStatusCode.Conflict, closedPage.StatusCode);
        Assert.Contains("deadline", await closedPage.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(2, await CountAsync<Submission>(app, school));
        Assert.Equal(2, await CountAsync<AssignmentFile>(app, school));

        // Returned for revision: the pupil may hand in again after the deadline, marked late.
        Assert.Equal(HttpStatusCode.OK, (await teacher.PutAsJsonAsync(review, new { feedback = "Werk de conclusie uit.", action = "Return" })).StatusCode);
        var revised = await SubmitJsonAsync(pupilApi, $"{course}/{assignmentId}/submissions", Guid.NewGuid().ToString("N"), "Herwerkt");
        Assert.Equal(HttpStatusCode.Created, revised.StatusCode);
        var revisedReceipt = await revised.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(3, revisedReceipt.GetProperty("number").GetInt32());
        Assert.True(revisedReceipt.GetProperty("isLate").GetBoolean());
        Assert.Contains("te laat", await pupil.GetStringAsync(page), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Late_work_is_marked_when_accepted_and_outsiders_get_404(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.ApiClientForAsync(school.Teacher);
        var course = $"/api/v1/courses/{school.Course.Id}/assignments";
        var created = await teacher.PostAsJsonAsync(course, new { title = "Te laat mag", dueAt = DateTimeOffset.UtcNow.AddMinutes(-5), acceptsLate = true });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var assignmentId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        var pupilApi = await school.ApiClientForAsync(school.Pupil);
        var late = await SubmitJsonAsync(pupilApi, $"{course}/{assignmentId}/submissions", "key-1", "Sorry, te laat");
        Assert.Equal(HttpStatusCode.Created, late.StatusCode);
        Assert.True((await late.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("isLate").GetBoolean());
        var teacherWeb = await school.SignInAsync(school.Teacher);
        Assert.Contains("te laat ingediend", await teacherWeb.GetStringAsync($"/{school.Code}/courses/{school.Course.Id}/assignments/{assignmentId}"), StringComparison.Ordinal);

        // A pupil who does not follow the course: 404, and nothing stored.
        var outsider = await school.AddPersonAsync(PersonRole.Pupil, "buiten");
        var outsiderApi = await school.ApiClientForAsync(outsider);
        Assert.Equal(HttpStatusCode.NotFound, (await SubmitJsonAsync(outsiderApi, $"{course}/{assignmentId}/submissions", "key-2", "mag ik?")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await outsiderApi.GetAsync($"{course}/{assignmentId}")).StatusCode);

        // A pupil of the course not chosen for an assignment for selected pupils: 404 as well.
        var classmate = await school.AddPersonAsync(PersonRole.Pupil, "klasgenoot");
        await AddToClassAsync(app, school, classmate);
        var selected = await teacher.PostAsJsonAsync(course, new { title = "Alleen voor jou", dueAt = DateTimeOffset.UtcNow.AddDays(1), pupilIds = new[] { school.Pupil.Id } });
        Assert.Equal(HttpStatusCode.Created, selected.StatusCode);
        var selectedId = (await selected.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var classmateApi = await school.ApiClientForAsync(classmate);
        Assert.Equal(HttpStatusCode.NotFound, (await SubmitJsonAsync(classmateApi, $"{course}/{selectedId}/submissions", "key-3", "ik ook")).StatusCode);
        Assert.DoesNotContain(selectedId.ToString(), await classmateApi.GetStringAsync(course), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, (await SubmitJsonAsync(pupilApi, $"{course}/{selectedId}/submissions", "key-4", "hier")).StatusCode);

        // Programs are refused, with nothing stored.
        using var multipart = new MultipartFormDataContent();
        var exe = new byte[200];
        "MZ"u8.CopyTo(exe);
        multipart.Add(new ByteArrayContent(exe), "files", "spel.exe");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{course}/{selectedId}/submissions") { Content = multipart };
        request.Headers.Add("Idempotency-Key", "key-5");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await pupilApi.SendAsync(request)).StatusCode);
        Assert.Equal(2, await CountAsync<Submission>(app, school));
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Parents_see_their_own_child_only_and_change_nothing(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var other = await school.AddPersonAsync(PersonRole.Pupil, "ander");
        await AddToClassAsync(app, school, other);
        var teacher = await school.ApiClientForAsync(school.Teacher);
        var course = $"/api/v1/courses/{school.Course.Id}/assignments";
        var created = await teacher.PostAsJsonAsync(course, new { title = "Gedicht", dueAt = DateTimeOffset.UtcNow.AddDays(1), graded = true, maxScore = 10 });
        var assignmentId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var otherApi = await school.ApiClientForAsync(other);
        var otherReceipt = await (await SubmitJsonAsync(otherApi, $"{course}/{assignmentId}/submissions", "k1", "Geheim gedicht van de ander")).Content.ReadFromJsonAsync<JsonElement>();
        var pupilApi = await school.ApiClientForAsync(school.Pupil);
        Assert.Equal(HttpStatusCode.Created, (await SubmitJsonAsync(pupilApi, $"{course}/{assignmentId}/submissions", "k2", "Mijn gedicht")).StatusCode);
        await teacher.PutAsJsonAsync($"{course}/{assignmentId}/reviews/{school.Pupil.Id}", new { feedback = "Mooi", score = 8, action = "Release" });
        await teacher.PutAsJsonAsync($"{course}/{assignmentId}/reviews/{other.Id}", new { feedback = "Prachtig", score = 9, action = "Release" });

        var parentApi = await school.ApiClientForAsync(school.Parent);
        var work = await parentApi.GetFromJsonAsync<JsonElement>($"{course}/{assignmentId}/submissions");
        var only = Assert.Single(work.EnumerateArray());
        Assert.Equal(school.Pupil.Id, only.GetProperty("pupilId").GetGuid());
        Assert.Equal(8m, only.GetProperty("review").GetProperty("score").GetDecimal());
        var parentWeb = await school.SignInAsync(school.Parent);
        var page = await parentWeb.GetStringAsync($"/{school.Code}/courses/{school.Course.Id}/assignments/{assignmentId}");
        Assert.Contains("Mooi", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Prachtig", page, StringComparison.Ordinal);
        Assert.DoesNotContain("submit-form", page, StringComparison.Ordinal);
        Assert.Contains("8 / 10", await parentWeb.GetStringAsync($"/{school.Code}/grades"), StringComparison.Ordinal);

        // Nothing of the other child, and no way to change anything.
        var otherSubmission = otherReceipt.GetProperty("submissionId").GetGuid();
        Assert.Equal(HttpStatusCode.NotFound, (await parentApi.GetAsync($"{course}/{assignmentId}/submissions/{otherSubmission}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await parentWeb.GetAsync($"/{school.Code}/courses/{school.Course.Id}/assignments/{assignmentId}/submissions/{otherSubmission}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await parentApi.GetAsync($"/api/v1/pupils/{other.Id}/grades")).StatusCode);
        var otherFiles = await (await teacher.GetAsync($"{course}/{assignmentId}/submissions")).Content.ReadAsStringAsync();
        Assert.Contains("Geheim gedicht", otherFiles, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await parentWeb.GetAsync($"/{school.Code}/grades/{other.Id}/report")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await parentWeb.GetAsync($"/{school.Code}/grades/{school.Pupil.Id}/report")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SubmitJsonAsync(parentApi, $"{course}/{assignmentId}/submissions", "k3", "ouder probeert")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await parentApi.PutAsJsonAsync($"{course}/{assignmentId}/reviews/{school.Pupil.Id}", new { score = 10, action = "Release" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await parentApi.PostAsJsonAsync(course, new { title = "x", dueAt = DateTimeOffset.UtcNow })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await parentApi.PostAsJsonAsync($"/api/v1/courses/{school.Course.Id}/evaluations", new { name = "x", date = "2026-01-01", maxScore = 10 })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await parentApi.GetAsync($"{course}/{assignmentId}/submissions.zip")).StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, (await parentWeb.GetAsync($"/{school.Code}/courses/{school.Course.Id}/grades.csv")).StatusCode);
        Assert.Equal(2, await CountAsync<Submission>(app, school));
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
        Assert.Equal(8m, await db.Set<AssignmentReview>().IgnoreQueryFilters().Where(r => r.PupilId == school.Pupil.Id).Select(r => r.Score).SingleAsync());
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Grade_totals_weigh_scores_and_leave_out_absent_and_exempt(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.ApiClientForAsync(school.Teacher);
        var evaluations = $"/api/v1/courses/{school.Course.Id}/evaluations";

        async Task<Guid> EvaluationAsync(string name, decimal max, decimal weight, string category)
        {
            var response = await teacher.PostAsJsonAsync(evaluations, new { name, date = "2026-10-01", maxScore = max, weight, category });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        }

        var daily = await EvaluationAsync("Oefeningen", 10, 1, "dagelijks werk");
        var test = await EvaluationAsync("Toets hoofdstuk 1", 20, 3, "toets");
        var absent = await EvaluationAsync("Toets hoofdstuk 2", 20, 3, "toets");
        var exempt = await EvaluationAsync("Sportdag", 10, 1, "dagelijks werk");
        Assert.Equal(HttpStatusCode.BadRequest, (await teacher.PostAsJsonAsync(evaluations, new { name = "Nul", date = "2026-10-01", maxScore = 0 })).StatusCode);

        // Above the maximum or negative: 400 naming the field, and nothing recorded.
        var tooHigh = await teacher.PutAsJsonAsync($"{evaluations}/{test}/scores", new { scores = new object[] { new { pupilId = school.Pupil.Id, points = 21 } } });
        Assert.Equal(HttpStatusCode.BadRequest, tooHigh.StatusCode);
        Assert.True((await tooHigh.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("scores[0].points", out _));
        Assert.Equal(HttpStatusCode.BadRequest, (await teacher.PutAsJsonAsync($"{evaluations}/{test}/scores", new { scores = new object[] { new { pupilId = school.Pupil.Id, points = -2 } } })).StatusCode);
        var stranger = await school.AddPersonAsync(PersonRole.Pupil, "vreemd");
        Assert.Equal(HttpStatusCode.BadRequest, (await teacher.PutAsJsonAsync($"{evaluations}/{test}/scores", new { scores = new object[] { new { pupilId = stranger.Id, points = 2 } } })).StatusCode);
        Assert.Equal(0, await CountAsync<Score>(app, school));

        foreach (var (evaluation, body) in new[]
        {
            (daily, (object)new { pupilId = school.Pupil.Id, points = 8 }),
            (test, new { pupilId = school.Pupil.Id, points = 12 }),
            (absent, new { pupilId = school.Pupil.Id, code = "Absent" }),
            (exempt, new { pupilId = school.Pupil.Id, code = "Exempt" }),
        })
        {
            Assert.Equal(HttpStatusCode.OK, (await teacher.PutAsJsonAsync($"{evaluations}/{evaluation}/scores", new { scores = new[] { body } })).StatusCode);
        }

        // Nothing released yet: the pupil sees no scores; the teacher sees everything.
        var pupilApi = await school.ApiClientForAsync(school.Pupil);
        Assert.Empty((await pupilApi.GetFromJsonAsync<JsonElement>($"/api/v1/pupils/{school.Pupil.Id}/grades")).GetProperty("courses")[0].GetProperty("lines").EnumerateArray());
        var staffView = await teacher.GetFromJsonAsync<JsonElement>($"/api/v1/pupils/{school.Pupil.Id}/grades");
        var total = staffView.GetProperty("courses")[0].GetProperty("total");
        // (1 × 8/10 + 3 × 12/20) / (1 + 3) = (0.8 + 1.8) / 4 = 65 %; absent and exempt are left out.
        Assert.Equal(65m, total.GetProperty("percent").GetDecimal());
        Assert.Equal(4m, total.GetProperty("weightCounted").GetDecimal());
        Assert.Equal(1, total.GetProperty("absent").GetInt32());
        Assert.Equal(1, total.GetProperty("exempt").GetInt32());
        Assert.True(total.GetProperty("provisional").GetBoolean());

        foreach (var evaluation in new[] { daily, test, absent, exempt })
        {
            Assert.Equal(HttpStatusCode.OK, (await teacher.PostAsync($"{evaluations}/{evaluation}/release", null)).StatusCode);
        }

        var pupilView = await pupilApi.GetFromJsonAsync<JsonElement>($"/api/v1/pupils/{school.Pupil.Id}/grades");
        Assert.Equal(4, pupilView.GetProperty("courses")[0].GetProperty("lines").GetArrayLength());
        Assert.Equal(65m, pupilView.GetProperty("courses")[0].GetProperty("total").GetProperty("percent").GetDecimal());
        var pupilWeb = await school.SignInAsync(school.Pupil);
        var gradesPage = await pupilWeb.GetStringAsync($"/{school.Code}/grades");
        Assert.Contains("65%", gradesPage, StringComparison.Ordinal);
        Assert.Contains("AFW", gradesPage, StringComparison.Ordinal);
        Assert.Contains("VR", gradesPage, StringComparison.Ordinal);
        Assert.Contains("voorlopig", gradesPage, StringComparison.Ordinal);

        // Catching up replaces the code: 16/20 on the second test makes it (0.8 + 1.8 + 2.4) / 7 = 71.4 %, final.
        Assert.Equal(HttpStatusCode.OK, (await teacher.PutAsJsonAsync($"{evaluations}/{absent}/scores", new { scores = new[] { new { pupilId = school.Pupil.Id, points = 16 } } })).StatusCode);
        var after = (await pupilApi.GetFromJsonAsync<JsonElement>($"/api/v1/pupils/{school.Pupil.Id}/grades")).GetProperty("courses")[0].GetProperty("total");
        Assert.Equal(71.4m, after.GetProperty("percent").GetDecimal());
        Assert.False(after.GetProperty("provisional").GetBoolean());

        // The released scores are there for notifications.
        using (var scope = app.Services.CreateScope())
        {
            scope.ServiceProvider.GetRequiredService<Schoolbel.Server.Schools.SchoolScope>().Enter(new Schoolbel.Server.Schools.SchoolInfo(school.Id, school.Code, school.School.Name, "nl"));
            var released = await scope.ServiceProvider.GetRequiredService<GradeReleases>().SinceAsync(school.Pupil.Id, DateTime.UtcNow.AddHours(-1), CancellationToken.None);
            Assert.Equal(4, released.Count);
        }

        // CSV per course and per class: semicolons, decimal commas, codes and totals.
        var web = await school.SignInAsync(school.Teacher);
        var csvBytes = await web.GetByteArrayAsync($"/{school.Code}/courses/{school.Course.Id}/grades.csv");
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, csvBytes[..3]);
        var csv = System.Text.Encoding.UTF8.GetString(csvBytes, 3, csvBytes.Length - 3);
        Assert.StartsWith("klas;familienaam;voornaam;vak;evaluatie", csv, StringComparison.Ordinal);
        Assert.Contains("Toets hoofdstuk 1;2026-10-01;toets;3;20;12;;ja", csv, StringComparison.Ordinal);
        Assert.Contains("Sportdag;2026-10-01;dagelijks werk;1;10;;VR;ja", csv, StringComparison.Ordinal);
        Assert.Contains(";Totaal;;;7;100;71,4;;", csv, StringComparison.Ordinal);
        var classCsv = await web.GetStringAsync($"/{school.Code}/classes/{school.Class.Id}/grades.csv");
        Assert.Contains("3B;Van " + school.Tag + ";pupil;", classCsv, StringComparison.Ordinal);
        var report = await pupilWeb.GetStringAsync($"/{school.Code}/grades/{school.Pupil.Id}/report");
        Assert.Contains("71,4%", report.Replace("71.4%", "71,4%", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("assignments.css", report, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Due_dates_for_the_planner_and_teacher_pages(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var web = await school.SignInAsync(school.Teacher);
        var listPage = $"/{school.Code}/courses/{school.Course.Id}/assignments";
        var due = DateTime.UtcNow.AddDays(3);
        var local = Schoolbel.Server.Lessons.SchoolTime.ToLocal(due).ToString("yyyy-MM-ddTHH:mm", System.Globalization.CultureInfo.InvariantCulture);
        var bad = await web.PostFormAsync($"{listPage}?handler=Create", new() { ["title"] = "", ["dueAt"] = local }, listPage);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("Geef de opdracht een titel.", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var created = await web.PostFormAsync($"{listPage}?handler=Create", new() { ["title"] = "Woordenlijst", ["dueAt"] = local, ["classIds"] = school.Class.Id.ToString() }, listPage);
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        Assert.Contains("Woordenlijst", await web.GetStringAsync(listPage), StringComparison.Ordinal);

        using var scope = app.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<Schoolbel.Server.Schools.SchoolScope>().Enter(new Schoolbel.Server.Schools.SchoolInfo(school.Id, school.Code, school.School.Name, "nl"));
        var dueDates = scope.ServiceProvider.GetRequiredService<AssignmentDueDates>();
        var today = Schoolbel.Server.Lessons.SchoolTime.LocalDate(DateTime.UtcNow);
        var forPupil = Assert.Single(await dueDates.ForPupilsAsync([school.Pupil.Id], today, today.AddDays(7), CancellationToken.None));
        Assert.Equal("Woordenlijst", forPupil.Title);
        Assert.Equal(school.Course.Id, forPupil.CourseId);
        Assert.False(forPupil.Submitted);
        Assert.StartsWith($"/courses/{school.Course.Id}/assignments/", forPupil.Path, StringComparison.Ordinal);
        Assert.Single(await dueDates.ForClassesAsync([school.Class.Id], today, today.AddDays(7), CancellationToken.None));
        Assert.Empty(await dueDates.ForPupilsAsync([school.Pupil.Id], today.AddDays(5), today.AddDays(7), CancellationToken.None));

        // The today page's one-query form answers the same, before and after the hand-in.
        var membership = await scope.ServiceProvider.GetRequiredService<Schoolbel.Server.Courses.CourseAccess>().PupilAsync(school.Pupil.Id, CancellationToken.None);
        Assert.Equal(
            await dueDates.ForPupilsAsync([school.Pupil.Id], today, today.AddDays(7), CancellationToken.None),
            await dueDates.ForPupilAsync(school.Pupil.Id, membership, today, today.AddDays(7), CancellationToken.None));
        var pupilWeb = await school.SignInAsync(school.Pupil);
        var handedIn = await SubmitFromPageAsync(pupilWeb, $"/{school.Code}{forPupil.Path}", "Mijn lijst", ("lijst.pdf", TestFiles.Pdf(500)));
        Assert.Equal(HttpStatusCode.SeeOther, handedIn.StatusCode);
        var submitted = Assert.Single(await dueDates.ForPupilAsync(school.Pupil.Id, membership, today, today.AddDays(7), CancellationToken.None));
        Assert.True(submitted.Submitted);
        Assert.Equal(
            await dueDates.ForPupilsAsync([school.Pupil.Id], today, today.AddDays(7), CancellationToken.None),
            await dueDates.ForPupilAsync(school.Pupil.Id, membership, today, today.AddDays(7), CancellationToken.None));
        Assert.Empty(await dueDates.ForPupilAsync(school.Pupil.Id, membership, today.AddDays(5), today.AddDays(7), CancellationToken.None));
    }

    internal static async Task<HttpResponseMessage> SubmitFromPageAsync(HttpClient client, string page, string text, params (string Name, byte[] Bytes)[] files) =>
        await SubmitFromPageAsync(client, page, await client.GetStringAsync(page), text, files);

    /// <summary>Posts the hand-in form of <paramref name="html"/>: the page as the pupil loaded it, possibly a while ago.</summary>
    internal static async Task<HttpResponseMessage> SubmitFromPageAsync(HttpClient client, string page, string html, string text, params (string Name, byte[] Bytes)[] files)
    {
        var key = KeyPattern().Match(html).Groups[1].Value;
        Assert.NotEmpty(key);
        // As a browser sends the form: the token and the key first, then the text, then the files.
        using var content = new MultipartFormDataContent();
        content.Add(new StringContent(HttpForms.AntiforgeryToken(html)), "__RequestVerificationToken");
        content.Add(new StringContent(key), "idempotencyKey");
        content.Add(new StringContent(text), "text");
        foreach (var (name, bytes) in files)
        {
            var file = new ByteArrayContent(bytes);
            file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            content.Add(file, "files", name);
        }

        return await client.PostAsync(page + "?handler=Submit", content);
    }

    private static async Task<HttpResponseMessage> SubmitJsonAsync(HttpClient client, string url, string? key, string text)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(new { text }) };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return await client.SendAsync(request);
    }

    private static async Task<int> CountAsync<T>(SchoolbelApp app, TestSchool school)
        where T : class, Schoolbel.Server.Schools.ISchoolOwned
    {
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
        return await db.Set<T>().IgnoreQueryFilters().CountAsync(e => e.SchoolId == school.Id);
    }

    private static async Task AddToClassAsync(SchoolbelApp app, TestSchool school, Person pupil)
    {
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
        db.ClassMemberships.Add(new ClassMembership { SchoolId = school.Id, ClassId = school.Class.Id, PupilId = pupil.Id });
        await db.SaveChangesAsync();
        scope.ServiceProvider.GetRequiredService<Schoolbel.Server.HotReads.HotCache>().Invalidate(Schoolbel.Server.HotReads.HotTags.Directory(school.Id));
    }

    [GeneratedRegex("name=\"idempotencyKey\" value=\"([0-9a-f]+)\"")]
    private static partial Regex KeyPattern();

    [GeneratedRegex("href=\"(/[^\"]+/assignment-files/[^\"]+)\"")]
    private static partial Regex FileLinkPattern();
}

/// <summary>An assignment with a hand-in (text and a file) and a scored evaluation of one school, as attack targets.</summary>
public sealed record AssignmentsSamples(Guid AssignmentId, Guid SubmissionId, Guid FileId, Guid EvaluationId)
{
    public static async Task<AssignmentsSamples> CreateAsync(TestSchool school)
    {
        ArgumentNullException.ThrowIfNull(school);
        using var scope = school.App.Services.CreateScope();
        var services = scope.ServiceProvider;
        services.GetRequiredService<Schoolbel.Server.Schools.SchoolScope>().Enter(new Schoolbel.Server.Schools.SchoolInfo(school.Id, school.Code, school.School.Name, "nl"));
        var teacher = new Schoolbel.Server.Courses.CourseViewer(school.Teacher.Id, PersonRole.Teacher, true, []);
        var created = await services.GetRequiredService<AssignmentBook>().CreateAsync(school.Course.Id,
            new AssignmentInput("Opdracht " + school.Tag, null, DateTimeOffset.UtcNow.AddDays(1), Graded: true, MaxScore: 10), teacher, CancellationToken.None);
        var assignmentId = created.Value!.Id;
        var db = services.GetRequiredService<SchoolbelDb>();
        var submission = new Submission
        {
            SchoolId = school.Id, AssignmentId = assignmentId, PupilId = school.Pupil.Id, Number = 1, Text = "Werk van " + school.Tag,
            SubmittedAt = DateTime.UtcNow, IdempotencyKey = "victim",
        };
        var file = new AssignmentFile
        {
            SchoolId = school.Id, AssignmentId = assignmentId, SubmissionId = submission.Id, FileName = "werk.pdf",
            BlobHash = new string('a', 64), Length = 10, ContentType = "application/pdf", CreatedAt = DateTime.UtcNow, CreatedBy = school.Pupil.Id,
        };
        db.AddRange(submission, file);
        await db.SaveChangesAsync();
        var evaluationId = await db.Set<Evaluation>().Where(e => e.AssignmentId == assignmentId).Select(e => e.Id).SingleAsync();
        await services.GetRequiredService<Gradebook>().RecordAsync(school.Course.Id, evaluationId, [new ScoreInput(school.Pupil.Id, 7)], teacher, CancellationToken.None);
        return new AssignmentsSamples(assignmentId, submission.Id, file.Id, evaluationId);
    }

    /// <summary>What of these a school holds, to prove that an attack changed nothing.</summary>
    public static async Task<string> FingerprintAsync(SchoolbelDb db, Guid schoolId)
    {
        ArgumentNullException.ThrowIfNull(db);
        var assignments = await db.Set<Assignment>().IgnoreQueryFilters().Where(a => a.SchoolId == schoolId).Select(a => a.Title + a.DueAt).ToListAsync();
        var submissions = await db.Set<Submission>().IgnoreQueryFilters().CountAsync(s => s.SchoolId == schoolId);
        var files = await db.Set<AssignmentFile>().IgnoreQueryFilters().CountAsync(s => s.SchoolId == schoolId);
        var reviews = await db.Set<AssignmentReview>().IgnoreQueryFilters().CountAsync(s => s.SchoolId == schoolId);
        var evaluations = await db.Set<Evaluation>().IgnoreQueryFilters().Where(e => e.SchoolId == schoolId).Select(e => e.Name + e.ReleasedAt).ToListAsync();
        var scores = await db.Set<Score>().IgnoreQueryFilters().Where(s => s.SchoolId == schoolId).Select(s => s.PupilId + ":" + s.Points + s.Code + s.ReleasedAt).ToListAsync();
        return string.Join("|", assignments.Order(StringComparer.Ordinal)) + "#" + submissions + "#" + files + "#" + reviews
            + "#" + string.Join("|", evaluations.Order(StringComparer.Ordinal)) + "#" + string.Join("|", scores.Order(StringComparer.Ordinal));
    }
}
