using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Schoolbel.Server.Courses;
using Schoolbel.Server.Data;
using Schoolbel.Server.HotReads;
using Schoolbel.Server.Lessons;
using Schoolbel.Server.People;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests;

/// <summary>
/// The hot-read cache: every change shows on the next read although pages are cached, a
/// scheduled lesson appears exactly at its time without any write, concurrent misses load once,
/// and the morning warm-up fills what the first lesson needs.
/// </summary>
public sealed class HotReadCacheTests(SharedApps apps)
{
    private static readonly Dictionary<string, string> NoBackgroundWarmUp = new() { ["HotReads:WarmUp"] = "false" };

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Every_change_to_a_course_shows_on_the_pupils_next_read(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.ApiClientForAsync(school.Teacher);
        var pupil = await school.SignInAsync(school.Pupil);
        var pupilApi = await school.ApiClientForAsync(school.Pupil);
        var course = $"/api/v1/courses/{school.Course.Id}";
        var page = $"/{school.Code}/courses/{school.Course.Id}";
        var folder = await CreatedIdAsync(await teacher.PostAsJsonAsync($"{course}/folders", new { title = "Map Alfa" }));
        var note = await CreatedIdAsync(await teacher.PostAsJsonAsync($"{course}/notes", new { title = "Blad Een", text = "Tekst" }));
        var v1 = TestFiles.Pdf();
        var document = await CreatedIdAsync(await TestFiles.UploadAsync(teacher, school.Course.Id, "oefening.pdf", v1));
        var download = $"/{school.Code}/documents/{document}";

        // Read (and so cache) the page, the tree and the document.
        Assert.Contains("Blad Een", await pupil.GetStringAsync(page), StringComparison.Ordinal);
        Assert.Equal(TestFiles.Sha256(v1), TestFiles.Sha256(await pupil.GetByteArrayAsync(download)));

        await teacher.PatchAsJsonAsync($"{course}/items/{note}", new { title = "Blad Twee" });
        var html = await pupil.GetStringAsync(page);
        Assert.Contains("Blad Twee", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Blad Een", html, StringComparison.Ordinal);

        await teacher.PatchAsJsonAsync($"{course}/items/{note}", new { hidden = true });
        Assert.DoesNotContain("Blad Twee", await pupil.GetStringAsync(page), StringComparison.Ordinal);
        await teacher.PatchAsJsonAsync($"{course}/items/{note}", new { hidden = false });
        Assert.Contains("Blad Twee", await pupil.GetStringAsync(page), StringComparison.Ordinal);

        await teacher.PatchAsJsonAsync($"{course}/items/{note}", new { folderId = folder });
        var moved = FindNode(await pupilApi.GetFromJsonAsync<JsonElement>($"{course}/items"), note);
        Assert.Equal(folder, moved?.GetProperty("folderId").GetString());

        // A hidden folder hides what it holds, documents included.
        await teacher.PatchAsJsonAsync($"{course}/items/{document}", new { folderId = folder });
        Assert.Equal(HttpStatusCode.OK, (await pupil.GetAsync(download)).StatusCode);
        await teacher.PatchAsJsonAsync($"{course}/items/{folder}", new { hidden = true });
        Assert.Null(FindNode(await pupilApi.GetFromJsonAsync<JsonElement>($"{course}/items"), note));
        Assert.Equal(HttpStatusCode.NotFound, (await pupil.GetAsync(download)).StatusCode);
        await teacher.PatchAsJsonAsync($"{course}/items/{folder}", new { hidden = false });
        Assert.Equal(HttpStatusCode.OK, (await pupil.GetAsync(download)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await teacher.DeleteAsync($"{course}/items/{note}")).StatusCode);
        Assert.DoesNotContain("Blad Twee", await pupil.GetStringAsync(page), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, (await teacher.PostAsync($"{course}/items/{note}/restore", null)).StatusCode);
        Assert.Contains("Blad Twee", await pupil.GetStringAsync(page), StringComparison.Ordinal);

        // A new version: the unversioned address serves it at once.
        var v2 = TestFiles.Pdf();
        Assert.Equal(HttpStatusCode.Created, (await TestFiles.UploadAsync(teacher, school.Course.Id, "oefening.pdf", v2, $"&itemId={document}")).StatusCode);
        Assert.Equal(TestFiles.Sha256(v2), TestFiles.Sha256(await pupil.GetByteArrayAsync(download)));

        Assert.Equal(HttpStatusCode.NoContent, (await teacher.DeleteAsync($"{course}/items/{document}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await pupil.GetAsync(download)).StatusCode);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task A_scheduled_lesson_appears_exactly_at_its_time_and_marks_and_new_items_show_at_once(string provider)
    {
        TestDatabases.Require(provider);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await SchoolbelApp.StartAsync(provider, clock, settings: NoBackgroundWarmUp);
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.ApiClientForAsync(school.Teacher);
        var pupil = await school.SignInAsync(school.Pupil);
        var pupilApi = await school.ApiClientForAsync(school.Pupil);
        var course = $"/api/v1/courses/{school.Course.Id}";
        var today = $"/{school.Code}/";
        var lessonId = await CreatedIdAsync(await teacher.PostAsJsonAsync($"{course}/lessons", new { title = "Breuken delen" }));
        var first = await CreatedIdAsync(await teacher.PostAsJsonAsync($"{course}/notes", new { title = "Opdracht 1", text = "Maak 1 tot 5.", lessonId }));
        var document = await CreatedIdAsync(await TestFiles.UploadAsync(teacher, school.Course.Id, "breuken.pdf", TestFiles.Pdf(), $"&lessonId={lessonId}"));
        var lessonPage = $"/{school.Code}/courses/{school.Course.Id}/lessons/{lessonId}";
        var download = $"/{school.Code}/documents/{document}";

        // Everything read (and cached) before it is scheduled, then again while it is scheduled.
        await AssertHiddenAsync();
        var scheduled = await teacher.PutAsJsonAsync($"{course}/lessons/{lessonId}/schedule", new { publishAt = clock.GetUtcNow().AddMinutes(30) });
        Assert.Equal(HttpStatusCode.OK, scheduled.StatusCode);
        var publishAt = new DateTimeOffset((await scheduled.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("classes")[0].GetProperty("publishAt").GetDateTime(), TimeSpan.Zero);
        await AssertHiddenAsync();
        clock.Advance(publishAt - clock.GetUtcNow() - TimeSpan.FromSeconds(1));
        await AssertHiddenAsync();

        // Its time comes: no write, yet every cached read shows it.
        clock.Advance(TimeSpan.FromSeconds(1));
        var page = await pupil.GetStringAsync(today);
        Assert.Contains("Breuken delen", page, StringComparison.Ordinal);
        Assert.Contains("0 van 2 gedaan", page, StringComparison.Ordinal);
        Assert.Contains("Breuken delen", await pupil.GetStringAsync($"/{school.Code}/courses/{school.Course.Id}"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await pupil.GetAsync(lessonPage)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await pupil.GetAsync(download)).StatusCode);
        Assert.Equal(1, (await pupilApi.GetFromJsonAsync<JsonElement>($"{course}/lessons")).GetArrayLength());

        // The pupil's marks, and the teacher's additions and hiding, show on the next read.
        Assert.Equal(HttpStatusCode.NoContent, (await pupilApi.PutAsync($"{course}/lessons/{lessonId}/items/{first}/done", null)).StatusCode);
        Assert.Contains("1 van 2 gedaan", await pupil.GetStringAsync(today), StringComparison.Ordinal);
        var done = (await pupilApi.GetFromJsonAsync<JsonElement>($"{course}/lessons/{lessonId}")).GetProperty("doneItemIds");
        Assert.Equal(first, Assert.Single(done.EnumerateArray()).GetString());
        await teacher.PostAsJsonAsync($"{course}/notes", new { title = "Opdracht 2", text = "Maak 6 tot 10.", lessonId });
        Assert.Contains("1 van 3 gedaan", await pupil.GetStringAsync(today), StringComparison.Ordinal);
        Assert.Contains("Opdracht 2", await pupil.GetStringAsync(lessonPage), StringComparison.Ordinal);
        await teacher.PatchAsJsonAsync($"{course}/items/{first}", new { hidden = true });
        Assert.Contains("0 van 2 gedaan", await pupil.GetStringAsync(today), StringComparison.Ordinal);
        Assert.DoesNotContain("Opdracht 1", await pupil.GetStringAsync(lessonPage), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, (await pupilApi.DeleteAsync($"{course}/lessons/{lessonId}/items/{document}/done")).StatusCode);

        // Rescheduled to later: gone again at once.
        Assert.Equal(HttpStatusCode.OK, (await teacher.PutAsJsonAsync($"{course}/lessons/{lessonId}/schedule", new { publishAt = clock.GetUtcNow().AddHours(2) })).StatusCode);
        await AssertHiddenAsync();

        async Task AssertHiddenAsync()
        {
            Assert.DoesNotContain("Breuken delen", await pupil.GetStringAsync(today), StringComparison.Ordinal);
            Assert.DoesNotContain("Breuken delen", await pupil.GetStringAsync($"/{school.Code}/courses/{school.Course.Id}"), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.NotFound, (await pupil.GetAsync(lessonPage)).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await pupil.GetAsync(download)).StatusCode);
            Assert.Equal(0, (await pupilApi.GetFromJsonAsync<JsonElement>($"{course}/lessons")).GetArrayLength());
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Class_course_and_teacher_changes_by_the_admin_show_at_once(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.ApiClientAsync();
        var teacher = await school.ApiClientForAsync(school.Teacher);
        var course = $"/api/v1/courses/{school.Course.Id}";
        var lessonId = await CreatedIdAsync(await teacher.PostAsJsonAsync($"{course}/lessons", new { title = "Kennismaking" }));
        Assert.Equal(HttpStatusCode.OK, (await teacher.PutAsJsonAsync($"{course}/lessons/{lessonId}/schedule", new { publishAt = (DateTimeOffset?)null })).StatusCode);
        var newcomer = await school.AddPersonAsync(PersonRole.Pupil, "newcomer");
        var web = await school.SignInAsync(newcomer);
        var coursePage = $"/{school.Code}/courses/{school.Course.Id}";
        var classUrl = $"/api/v1/classes/{school.Class.Id}";

        await AssertOutsideAsync();

        // Added to the class: the course, and its lesson, at once.
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync(classUrl, new { name = "3B", schoolYear = school.Class.SchoolYear, pupilIds = new[] { school.Pupil.Id, newcomer.Id } })).StatusCode);
        await AssertInsideAsync();

        // Taken out again.
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync(classUrl, new { name = "3B", schoolYear = school.Class.SchoolYear, pupilIds = new[] { school.Pupil.Id } })).StatusCode);
        await AssertOutsideAsync();

        // Back through a CSV import.
        using (var csv = new StringContent($"role,username,first_name,last_name,class\npupil,{newcomer.Username},{newcomer.FirstName},{newcomer.LastName},3B\n", Encoding.UTF8, "text/csv"))
        {
            Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync("/api/v1/people/import", csv)).StatusCode);
        }

        await AssertInsideAsync();

        // And out through the person's own classes.
        var person = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/people/{newcomer.Id}");
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"/api/v1/people/{newcomer.Id}", new
        {
            firstName = person.GetProperty("firstName").GetString(),
            lastName = person.GetProperty("lastName").GetString(),
            classIds = Array.Empty<Guid>(),
        })).StatusCode);
        await AssertOutsideAsync();

        // A teacher assigned to the course sees it, and may edit it; unassigned, not any more.
        var colleague = await school.AddPersonAsync(PersonRole.Teacher, "colleague");
        var colleagueWeb = await school.SignInAsync(colleague);
        Assert.Equal(HttpStatusCode.NotFound, (await colleagueWeb.GetAsync(coursePage)).StatusCode);
        Assert.DoesNotContain(school.Course.Name, await colleagueWeb.GetStringAsync($"/{school.Code}/"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync(course, new { name = school.Course.Name, teacherIds = new[] { school.Teacher.Id, colleague.Id } })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await colleagueWeb.GetAsync(coursePage)).StatusCode);
        Assert.Contains(school.Course.Name, await colleagueWeb.GetStringAsync($"/{school.Code}/"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync(course, new { name = school.Course.Name, teacherIds = new[] { school.Teacher.Id } })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await colleagueWeb.GetAsync(coursePage)).StatusCode);

        // A renamed course shows its new name on the pupils' pages.
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync(course, new { name = "Wiskunde plus " + school.Tag })).StatusCode);
        Assert.Contains("Wiskunde plus " + school.Tag, await (await school.SignInAsync(school.Pupil)).GetStringAsync($"/{school.Code}/"), StringComparison.Ordinal);

        async Task AssertOutsideAsync()
        {
            var today = await web.GetStringAsync($"/{school.Code}/");
            Assert.DoesNotContain(school.Course.Name, today, StringComparison.Ordinal);
            Assert.DoesNotContain("Kennismaking", today, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.NotFound, (await web.GetAsync(coursePage)).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await web.GetAsync($"{coursePage}/lessons/{lessonId}")).StatusCode);
        }

        async Task AssertInsideAsync()
        {
            var today = await web.GetStringAsync($"/{school.Code}/");
            Assert.Contains(school.Course.Name, today, StringComparison.Ordinal);
            Assert.Contains("Kennismaking", today, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, (await web.GetAsync(coursePage)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await web.GetAsync($"{coursePage}/lessons/{lessonId}")).StatusCode);
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task A_pupil_who_follows_a_course_directly_sees_its_lessons_at_the_earliest_class_time(string provider)
    {
        TestDatabases.Require(provider);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await SchoolbelApp.StartAsync(provider, clock, settings: NoBackgroundWarmUp);
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.ApiClientAsync();
        var teacher = await school.ApiClientForAsync(school.Teacher);
        var course = $"/api/v1/courses/{school.Course.Id}";
        var other = await CreatedIdAsync(await admin.PostAsJsonAsync("/api/v1/classes", new { name = "3C" }));
        var solo = await school.AddPersonAsync(PersonRole.Pupil, "solo");
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync(course, new { name = school.Course.Name, classIds = new[] { school.Class.Id, Guid.Parse(other) }, pupilIds = new[] { solo.Id } })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/v1/lesson-settings", new { spreadMinutes = 10 })).StatusCode);
        var lessonId = await CreatedIdAsync(await teacher.PostAsJsonAsync($"{course}/lessons", new { title = "Vergelijkingen" }));
        var note = await CreatedIdAsync(await teacher.PostAsJsonAsync($"{course}/notes", new { title = "Oefenreeks", text = "1 tot 10", lessonId }));
        var bell = clock.GetUtcNow().AddHours(1);
        var scheduled = await (await teacher.PutAsJsonAsync($"{course}/lessons/{lessonId}/schedule", new { publishAt = bell })).Content.ReadFromJsonAsync<JsonElement>();
        var times = scheduled.GetProperty("classes").EnumerateArray().Select(c => new DateTimeOffset(c.GetProperty("publishAt").GetDateTime(), TimeSpan.Zero)).ToList();
        Assert.Equal(2, times.Distinct().Count());
        var earliest = times.Min();

        var web = await school.SignInAsync(solo);
        var api = await school.ApiClientForAsync(solo);
        var lessonPage = $"/{school.Code}/courses/{school.Course.Id}/lessons/{lessonId}";
        Assert.Equal(HttpStatusCode.OK, (await web.GetAsync($"/{school.Code}/courses/{school.Course.Id}")).StatusCode);
        clock.Advance(earliest - clock.GetUtcNow() - TimeSpan.FromSeconds(1));
        Assert.DoesNotContain("Vergelijkingen", await web.GetStringAsync($"/{school.Code}/"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await web.GetAsync(lessonPage)).StatusCode);

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Contains("Vergelijkingen", await web.GetStringAsync($"/{school.Code}/"), StringComparison.Ordinal);
        Assert.Contains("Oefenreeks", await web.GetStringAsync(lessonPage), StringComparison.Ordinal);
        Assert.Equal(1, (await api.GetFromJsonAsync<JsonElement>($"{course}/lessons")).GetArrayLength());
        Assert.Equal(HttpStatusCode.NoContent, (await api.PutAsync($"{course}/lessons/{lessonId}/items/{note}/done", null)).StatusCode);

        // The teacher follows the directly enrolled pupil's progress too.
        var progress = (await teacher.GetFromJsonAsync<JsonElement>($"{course}/lessons/{lessonId}")).GetProperty("progress").EnumerateArray()
            .Single(p => p.GetProperty("pupilId").GetGuid() == solo.Id);
        Assert.Equal(1, progress.GetProperty("doneItemIds").GetArrayLength());

        // Enrolled directly no more: no longer in the course.
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync(course, new { name = school.Course.Name, pupilIds = Array.Empty<Guid>() })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await web.GetAsync(lessonPage)).StatusCode);
        Assert.DoesNotContain("Vergelijkingen", await web.GetStringAsync($"/{school.Code}/"), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Many_first_reads_of_one_entry_at_once_load_it_from_the_database_once(string provider)
    {
        TestDatabases.Require(provider);
        await using var app = await SchoolbelApp.StartAsync(provider, settings: NoBackgroundWarmUp);
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.ApiClientForAsync(school.Teacher);
        var url = $"/api/v1/courses/{school.Course.Id}/items";
        await teacher.PostAsJsonAsync($"/api/v1/courses/{school.Course.Id}/notes", new { title = "Voor iedereen", text = "Hallo" });
        var pupil = await school.ApiClientForAsync(school.Pupil);
        var cache = app.Services.GetRequiredService<HotCache>();
        var before = cache.LoadsOf(HotKinds.Tree);
        var entered = 0;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cache.BeforeLoad = async kind =>
        {
            if (kind == HotKinds.Tree)
            {
                Interlocked.Increment(ref entered);
                await gate.Task;
            }
        };

        try
        {
            var reads = Enumerable.Range(0, 40).Select(_ => pupil.GetStringAsync(url)).ToList();
            while (Volatile.Read(ref entered) == 0)
            {
                await Task.Delay(10, TestContext.Current.CancellationToken);
            }

            // Give the other reads time to arrive while the first load is held back.
            await Task.Delay(500, TestContext.Current.CancellationToken);
            gate.SetResult();
            var bodies = await Task.WhenAll(reads);

            Assert.Equal(1, Volatile.Read(ref entered));
            Assert.Equal(before + 1, cache.LoadsOf(HotKinds.Tree));
            Assert.All(bodies, b => Assert.Contains("Voor iedereen", b, StringComparison.Ordinal));
            Assert.Single(bodies.Distinct());
        }
        finally
        {
            cache.BeforeLoad = null;
            gate.TrySetResult();
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task A_today_page_loads_the_lessons_it_misses_together_and_shows_changes_at_once(string provider)
    {
        TestDatabases.Require(provider);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await SchoolbelApp.StartAsync(provider, clock, settings: NoBackgroundWarmUp);
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.ApiClientForAsync(school.Teacher);
        var pupil = await school.SignInAsync(school.Pupil);
        var course = $"/api/v1/courses/{school.Course.Id}";
        var titles = new[] { "Les Anker", "Les Boei", "Les Kompas" };
        var lessons = new List<string>();
        foreach (var title in titles)
        {
            var lessonId = await CreatedIdAsync(await teacher.PostAsJsonAsync($"{course}/lessons", new { title }));
            await teacher.PostAsJsonAsync($"{course}/notes", new { title = "Lees dit", text = "Tekst", lessonId });
            Assert.Equal(HttpStatusCode.OK, (await teacher.PutAsJsonAsync($"{course}/lessons/{lessonId}/schedule", new { publishAt = clock.GetUtcNow().AddMinutes(5) })).StatusCode);
            lessons.Add(lessonId);
        }

        clock.Advance(TimeSpan.FromMinutes(6));
        var cache = app.Services.GetRequiredService<HotCache>();
        cache.InvalidateAllHere();
        clock.Advance(TimeSpan.FromSeconds(1));
        var loadsBefore = cache.LoadsOf(HotKinds.Lesson);
        var warmedBefore = cache.Counts().GetValueOrDefault(HotKinds.Lesson)?.Warmed ?? 0;

        // Three lessons this node does not hold: one batch, no load of its own per lesson.
        var page = await pupil.GetStringAsync($"/{school.Code}/");
        Assert.All(titles, t => Assert.Contains(t, page, StringComparison.Ordinal));
        Assert.Equal(loadsBefore, cache.LoadsOf(HotKinds.Lesson));
        Assert.Equal(warmedBefore + 3, cache.Counts()[HotKinds.Lesson].Warmed);

        // What the batch stored is what the lesson page reads, and a change still shows at once.
        Assert.Contains("Les Boei", await pupil.GetStringAsync($"/{school.Code}/courses/{school.Course.Id}/lessons/{lessons[1]}"), StringComparison.Ordinal);
        Assert.Equal(loadsBefore, cache.LoadsOf(HotKinds.Lesson));
        Assert.DoesNotContain("0 van 2 gedaan", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, (await teacher.PostAsJsonAsync($"{course}/notes", new { title = "Nog een", text = "Tekst", lessonId = lessons[1] })).StatusCode);
        page = await pupil.GetStringAsync($"/{school.Code}/");
        Assert.Contains("0 van 2 gedaan", page, StringComparison.Ordinal);
        Assert.Contains("Nog een", await pupil.GetStringAsync($"/{school.Code}/courses/{school.Course.Id}/lessons/{lessons[1]}"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_read_that_overlaps_a_change_loads_again_and_keeps_nothing_old()
    {
        using var services = new ServiceCollection().AddHybridCache().Services.BuildServiceProvider();
        var cache = new HotCache(services.GetRequiredService<HybridCache>(), TimeProvider.System, Options.Create(new HotReadsOptions()), NullLogger<HotCache>.Instance);
        string[] tags = [HotTags.Course(Guid.NewGuid())];
        var database = "old";
        var reading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // A read starts and reads "old" from the database ...
        var first = cache.GetOrLoadAsync("test", "sb:test:race", tags, async () =>
        {
            var value = database;
            reading.TrySetResult();
            await release.Task;
            return value;
        }).AsTask();
        await reading.Task;

        // ... a write commits and invalidates while that read is still on its way: the read
        // notices, loads again, and neither it nor the next read gets the old value.
        database = "new";
        cache.Invalidate(tags);
        release.SetResult();
        Assert.Equal("new", await first);
        Assert.Equal("new", await cache.GetOrLoadAsync("test", "sb:test:race", tags, () => Task.FromResult("not loaded again")));
        Assert.Equal(2, cache.LoadsOf("test"));
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task The_warm_up_fills_the_cache_before_the_first_lesson_and_the_operator_sees_the_coming_morning(string provider)
    {
        TestDatabases.Require(provider);
        // 07:00 school time tomorrow.
        var tomorrow = SchoolTime.LocalDate(DateTime.UtcNow).AddDays(1);
        var clock = new FakeTimeProvider(SchoolTime.AtUtc(tomorrow, new TimeOnly(7, 0)));
        await using var app = await SchoolbelApp.StartAsync(provider, clock, settings: NoBackgroundWarmUp);
        var school = await TestSchool.CreateAsync(app);
        var adminWeb = await school.SignInAsync(school.Admin);
        var settings = $"/{school.Code}/admin/settings";
        Assert.Equal(HttpStatusCode.BadRequest, (await adminWeb.PostFormAsync($"{settings}?handler=Timetable", new() { ["firstLessonAt"] = "25:00" }, settings)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await adminWeb.PostFormAsync($"{settings}?handler=Timetable", new() { ["firstLessonAt"] = "08:15" }, settings)).StatusCode);
        Assert.Contains("value=\"08:15\"", await adminWeb.GetStringAsync(settings), StringComparison.Ordinal);
        Assert.Equal("08:15", (await (await school.ApiClientAsync()).GetFromJsonAsync<JsonElement>("/api/v1/lesson-settings")).GetProperty("firstLessonAt").GetString());

        var teacher = await school.ApiClientForAsync(school.Teacher);
        var course = $"/api/v1/courses/{school.Course.Id}";
        var lessonId = await CreatedIdAsync(await teacher.PostAsJsonAsync($"{course}/lessons", new { title = "Eerste uur" }));
        await teacher.PostAsJsonAsync($"{course}/notes", new { title = "Start", text = "Lees dit.", lessonId });
        await teacher.PostAsJsonAsync($"{course}/notes", new { title = "Cursus", text = "Het vak." });
        var firstLesson = SchoolTime.AtUtc(tomorrow, new TimeOnly(8, 15));
        Assert.Equal(HttpStatusCode.OK, (await teacher.PutAsJsonAsync($"{course}/lessons/{lessonId}/schedule", new { publishAt = new DateTimeOffset(firstLesson, TimeSpan.Zero) })).StatusCode);
        var pupil = await school.SignInAsync(school.Pupil);

        var ops = await OperatorAsync(app, school);
        var row = MorningRow(await ops.GetStringAsync("/ops/morning"), school.Code);
        Assert.Contains("<td>08:15</td><td>1</td><td>1</td><td>1</td>", row, StringComparison.Ordinal);
        Assert.Contains("nog niet, om 08:05", row, StringComparison.Ordinal);

        // Too early: nothing. Ten minutes before the first lesson: warmed, once.
        var cache = app.Services.GetRequiredService<HotCache>();
        Assert.Empty(await WarmAsync(app, clock));
        clock.SetUtcNow(firstLesson.AddMinutes(-10));
        var record = Assert.Single(await WarmAsync(app, clock));
        Assert.Equal(school.Id, record.SchoolId);
        Assert.Equal((1, 1, 1, 1), (record.Classes, record.Lessons, record.Courses, record.Pupils));
        Assert.Empty(await WarmAsync(app, clock));
        Assert.Contains("opgewarmd om 08:05", MorningRow(await ops.GetStringAsync("/ops/morning"), school.Code), StringComparison.Ordinal);

        // At the bell the pupil's pages come from the cache: not one of these loads again.
        string[] warmed = [HotKinds.Pupil, HotKinds.Viewer, HotKinds.Course, HotKinds.Tree, HotKinds.CourseLessons, HotKinds.Lesson, HotKinds.ClassSchedule, HotKinds.ClassNames];
        var loads = warmed.ToDictionary(k => k, cache.LoadsOf);
        clock.SetUtcNow(firstLesson);
        var today = await pupil.GetStringAsync($"/{school.Code}/");
        Assert.Contains("Eerste uur", today, StringComparison.Ordinal);
        Assert.Contains("Cursus", await pupil.GetStringAsync($"/{school.Code}/courses/{school.Course.Id}"), StringComparison.Ordinal);
        Assert.Contains("Start", await pupil.GetStringAsync($"/{school.Code}/courses/{school.Course.Id}/lessons/{lessonId}"), StringComparison.Ordinal);
        Assert.All(warmed, k => Assert.True(loads[k] == cache.LoadsOf(k), $"{k} was loaded again after the warm-up"));
    }

    private static async Task<IReadOnlyList<WarmUpRecord>> WarmAsync(SchoolbelApp app, FakeTimeProvider clock)
    {
        using var scope = app.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<MorningWarmUp>().WarmDueAsync(clock.GetUtcNow(), CancellationToken.None);
    }

    private static string MorningRow(string html, string code)
    {
        var start = html.IndexOf($"<tr data-school=\"{code}\">", StringComparison.Ordinal);
        Assert.True(start >= 0, "The school is not on the morning view.");
        return System.Text.RegularExpressions.Regex.Replace(html[start..html.IndexOf("</tr>", start, StringComparison.Ordinal)], @">\s+<", "><");
    }

    private static async Task<HttpClient> OperatorAsync(SchoolbelApp app, TestSchool school)
    {
        var username = "op-" + school.Tag;
        using (var scope = app.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
            var hasher = scope.ServiceProvider.GetRequiredService<Schoolbel.Server.SignIn.PasswordHasher>();
            db.Operators.Add(new Schoolbel.Server.Ops.PlatformOperator { Username = username, DisplayName = "Operator", PasswordHash = hasher.Hash(TestSchool.Password), CreatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }

        var client = app.CreateBrowserlikeClient();
        Assert.Equal(HttpStatusCode.Redirect, (await client.PostFormAsync("/ops/signin", new() { ["username"] = username, ["password"] = TestSchool.Password })).StatusCode);
        return client;
    }

    private static async Task<string> CreatedIdAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private static JsonElement? FindNode(JsonElement nodes, string id)
    {
        foreach (var node in nodes.EnumerateArray())
        {
            if (node.GetProperty("id").GetString() == id)
            {
                return node;
            }

            if (FindNode(node.GetProperty("children"), id) is { } found)
            {
                return found;
            }
        }

        return null;
    }
}
