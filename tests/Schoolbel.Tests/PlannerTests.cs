using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Calendar = Ical.Net.Calendar;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Schoolbel.Server.Admission;
using Schoolbel.Server.Courses;
using Schoolbel.Server.Data;
using Schoolbel.Server.HotReads;
using Schoolbel.Server.Lessons;
using Schoolbel.Server.People;
using Schoolbel.Server.Planner;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests;

public sealed partial class PlannerTests(SharedApps apps)
{
    private const string Header = "class,weekday,start,end,course,room\n";

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Pupils_parents_and_teachers_each_see_their_own_week_and_nothing_of_another_class_or_school(string provider)
    {
        var app = await apps.GetAsync(provider);
        var world = await PlannerWorld.CreateAsync(app);
        var other = await PlannerWorld.CreateAsync(app);
        foreach (var w in new[] { world, other })
        {
            var csv = Header
                + $"3B,maandag,08:30,09:20,{w.School.Course.Name},A101\n"
                + $"3B,wo,10:25,11:15,{w.School.Course.Name},\n"
                + $"3C,1,08:30,09:20,{w.OtherCourse.Name},B201\n";
            Assert.Equal(HttpStatusCode.OK, (await PostCsvAsync(await w.School.ApiClientAsync(), csv)).StatusCode);
        }

        var monday = PlannerWeeks.MondayOf(SchoolTime.LocalDate(DateTime.UtcNow));
        var teacher = await world.School.ApiClientForAsync(world.School.Teacher);
        var homework = await CreateItemAsync(teacher, world.School.Course.Id, world.School.Class.Id, "Homework", monday.AddDays(1), "Breuken oefenen " + world.School.Tag);
        Assert.Equal(HttpStatusCode.Created, homework.StatusCode);
        var otherTeacher = await world.School.ApiClientForAsync(world.OtherTeacher);
        Assert.Equal(HttpStatusCode.Created, (await CreateItemAsync(otherTeacher, world.OtherCourse.Id, world.OtherClass.Id, "Test", monday.AddDays(2), "Toets Frans 3C")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await CreateItemAsync(await other.School.ApiClientForAsync(other.School.Teacher), other.School.Course.Id, other.School.Class.Id, "Bring", monday.AddDays(1), "Andere school " + other.School.Tag)).StatusCode);

        // The pupil of 3B: 3B's timetable and homework; not 3C's, not the other school's.
        var pupilWeek = await WeekAsync(await world.School.ApiClientForAsync(world.School.Pupil), monday);
        Assert.Contains(pupilWeek, e => e.Kind == "Lesson" && e.Day == monday && e.Start == "08:30:00" && e.Room == "A101");
        Assert.Contains(pupilWeek, e => e.Kind == "Lesson" && e.Day == monday.AddDays(2) && e.Start == "10:25:00");
        Assert.Contains(pupilWeek, e => e.Kind == "Homework" && e.Title.Contains(world.School.Tag, StringComparison.Ordinal) && e.Day == monday.AddDays(1));
        Assert.DoesNotContain(pupilWeek, e => e.Title.Contains("3C", StringComparison.Ordinal) || e.Title.Contains(other.School.Tag, StringComparison.Ordinal));
        Assert.Equal(3, pupilWeek.Count);

        // The parent sees the child's week, on the page and through the API.
        var parentWeek = await WeekAsync(await world.School.ApiClientForAsync(world.School.Parent), monday);
        Assert.Equal(pupilWeek.Select(e => e.Id).Order(), parentWeek.Select(e => e.Id).Order());
        var parentPage = await (await world.School.SignInAsync(world.School.Parent)).GetStringAsync($"/{world.School.Code}/planner?week={Iso(monday)}");
        Assert.Contains("Breuken oefenen " + world.School.Tag, parentPage, StringComparison.Ordinal);
        Assert.DoesNotContain("Toets Frans", parentPage, StringComparison.Ordinal);

        // The teacher of Wiskunde sees Wiskunde in 3B, not the 3C course of the other teacher.
        var teacherWeek = await WeekAsync(teacher, monday);
        Assert.Equal(3, teacherWeek.Count);
        Assert.All(teacherWeek, e => Assert.Equal(world.School.Course.Id.ToString(), e.CourseId));
        var otherTeacherWeek = await WeekAsync(otherTeacher, monday);
        Assert.Equal(["Lesson", "Test"], otherTeacherWeek.Select(e => e.Kind).Order(StringComparer.Ordinal));

        // The pupil of 3C sees 3C's things only; the pupil page shows a week with navigation.
        var pupil3C = await world.School.SignInAsync(world.OtherPupil);
        var page = await pupil3C.GetStringAsync($"/{world.School.Code}/planner?week={Iso(monday.AddDays(3))}");
        Assert.Contains("Toets Frans 3C", page, StringComparison.Ordinal);
        Assert.Contains("B201", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Breuken oefenen", page, StringComparison.Ordinal);
        Assert.DoesNotContain(other.School.Tag, page, StringComparison.Ordinal);
        Assert.Contains($"week={Iso(monday.AddDays(-7))}", page, StringComparison.Ordinal);
        Assert.Contains($"week={Iso(monday.AddDays(7))}", page, StringComparison.Ordinal);
        var nextWeek = await pupil3C.GetStringAsync($"/{world.School.Code}/planner?week={Iso(monday.AddDays(7))}");
        Assert.DoesNotContain("Toets Frans 3C", nextWeek, StringComparison.Ordinal);

        // Nobody looks at a child, a class or a school that is not theirs.
        var pupilApi = await world.School.ApiClientForAsync(world.School.Pupil);
        Assert.Equal(HttpStatusCode.NotFound, (await pupilApi.GetAsync($"/api/v1/planner/week?pupilId={world.OtherPupil.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await pupilApi.GetAsync($"/api/v1/planner/week?classId={world.OtherClass.Id}")).StatusCode);
        var parentApi = await world.School.ApiClientForAsync(world.School.Parent);
        Assert.Equal(HttpStatusCode.NotFound, (await parentApi.GetAsync($"/api/v1/planner/week?pupilId={world.OtherPupil.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await teacher.GetAsync($"/api/v1/planner/week?classId={world.OtherClass.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await teacher.GetAsync($"/api/v1/planner/week?classId={other.School.Class.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await teacher.GetAsync("/api/v1/planner/week?date=yesterday")).StatusCode);

        // A teacher may look at one of their classes as its pupils see it.
        var classWeek = await WeekAsync(teacher, monday, $"&classId={world.School.Class.Id}");
        Assert.Equal(pupilWeek.Select(e => e.Id).Order(), classWeek.Select(e => e.Id).Order());
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Teachers_add_change_and_remove_items_for_their_courses_classes_only(string provider)
    {
        var app = await apps.GetAsync(provider);
        var world = await PlannerWorld.CreateAsync(app);
        var school = world.School;
        var today = SchoolTime.LocalDate(DateTime.UtcNow);
        var teacher = await school.SignInAsync(school.Teacher);
        var page = $"/{school.Code}/planner";

        var added = await teacher.PostFormAsync($"{page}?handler=Add", new()
        {
            ["courseClass"] = $"{school.Course.Id}|{school.Class.Id}", ["kind"] = "Test", ["day"] = Iso(today), ["title"] = "Toets hoofdstuk 2",
        }, page);
        Assert.Equal(HttpStatusCode.Redirect, added.StatusCode);
        var html = await teacher.GetStringAsync($"{page}?week={Iso(today)}");
        Assert.Contains("Toets hoofdstuk 2", html, StringComparison.Ordinal);
        var itemId = Guid.Parse(ItemLink().Match(html).Groups[1].Value);

        // A class that does not follow the course, an empty title, a day far away: 400, nothing stored.
        var wrongClass = await teacher.PostFormAsync($"{page}?handler=Add", new()
        {
            ["courseClass"] = $"{school.Course.Id}|{world.OtherClass.Id}", ["kind"] = "Homework", ["day"] = Iso(today), ["title"] = "Verkeerde klas",
        }, page);
        Assert.Equal(HttpStatusCode.BadRequest, wrongClass.StatusCode);
        Assert.Contains("Kies een klas van dit vak.", await wrongClass.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var api = await school.ApiClientForAsync(school.Teacher);
        var bad = await CreateItemAsync(api, school.Course.Id, school.Class.Id, "Homework", today.AddYears(3), "");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var problem = await bad.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("title", out _));
        Assert.True(problem.GetProperty("errors").TryGetProperty("day", out _));
        Assert.Equal(HttpStatusCode.BadRequest, (await CreateItemAsync(api, world.OtherCourse.Id, world.OtherClass.Id, "Homework", today, "Niet mijn vak")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await CreateItemAsync(api, Guid.NewGuid(), school.Class.Id, "Homework", today, "Onbestaand vak")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await CreateItemAsync(await school.ApiClientForAsync(school.Pupil), school.Course.Id, school.Class.Id, "Homework", today, "Leerling")).StatusCode);
        Assert.Equal(1, await CountItemsAsync(app, school));

        // Edit through the page; the other teacher and a pupil cannot even find it.
        var edit = $"/{school.Code}/planner/items/{itemId}";
        var saved = await teacher.PostFormAsync($"{edit}?handler=Save", new()
        {
            ["courseClass"] = $"{school.Course.Id}|{school.Class.Id}", ["kind"] = "Bring", ["day"] = Iso(today), ["title"] = "Rekenmachine",
        }, edit);
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        var item = await api.GetFromJsonAsync<JsonElement>($"/api/v1/planner/items/{itemId}");
        Assert.Equal("Bring", item.GetProperty("kind").GetString());
        Assert.Equal("Rekenmachine", item.GetProperty("title").GetString());
        var otherTeacher = await school.ApiClientForAsync(world.OtherTeacher);
        Assert.Equal(HttpStatusCode.NotFound, (await otherTeacher.GetAsync($"/api/v1/planner/items/{itemId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await otherTeacher.DeleteAsync($"/api/v1/planner/items/{itemId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await otherTeacher.PutAsJsonAsync($"/api/v1/planner/items/{itemId}", ItemBody(world.OtherCourse.Id, world.OtherClass.Id, "Test", today, "Gekaapt"))).StatusCode);
        var pupil = await school.SignInAsync(school.Pupil);
        Assert.True((await pupil.GetAsync(edit)).StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Redirect or HttpStatusCode.NotFound);

        // Remove through the API.
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/v1/planner/items/{itemId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/api/v1/planner/items/{itemId}")).StatusCode);
        Assert.Equal(0, await CountItemsAsync(app, school));
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Scheduled_lessons_show_in_the_planner_and_the_feed_only_once_published(string provider)
    {
        TestDatabases.Require(provider);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await SchoolbelApp.StartAsync(provider, clock);
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.ApiClientForAsync(school.Teacher);
        var course = $"/api/v1/courses/{school.Course.Id}";
        var created = await teacher.PostAsJsonAsync($"{course}/lessons", new { title = "Geheime les " + school.Tag });
        var lessonId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        var publishAt = clock.GetUtcNow().AddHours(1);
        Assert.Equal(HttpStatusCode.OK, (await teacher.PutAsJsonAsync($"{course}/lessons/{lessonId}/schedule", new { publishAt, classIds = new[] { school.Class.Id } })).StatusCode);
        var day = SchoolTime.LocalDate(publishAt.UtcDateTime);

        var pupil = await school.ApiClientForAsync(school.Pupil);
        var parent = await school.ApiClientForAsync(school.Parent);
        var pupilWeb = await school.SignInAsync(school.Pupil);
        var feed = await NewFeedUrlAsync(pupilWeb, school);
        using var calendarApp = app.CreateClient();
        Assert.DoesNotContain(await WeekAsync(pupil, day), e => e.Kind == "PublishedLesson");
        Assert.DoesNotContain(await WeekAsync(parent, day), e => e.Kind == "PublishedLesson");
        Assert.DoesNotContain("Geheime les", await pupilWeb.GetStringAsync($"/{school.Code}/planner?week={Iso(day)}"), StringComparison.Ordinal);
        Assert.DoesNotContain("Geheime les", await calendarApp.GetStringAsync(feed), StringComparison.Ordinal);

        // Its teacher sees it ahead, on its day and time.
        var planned = Assert.Single(await WeekAsync(teacher, day), e => e.Kind == "PublishedLesson");
        Assert.Equal(day, planned.Day);
        Assert.Equal(SchoolTime.ToLocal(publishAt.UtcDateTime).ToString("HH:mm:00", CultureInfo.InvariantCulture), planned.Start);

        clock.Advance(TimeSpan.FromMinutes(59));
        Assert.DoesNotContain(await WeekAsync(pupil, day), e => e.Kind == "PublishedLesson");
        clock.Advance(TimeSpan.FromMinutes(1));

        var shown = Assert.Single(await WeekAsync(pupil, day), e => e.Kind == "PublishedLesson");
        Assert.Equal("Geheime les " + school.Tag, shown.Title);
        Assert.Contains(await WeekAsync(parent, day), e => e.Kind == "PublishedLesson");
        Assert.Contains("Geheime les", await pupilWeb.GetStringAsync($"/{school.Code}/planner?week={Iso(day)}"), StringComparison.Ordinal);
        var calendar = Calendar.Load(await calendarApp.GetStringAsync(feed))!;
        Assert.Contains(calendar.Events, e => e.Summary == "Les: Geheime les " + school.Tag + " (" + school.Course.Name + ")" && e.Uid == $"lesson-{Guid.Parse(lessonId!):N}@schoolbel");
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Timetable_import_is_all_or_nothing_with_line_numbers_and_a_reimport_replaces_the_class_timetable(string provider)
    {
        var app = await apps.GetAsync(provider);
        var world = await PlannerWorld.CreateAsync(app);
        var school = world.School;
        var api = await school.ApiClientAsync();
        var maths = school.Course.Name;
        var good = Header
            + $"3B,maandag,08:30,09:20,{maths},A101\n"
            + $"3B;dinsdag;08:30;09:20;{maths};A101\n".Replace(';', ',')
            + $"3C,vr,13:00,13:50,{world.OtherCourse.Name},\n";

        var first = await PostCsvAsync(api, good);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var summary = await first.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(3, summary.GetProperty("created").GetInt32());
        Assert.Equal(2, summary.GetProperty("classes").GetInt32());
        var before = await SlotsAsync(api, school.Class.Id);
        Assert.Equal(["Monday 08:30-09:20 A101", "Tuesday 08:30-09:20 A101"], before);

        // The same file again: nothing changes (the same rows, the same ids).
        var again = await (await PostCsvAsync(api, good)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(0, again.GetProperty("created").GetInt32());
        Assert.Equal(3, again.GetProperty("unchanged").GetInt32());
        Assert.Equal(0, again.GetProperty("removed").GetInt32());

        // A bad file: every bad line and field named, nothing stored.
        var bad = Header
            + $"3B,maandag,10:00,11:00,{maths},\n"
            + $"3Z,maandag,08:30,09:20,{maths},\n"
            + "3B,dinsdag,08:30,09:20,Onbestaand vak,\n"
            + $"3B,woensdag,10:00,09:00,{maths},\n"
            + $"3B,blursday,8u,09:00,{maths},\n"
            + $"3B,maandag,10:30,11:30,{maths},\n";
        var refused = await PostCsvAsync(api, bad);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var errors = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateArray()
            .Select(e => $"{e.GetProperty("line").GetInt32()}:{e.GetProperty("column").GetString()}").ToList();
        Assert.Equal(["3:class", "4:course", "5:end", "6:weekday", "6:start", "7:start"], errors);
        Assert.Equal(before, await SlotsAsync(api, school.Class.Id));

        // The admin page says the same.
        var admin = await school.SignInAsync(school.Admin);
        var upload = await PostCsvPageAsync(admin, school, bad);
        Assert.Equal(HttpStatusCode.BadRequest, upload.StatusCode);
        var uploadPage = await upload.Content.ReadAsStringAsync();
        Assert.Contains("Regel 3: class: Onbekende klas", uploadPage, StringComparison.Ordinal);
        Assert.Contains("Regel 5: end:", uploadPage, StringComparison.Ordinal);
        Assert.Contains("Er is niets opgeslagen.", uploadPage, StringComparison.Ordinal);

        // Re-import with another timetable for 3B replaces 3B's and leaves 3C's alone.
        var replaced = await PostCsvPageAsync(admin, school, Header + $"3B,woensdag,08:30,10:10,{maths},Sporthal\n");
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        Assert.Equal(["Wednesday 08:30-10:10 Sporthal"], await SlotsAsync(api, school.Class.Id));
        Assert.Single(await SlotsAsync(api, world.OtherClass.Id));
        Assert.Contains("Sporthal", await admin.GetStringAsync($"/{school.Code}/admin/timetable/{school.Class.Id}"), StringComparison.Ordinal);

        // By hand: end before start, an unknown class or course, a clash are clear 400s.
        var slot = await api.PostAsJsonAsync("/api/v1/timetable/slots", new { classId = school.Class.Id, weekday = "maandag", start = "09:00", end = "08:00", courseId = school.Course.Id });
        Assert.Equal(HttpStatusCode.BadRequest, slot.StatusCode);
        Assert.True((await slot.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("end", out _));
        Assert.Equal(HttpStatusCode.BadRequest, (await api.PostAsJsonAsync("/api/v1/timetable/slots", new { classId = Guid.NewGuid(), weekday = "maandag", start = "09:00", end = "10:00", courseId = school.Course.Id })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await api.PostAsJsonAsync("/api/v1/timetable/slots", new { classId = school.Class.Id, weekday = "maandag", start = "09:00", end = "10:00", courseId = Guid.NewGuid() })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await api.PostAsJsonAsync("/api/v1/timetable/slots", new { classId = school.Class.Id, weekday = "woensdag", start = "09:00", end = "09:50", courseId = school.Course.Id })).StatusCode);
        var added = await api.PostAsJsonAsync("/api/v1/timetable/slots", new { classId = school.Class.Id, weekday = "Friday", start = "14:00", end = "14:50", courseId = school.Course.Id, room = "B2" });
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var slotId = (await added.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        Assert.Equal(2, (await SlotsAsync(api, school.Class.Id)).Count);
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/v1/timetable/slots/{slotId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.DeleteAsync($"/api/v1/timetable/slots/{slotId}")).StatusCode);

        // The admin page's form: end before start is a page message.
        var classPage = $"/{school.Code}/admin/timetable/{school.Class.Id}";
        var form = await admin.PostFormAsync($"{classPage}?handler=Add", new()
        {
            ["weekday"] = "1", ["start"] = "11:00", ["end"] = "10:00", ["courseId"] = school.Course.Id.ToString(),
        }, classPage);
        Assert.Equal(HttpStatusCode.BadRequest, form.StatusCode);
        Assert.Contains("moet na het beginuur", await form.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Teachers do not import timetables.
        Assert.Equal(HttpStatusCode.Forbidden, (await PostCsvAsync(await school.ApiClientForAsync(school.Teacher), good)).StatusCode);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task The_calendar_feed_is_valid_icalendar_in_the_school_time_zone_with_stable_uids_and_is_cheap_to_poll(string provider)
    {
        // An app of its own: it counts the hot cache's feed builds, which other tests' feeds on a
        // shared app would add to (seen in CI once assignment tests began to poll feeds).
        TestDatabases.Require(provider);
        await using var app = await SchoolbelApp.StartAsync(provider);
        var world = await PlannerWorld.CreateAsync(app);
        var school = world.School;
        var maths = school.Course.Name;
        var csv = Header + string.Join("", Enumerable.Range(1, 5).Select(d => $"3B,{d},08:30,09:20,{maths},A101\n"));
        Assert.Equal(HttpStatusCode.OK, (await PostCsvAsync(await school.ApiClientAsync(), csv)).StatusCode);
        var today = SchoolTime.LocalDate(DateTime.UtcNow);
        var teacher = await school.ApiClientForAsync(school.Teacher);
        Assert.Equal(HttpStatusCode.Created, (await CreateItemAsync(teacher, school.Course.Id, school.Class.Id, "Homework", today.AddDays(2), "Oefeningen p. 12")).StatusCode);

        var web = await school.SignInAsync(school.Pupil);
        var url = await NewFeedUrlAsync(web, school);
        using var calendarApp = app.CreateClient();
        var response = await calendarApp.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/calendar", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("max-age", response.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);
        var text = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("BEGIN:VCALENDAR", text, StringComparison.Ordinal);
        var calendar = Calendar.Load(text)!;

        Assert.Equal("Europe/Brussels", Assert.Single(calendar.TimeZones).TzId);
        Assert.Contains("BEGIN:STANDARD", text, StringComparison.Ordinal);
        Assert.Contains("BEGIN:DAYLIGHT", text, StringComparison.Ordinal);
        Assert.Contains("TZOFFSETTO:+0100", text, StringComparison.Ordinal);
        var lessons = calendar.Events.Where(e => e.Summary == maths).ToList();
        // Five lessons a week over the window of 2 weeks back and 8 ahead (the days of today included).
        var window = Enumerable.Range(-CalendarFeeds.DaysBack, CalendarFeeds.DaysBack + CalendarFeeds.DaysAhead + 1).Select(today.AddDays).ToList();
        Assert.Equal(window.Count(d => d.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday)), lessons.Count);
        Assert.All(lessons, e =>
        {
            Assert.Equal("Europe/Brussels", e.Start!.TzId);
            Assert.Equal(new TimeSpan(8, 30, 0), e.Start.Value.TimeOfDay);
            Assert.Equal(SchoolTime.AtUtc(DateOnly.FromDateTime(e.Start.Value), new TimeOnly(8, 30)), e.Start.AsUtc);
            Assert.Equal(new TimeSpan(9, 20, 0), e.End!.Value.TimeOfDay);
            Assert.Equal("A101", e.Location);
        });
        var homework = Assert.Single(calendar.Events, e => e.Summary == $"Huiswerk: Oefeningen p. 12 ({maths})");
        Assert.False(homework.Start!.HasTime);
        Assert.Equal(today.AddDays(2), DateOnly.FromDateTime(homework.Start.Value));
        Assert.Equal(calendar.Events.Count, calendar.Events.Select(e => e.Uid).Distinct().Count());
        Assert.DoesNotContain(world.OtherCourse.Name, text, StringComparison.Ordinal);

        // Polling again: the same UIDs, and a 304 for a client with the ETag; neither builds the feed again.
        var etag = response.Headers.ETag!;
        var hot = app.Services.GetRequiredService<HotCache>();
        var period = DateTime.UtcNow.Ticks / CalendarFeeds.Bucket.Ticks;
        var loads = hot.LoadsOf(CalendarFeeds.FeedKind);
        var second = Calendar.Load(await calendarApp.GetStringAsync(url))!;
        Assert.Equal(calendar.Events.Select(e => e.Uid).Order(StringComparer.Ordinal), second.Events.Select(e => e.Uid).Order(StringComparer.Ordinal));
        using var conditional = new HttpRequestMessage(HttpMethod.Get, url);
        conditional.Headers.IfNoneMatch.Add(etag);
        Assert.Equal(HttpStatusCode.NotModified, (await calendarApp.SendAsync(conditional)).StatusCode);
        if (DateTime.UtcNow.Ticks / CalendarFeeds.Bucket.Ticks == period)
        {
            // (Only within one period: at its end the feed is rebuilt on purpose.)
            Assert.Equal(loads, hot.LoadsOf(CalendarFeeds.FeedKind));
        }

        // A change shows at once, with a new ETag.
        Assert.Equal(HttpStatusCode.Created, (await CreateItemAsync(teacher, school.Course.Id, school.Class.Id, "Test", today.AddDays(3), "Toets meetkunde")).StatusCode);
        using var afterChange = new HttpRequestMessage(HttpMethod.Get, url);
        afterChange.Headers.IfNoneMatch.Add(etag);
        var changed = await calendarApp.SendAsync(afterChange);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Contains("Toets meetkunde", await changed.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The parent's feed carries the child's name; the teacher's has the lessons with the class.
        var parentUrl = await NewFeedUrlAsync(await school.SignInAsync(school.Parent), school);
        var parentCalendar = Calendar.Load(await calendarApp.GetStringAsync(parentUrl))!;
        Assert.Contains(parentCalendar.Events, e => e.Summary == $"pupil: Huiswerk: Oefeningen p. 12 ({maths})");
        var teacherUrl = await NewFeedUrlAsync(await school.SignInAsync(school.Teacher), school);
        var teacherCalendar = Calendar.Load(await calendarApp.GetStringAsync(teacherUrl))!;
        Assert.Equal(lessons.Count, teacherCalendar.Events.Count(e => e.Summary == maths && e.Description == "Klas 3B"));

        // The feed is background work for admission control.
        var endpoint = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Single(e => e.RoutePattern.RawText == PlannerEndpoints.FeedRoute);
        Assert.Equal(RequestPriority.Sheddable, endpoint.Metadata.GetMetadata<AdmissionPriorityAttribute>()!.Priority);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task A_new_feed_url_revokes_the_old_one_and_revoking_ends_it(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var other = await TestSchool.CreateAsync(app);
        var web = await school.SignInAsync(school.Pupil);
        using var calendarApp = app.CreateClient();

        var first = await NewFeedUrlAsync(web, school);
        Assert.Equal(HttpStatusCode.OK, (await calendarApp.GetAsync(first)).StatusCode);
        Assert.Contains("Je hebt een link sinds", await web.GetStringAsync($"/{school.Code}/planner/calendar"), StringComparison.Ordinal);
        Assert.DoesNotContain(first[(first.LastIndexOf('/') + 1)..^4], await web.GetStringAsync($"/{school.Code}/planner/calendar"), StringComparison.Ordinal);

        // The same secret under another school's address is unknown there.
        var token = first[(first.LastIndexOf('/') + 1)..];
        Assert.Equal(HttpStatusCode.NotFound, (await calendarApp.GetAsync($"/{other.Code}/calendar/{token}")).StatusCode);

        var second = await NewFeedUrlAsync(web, school);
        Assert.NotEqual(first, second);
        Assert.Equal(HttpStatusCode.NotFound, (await calendarApp.GetAsync(first)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await calendarApp.GetAsync(second)).StatusCode);

        var revoked = await web.PostFormAsync($"/{school.Code}/planner/calendar?handler=Revoke", new(), $"/{school.Code}/planner/calendar");
        Assert.Equal(HttpStatusCode.Redirect, revoked.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await calendarApp.GetAsync(second)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await calendarApp.GetAsync($"/{school.Code}/calendar/sbcal_unknown.ics")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await calendarApp.GetAsync($"/{school.Code}/calendar/nonsense.ics")).StatusCode);

        // Through the API too: make one, revoke it.
        var api = await school.ApiClientForAsync(school.Teacher);
        var made = await api.PostAsync("/api/v1/planner/feed", null);
        Assert.Equal(HttpStatusCode.OK, made.StatusCode);
        var apiUrl = new Uri((await made.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("url").GetString()!);
        Assert.Equal(HttpStatusCode.OK, (await calendarApp.GetAsync(apiUrl.PathAndQuery)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync("/api/v1/planner/feed")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await calendarApp.GetAsync(apiUrl.PathAndQuery)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.DeleteAsync("/api/v1/planner/feed")).StatusCode);

        // Only the hash is stored.
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
        var stored = await db.Set<CalendarFeed>().IgnoreQueryFilters().Where(f => f.SchoolId == school.Id).Select(f => f.TokenHash).ToListAsync();
        Assert.DoesNotContain(stored, h => second.Contains(h, StringComparison.Ordinal));
    }

    internal static string Iso(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    internal static async Task<HttpResponseMessage> PostCsvAsync(HttpClient api, string csv)
    {
        using var content = new StringContent(csv, Encoding.UTF8, "text/csv");
        return await api.PostAsync("/api/v1/timetable/import", content);
    }

    private static async Task<HttpResponseMessage> PostCsvPageAsync(HttpClient admin, TestSchool school, string csv)
    {
        using var content = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(csv));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        content.Add(file, "file", "rooster.csv");
        return await admin.PostMultipartAsync($"/{school.Code}/admin/timetable", content);
    }

    private static async Task<List<string>> SlotsAsync(HttpClient api, Guid classId) =>
        (await api.GetFromJsonAsync<JsonElement>($"/api/v1/timetable/classes/{classId}")).GetProperty("slots").EnumerateArray()
            .Select(s => $"{s.GetProperty("weekday").GetString()} {s.GetProperty("start").GetString()}-{s.GetProperty("end").GetString()} {(s.GetProperty("room").ValueKind == JsonValueKind.String ? s.GetProperty("room").GetString() : "")}".TrimEnd())
            .ToList();

    private static object ItemBody(Guid courseId, Guid classId, string kind, DateOnly day, string title) =>
        new { courseId, classId, kind, day = Iso(day), title };

    internal static Task<HttpResponseMessage> CreateItemAsync(HttpClient api, Guid courseId, Guid classId, string kind, DateOnly day, string title) =>
        api.PostAsJsonAsync("/api/v1/planner/items", ItemBody(courseId, classId, kind, day, title));

    private static async Task<List<WeekEntry>> WeekAsync(HttpClient api, DateOnly day, string extra = "")
    {
        var week = await api.GetFromJsonAsync<JsonElement>($"/api/v1/planner/week?date={Iso(day)}{extra}");
        return week.GetProperty("days").EnumerateArray().SelectMany(d => d.GetProperty("entries").EnumerateArray()).Select(e => new WeekEntry(
            e.GetProperty("id").GetString()!,
            DateOnly.ParseExact(e.GetProperty("day").GetString()!, "yyyy-MM-dd", CultureInfo.InvariantCulture),
            e.GetProperty("start").ValueKind == JsonValueKind.String ? e.GetProperty("start").GetString() : null,
            e.GetProperty("kind").GetString()!,
            e.GetProperty("title").GetString()!,
            e.GetProperty("courseId").ValueKind == JsonValueKind.String ? e.GetProperty("courseId").GetString() : null,
            e.GetProperty("room").ValueKind == JsonValueKind.String ? e.GetProperty("room").GetString() : null)).ToList();
    }

    /// <summary>Makes a new feed URL on the person's calendar page and returns its path (with the school prefix).</summary>
    internal static async Task<string> NewFeedUrlAsync(HttpClient web, TestSchool school)
    {
        var page = $"/{school.Code}/planner/calendar";
        var response = await web.PostFormAsync($"{page}?handler=Renew", new(), page);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl?.NoStore, "The page with the secret must not be cached.");
        var match = FeedUrl().Match(await response.Content.ReadAsStringAsync());
        Assert.True(match.Success, "The page shows no feed URL.");
        return new Uri(match.Value).PathAndQuery;
    }

    private static async Task<int> CountItemsAsync(SchoolbelApp app, TestSchool school)
    {
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
        return await db.Set<PlannerItem>().IgnoreQueryFilters().CountAsync(i => i.SchoolId == school.Id);
    }

    [GeneratedRegex("https?://[^\\s<\"]+/calendar/sbcal_[A-Za-z0-9_-]+\\.ics")]
    private static partial Regex FeedUrl();

    [GeneratedRegex("/planner/items/([0-9a-f-]{36})")]
    private static partial Regex ItemLink();

    private sealed record WeekEntry(string Id, DateOnly Day, string? Start, string Kind, string Title, string? CourseId, string? Room);
}

/// <summary>
/// A <see cref="TestSchool"/> with a second class 3C: its own pupil, and a course "Frans 3C"
/// for 3C only, taught by a second teacher.
/// </summary>
internal sealed record PlannerWorld(TestSchool School, SchoolClass OtherClass, Course OtherCourse, Person OtherPupil, Person OtherTeacher)
{
    public static async Task<PlannerWorld> CreateAsync(SchoolbelApp app)
    {
        var school = await TestSchool.CreateAsync(app);
        var otherPupil = await school.AddPersonAsync(PersonRole.Pupil, "pupil3c");
        var otherTeacher = await school.AddPersonAsync(PersonRole.Teacher, "teacher3c");
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
        var schoolClass = new SchoolClass { SchoolId = school.Id, Name = "3C", SchoolYear = school.Class.SchoolYear };
        var course = new Course { SchoolId = school.Id, Name = "Frans 3C " + school.Tag, CreatedAt = DateTime.UtcNow };
        db.Classes.Add(schoolClass);
        db.Courses.Add(course);
        db.ClassMemberships.Add(new ClassMembership { SchoolId = school.Id, ClassId = schoolClass.Id, PupilId = otherPupil.Id });
        db.CourseClasses.Add(new CourseClass { SchoolId = school.Id, CourseId = course.Id, ClassId = schoolClass.Id });
        db.CourseTeachers.Add(new CourseTeacher { SchoolId = school.Id, CourseId = course.Id, TeacherId = otherTeacher.Id });
        await db.SaveChangesAsync();
        return new PlannerWorld(school, schoolClass, course, otherPupil, otherTeacher);
    }
}

/// <summary>Ids of a school's planner rows, for the tenant isolation test.</summary>
public sealed record PlannerSamples(Guid PlannerItemId, Guid TimetableSlotId)
{
    public static async Task<PlannerSamples> CreateAsync(TestSchool school)
    {
        ArgumentNullException.ThrowIfNull(school);
        using var scope = school.App.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
        var item = new PlannerItem
        {
            SchoolId = school.Id, CourseId = school.Course.Id, ClassId = school.Class.Id, Kind = PlannerItemKind.Homework,
            Day = DateOnly.FromDateTime(DateTime.UtcNow), Title = "Huiswerk " + school.Tag, CreatedBy = school.Teacher.Id,
            CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow,
        };
        var slot = new TimetableSlot
        {
            SchoolId = school.Id, ClassId = school.Class.Id, CourseId = school.Course.Id, Weekday = DayOfWeek.Monday,
            Start = new TimeOnly(8, 30), End = new TimeOnly(9, 20), Room = "R" + school.Tag,
        };
        db.AddRange(item, slot);
        await db.SaveChangesAsync();
        return new PlannerSamples(item.Id, slot.Id);
    }
}
