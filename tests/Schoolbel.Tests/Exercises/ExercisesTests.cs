using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Schoolbel.Server.Data;
using Schoolbel.Server.Exercises;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests.Exercises;

/// <summary>Exercises end to end over HTTP, on both databases: serving, marking, refusing bad answers, concurrency, pages, tasks.</summary>
public sealed partial class ExercisesTests(SharedApps apps)
{
    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Pupil_practises_through_the_api_and_bad_answers_change_nothing(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var setId = await ExerciseSamples.CreateSetAsync(school);
        var pupil = await school.ApiClientForAsync(school.Pupil);
        var course = $"/api/v1/courses/{school.Course.Id}";

        var next = await pupil.PostAsync($"{course}/exercise-sets/{setId}/next", null);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        var body = await next.Content.ReadAsStringAsync();
        // The answer key never reaches the pupil: not the number, not the accepted answers.
        Assert.DoesNotContain("\"value\"", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("correct", body, StringComparison.OrdinalIgnoreCase);
        // Ids are random hex: one in eight holds "49" somewhere, which made this check fail now
        // and then. The key must not be anywhere else in the answer.
        Assert.DoesNotContain(ExerciseSamples.Answer, GuidPattern().Replace(body, "<id>"), StringComparison.Ordinal);
        var attemptId = JsonDocument.Parse(body).RootElement.GetProperty("attemptId").GetGuid();
        // Asking again before answering gives the same question.
        Assert.Equal(attemptId, (await (await pupil.PostAsync($"{course}/exercise-sets/{setId}/next", null)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("attemptId").GetGuid());

        // Malformed: 400 with the reason, and nothing recorded.
        var malformed = await pupil.PostAsJsonAsync($"{course}/exercise-answers", new { attemptId, values = Values.Of("zeven") });
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal("application/problem+json", malformed.Content.Headers.ContentType?.MediaType);
        Assert.Contains("geen getal", await malformed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await AnswerCountAsync(school));

        // An attempt that was never served, or served to someone else: 400.
        var stranger = await pupil.PostAsJsonAsync($"{course}/exercise-answers", new { attemptId = Guid.NewGuid(), values = Values.Of("49") });
        Assert.Equal(HttpStatusCode.BadRequest, stranger.StatusCode);
        Assert.Contains("niet gesteld", await stranger.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var other = await school.AddPersonAsync(Schoolbel.Server.People.PersonRole.Pupil, "anderekind");
        await AddToClassAsync(school, other.Id);
        var otherApi = await school.ApiClientForAsync(other);
        Assert.Equal(HttpStatusCode.BadRequest, (await otherApi.PostAsJsonAsync($"{course}/exercise-answers", new { attemptId, values = Values.Of("49") })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await pupil.PostAsJsonAsync($"{course}/exercise-answers", new { values = Values.Of("49") })).StatusCode);

        // A wrong answer earns the hint; a second answer to the same attempt is a 409.
        var wrong = await pupil.PostAsJsonAsync($"{course}/exercise-answers", new { attemptId, values = Values.Of("48") });
        Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        var result = await wrong.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(result.GetProperty("correct").GetBoolean());
        Assert.Equal(ExerciseSamples.Hint, result.GetProperty("hints")[0].GetString());
        var again = await pupil.PostAsJsonAsync($"{course}/exercise-answers", new { attemptId, values = Values.Of("49") });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("al beantwoord", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(1, await AnswerCountAsync(school));

        // The next question is a new attempt, and a right answer raises the ability.
        var second = (await (await pupil.PostAsync($"{course}/exercise-sets/{setId}/next", null)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("attemptId").GetGuid();
        Assert.NotEqual(attemptId, second);
        var right = await (await pupil.PostAsJsonAsync($"{course}/exercise-answers", new { attemptId = second, values = Values.Of(" 49 ") })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(right.GetProperty("correct").GetBoolean());

        // Teachers do not practise; other people do not see another's attempts.
        var teacher = await school.ApiClientForAsync(school.Teacher);
        Assert.Equal(HttpStatusCode.NotFound, (await teacher.PostAsync($"{course}/exercise-sets/{setId}/next", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await pupil.GetAsync($"{course}/exercise-sets/{setId}/items")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await teacher.GetAsync($"{course}/exercise-sets/{setId}/items")).StatusCode);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Concurrent_answers_keep_the_rating_consistent_and_a_double_answer_counts_once(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var setId = await ExerciseSamples.CreateSetAsync(school);
        var courseId = school.Course.Id;

        // Serve ten attempts directly (the API serves one open question at a time).
        var attempts = new List<Guid>();
        for (var i = 0; i < 10; i++)
        {
            using var scope = Enter(school);
            var served = await scope.ServiceProvider.GetRequiredService<ExerciseService>().NextAsync(courseId, new PracticeScope(setId, null), school.Pupil.Id, fresh: true, CancellationToken.None);
            attempts.Add(served!.AttemptId);
        }

        var pupil = await school.ApiClientForAsync(school.Pupil);
        var url = $"/api/v1/courses/{courseId}/exercise-answers";
        // Every attempt answered twice at the same moment: exactly one answer each is kept.
        var responses = await Task.WhenAll(attempts.Concat(attempts).Select((a, i) =>
            pupil.PostAsJsonAsync(url, new { attemptId = a, values = Values.Of(i % 3 == 0 ? "12" : ExerciseSamples.Answer) })));
        var statuses = responses.Select(r => r.StatusCode).ToList();
        Assert.Equal(10, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(10, statuses.Count(s => s == HttpStatusCode.Conflict));

        using var check = Enter(school);
        var db = check.ServiceProvider.GetRequiredService<SchoolbelDb>();
        var answers = await db.Set<ExerciseAnswer>().Where(a => a.PupilId == school.Pupil.Id).ToListAsync();
        var ability = await db.Set<ExerciseAbility>().SingleAsync(a => a.PupilId == school.Pupil.Id);
        Assert.Equal(10, answers.Count);
        Assert.Equal(10, ability.Answers);
        Assert.Equal(answers.Count(a => a.Correct), ability.Correct);
        // No update lost: the rating is exactly the sum of the answers' changes.
        Assert.Equal(answers.Sum(a => a.Delta), ability.Rating, 9);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Teacher_writes_imports_and_assigns_and_the_pupil_practises_on_the_page(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.SignInAsync(school.Teacher);
        var exercises = $"/{school.Code}/courses/{school.Course.Id}/exercises";

        var created = await teacher.PostFormAsync($"{exercises}?handler=Set", new() { ["title"] = "Tafels " + school.Tag }, exercises);
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        var setPage = created.Headers.Location!.ToString();
        var setId = Guid.Parse(setPage.Split('/')[^1]);

        // An item through the form; a bad one is refused with the reason and adds nothing.
        var bad = await teacher.PostFormAsync($"{setPage}?handler=Item", new() { ["Kind"] = "Numeric", ["Skill"] = "tafels van 7", ["Difficulty"] = "2", ["Prompt"] = "7 × 7 =", ["Answer"] = "negenenveertig" }, setPage);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("als getal", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var added = await teacher.PostFormAsync($"{setPage}?handler=Item", new()
        {
            ["Kind"] = "ShortText", ["Skill"] = "spelling", ["Difficulty"] = "2", ["Prompt"] = "Schrijf 1 in letters", ["Entries"] = "één", ["IgnoreDiacritics"] = "true", ["Hints"] = "Het rijmt op steen.",
        }, setPage);
        Assert.True(added.StatusCode == HttpStatusCode.OK, await added.Content.ReadAsStringAsync());
        Assert.Contains("Schrijf 1 in letters", await added.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // CSV import: all rows or none.
        var badCsv = await ImportAsync(teacher, setPage, "type,skill,difficulty,question,answer,options\nnumeric,tafels van 7,2,7 × 3 =,21,\nnumeric,tafels van 7,2,7 × 4 =,acht,\n");
        Assert.Equal(HttpStatusCode.BadRequest, badCsv.StatusCode);
        Assert.Contains("Regel 3", await badCsv.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var goodCsv = await ImportAsync(teacher, setPage, "type;skill;difficulty;question;answer;options\nnumeric;tafels van 7;2;7 × 3 =;21;\nchoice;tafels van 7;1;7 × 1 =;7;1|7|17\n");
        Assert.True(goodCsv.StatusCode == HttpStatusCode.OK, await goodCsv.Content.ReadAsStringAsync());
        var csv = await teacher.GetStringAsync($"{setPage}?handler=Csv");
        Assert.Contains("7 × 3 =", csv, StringComparison.Ordinal);
        var qti = await teacher.GetByteArrayAsync($"{setPage}?handler=Qti");
        Assert.Equal(3, Qti.Import(qti).Items.Count);

        // A task for the class shows on the pupil's today page.
        var today = DateOnly.FromDateTime(Schoolbel.Server.Lessons.SchoolTime.ToLocal(DateTime.UtcNow));
        var task = await teacher.PostFormAsync($"{exercises}?handler=Task", new()
        {
            ["what"] = $"set:{setId}", ["who"] = $"class:{school.Class.Id}", ["from"] = today.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            ["until"] = today.AddDays(7).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        }, exercises);
        Assert.Equal(HttpStatusCode.Redirect, task.StatusCode);
        var noTask = await teacher.PostFormAsync($"{exercises}?handler=Task", new() { ["what"] = $"set:{setId}", ["who"] = $"class:{Guid.NewGuid()}", ["from"] = "2026-01-01", ["until"] = "2025-01-01" }, exercises);
        Assert.Equal(HttpStatusCode.BadRequest, noTask.StatusCode);

        var pupil = await school.SignInAsync(school.Pupil);
        var home = await pupil.GetStringAsync($"/{school.Code}/");
        Assert.Contains("Tafels " + school.Tag, home, StringComparison.Ordinal);
        Assert.Contains($"practice?set={setId}", home, StringComparison.Ordinal);

        // The practice page: no answer key in the HTML; answering through the form, with anti-forgery.
        var practice = $"/{school.Code}/courses/{school.Course.Id}/practice?set={setId}";
        for (var round = 0; round < 3; round++)
        {
            var raw = await pupil.GetStringAsync(practice);
            // Razor encodes × and é; compare with what the pupil reads.
            var html = WebUtility.HtmlDecode(raw);
            Assert.DoesNotContain("één", html, StringComparison.Ordinal);
            Assert.DoesNotContain(">21<", html, StringComparison.Ordinal);
            Assert.DoesNotContain("\"21\"", html, StringComparison.Ordinal);
            var attempt = System.Text.RegularExpressions.Regex.Match(html, "name=\"attemptId\" value=\"([^\"]+)\"").Groups[1].Value;
            var answer = html.Contains("Schrijf 1 in letters", StringComparison.Ordinal) ? "Een" : html.Contains("7 × 3", StringComparison.Ordinal) ? "21" : "b";
            using var content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["attemptId"] = attempt, ["values"] = answer, ["__RequestVerificationToken"] = HttpForms.AntiforgeryToken(raw),
            });
            var answered = await pupil.PostAsync($"/{school.Code}/courses/{school.Course.Id}/practice?handler=Answer&set={setId}", content);
            Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
            Assert.Contains("Juist!", await answered.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            // The same attempt again: 409 with the reason.
            using var twice = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["attemptId"] = attempt, ["values"] = answer, ["__RequestVerificationToken"] = HttpForms.AntiforgeryToken(raw),
            });
            var conflict = await pupil.PostAsync($"/{school.Code}/courses/{school.Course.Id}/practice?handler=Answer&set={setId}", twice);
            Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        }

        // Without the anti-forgery token the answer is refused.
        using var forged = new FormUrlEncodedContent(new Dictionary<string, string> { ["attemptId"] = Guid.NewGuid().ToString(), ["values"] = "21" });
        Assert.Equal(HttpStatusCode.BadRequest, (await pupil.PostAsync($"/{school.Code}/courses/{school.Course.Id}/practice?handler=Answer&set={setId}", forged)).StatusCode);

        // Stars and mastery for the pupil; the grid and the drill-down for the teacher.
        var overview = await pupil.GetStringAsync(exercises);
        Assert.Contains("progress", overview, StringComparison.Ordinal);
        var dashboard = await teacher.GetStringAsync($"{exercises}/dashboard");
        Assert.Contains(school.Pupil.LastName, dashboard, StringComparison.Ordinal);
        Assert.Contains("tafels van 7", dashboard, StringComparison.Ordinal);
        var drill = await teacher.GetStringAsync($"{exercises}/dashboard?pupil={school.Pupil.Id}");
        Assert.Contains("Schrijf 1 in letters", drill, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await pupil.GetAsync($"{exercises}/dashboard")).StatusCode);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task The_today_pages_tasks_come_from_the_cache_and_assigning_or_removing_a_task_shows_at_once(string provider)
    {
        // An app of its own: it counts the hot cache's task loads, to which other tests' today
        // pages on a shared app would add.
        TestDatabases.Require(provider);
        await using var app = await SchoolbelApp.StartAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var setId = await ExerciseSamples.CreateSetAsync(school);
        var pupil = await school.SignInAsync(school.Pupil);
        var home = $"/{school.Code}/";
        var cache = app.Services.GetRequiredService<Schoolbel.Server.HotReads.HotCache>();
        Assert.DoesNotContain($"practice?set={setId}", await pupil.GetStringAsync(home), StringComparison.Ordinal);

        Guid taskId;
        using (var scope = Enter(school))
        {
            var outcome = await scope.ServiceProvider.GetRequiredService<ExerciseTasks>().CreateAsync(
                school.Course.Id, new TaskInput(setId, null, school.Class.Id, null, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(3)), school.Teacher.Id, CancellationToken.None);
            taskId = outcome.Value;
        }

        // Assigning invalidates the class's entry: the task is there on the next load.
        Assert.Contains($"practice?set={setId}", await pupil.GetStringAsync(home), StringComparison.Ordinal);
        var loads = cache.LoadsOf(Schoolbel.Server.HotReads.HotKinds.ClassTasks);
        for (var i = 0; i < 3; i++)
        {
            Assert.Contains($"practice?set={setId}", await pupil.GetStringAsync(home), StringComparison.Ordinal);
        }

        Assert.Equal(loads, cache.LoadsOf(Schoolbel.Server.HotReads.HotKinds.ClassTasks));

        using (var scope = Enter(school))
        {
            Assert.True(await scope.ServiceProvider.GetRequiredService<ExerciseTasks>().DeleteAsync(school.Course.Id, taskId, CancellationToken.None));
        }

        Assert.DoesNotContain($"practice?set={setId}", await pupil.GetStringAsync(home), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task A_stuck_pupil_gets_easier_items_and_hints(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.ApiClientForAsync(school.Teacher);
        var course = $"/api/v1/courses/{school.Course.Id}";
        var setId = (await (await teacher.PostAsJsonAsync($"{course}/exercise-sets", new { title = "Niveaus" })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        for (var level = 1; level <= 5; level++)
        {
            var item = await teacher.PostAsJsonAsync($"{course}/exercise-sets/{setId}/items", new
            {
                skill = "niveaus", difficulty = level, spec = new { kind = "Numeric", prompt = $"Niveau {level}", value = level, hints = new[] { $"Hint {level}" } },
            });
            Assert.Equal(HttpStatusCode.Created, item.StatusCode);
        }

        var pupil = await school.ApiClientForAsync(school.Pupil);
        var levels = new List<int>();
        JsonElement last = default;
        for (var i = 0; i < 6; i++)
        {
            var served = await (await pupil.PostAsync($"{course}/exercise-sets/{setId}/next", null)).Content.ReadFromJsonAsync<JsonElement>();
            levels.Add(int.Parse(served.GetProperty("item").GetProperty("prompt").GetString()!.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture));
            last = served;
            var answer = await pupil.PostAsJsonAsync($"{course}/exercise-answers", new { attemptId = served.GetProperty("attemptId").GetGuid(), values = Values.Of("999") });
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        }

        // After a run of wrong answers the questions get easier and come with a hint.
        Assert.True(levels[^1] <= 2, string.Join(",", levels));
        Assert.True(last.GetProperty("item").GetProperty("hints").GetArrayLength() > 0);
        var bad = await teacher.PostAsJsonAsync($"{course}/exercise-sets/{setId}/items", new { skill = "niveaus", difficulty = 9, spec = new { kind = "Choice", prompt = "?" } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    private static async Task<HttpResponseMessage> ImportAsync(HttpClient client, string setPage, string csv)
    {
        using var content = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(csv));
        file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/csv");
        content.Add(file, "file", "vragen.csv");
        return await client.PostMultipartAsync($"{setPage}?handler=Import", content);
    }

    [System.Text.RegularExpressions.GeneratedRegex("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")]
    private static partial System.Text.RegularExpressions.Regex GuidPattern();

    private static IServiceScope Enter(TestSchool school)
    {
        var scope = school.App.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<Schoolbel.Server.Schools.SchoolScope>().Enter(new Schoolbel.Server.Schools.SchoolInfo(school.Id, school.Code, school.School.Name, "nl"));
        return scope;
    }

    private static async Task<int> AnswerCountAsync(TestSchool school)
    {
        using var scope = Enter(school);
        return await scope.ServiceProvider.GetRequiredService<SchoolbelDb>().Set<ExerciseAnswer>().CountAsync();
    }

    private static async Task AddToClassAsync(TestSchool school, Guid pupilId)
    {
        using var scope = Enter(school);
        var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
        db.ClassMemberships.Add(new Schoolbel.Server.People.ClassMembership { SchoolId = school.Id, ClassId = school.Class.Id, PupilId = pupilId });
        await db.SaveChangesAsync();
        scope.ServiceProvider.GetRequiredService<Schoolbel.Server.HotReads.HotCache>().Invalidate(Schoolbel.Server.HotReads.HotTags.Directory(school.Id));
    }
}

/// <summary>Answer values (a params array, so no constant array is built per call).</summary>
internal static class Values
{
    public static string[] Of(params string[] values) => values;
}

/// <summary>A set with one numeric item (7 × 7), for these tests and the tenant isolation walk.</summary>
public static class ExerciseSamples
{
    public const string Answer = "49";
    public const string Hint = "Denk aan 7 × 5 = 35.";

    public static async Task<Guid> CreateSetAsync(TestSchool school)
    {
        ArgumentNullException.ThrowIfNull(school);
        var teacher = await school.ApiClientForAsync(school.Teacher);
        var course = $"/api/v1/courses/{school.Course.Id}";
        var set = await teacher.PostAsJsonAsync($"{course}/exercise-sets", new { title = "Tafels " + school.Tag });
        Assert.Equal(HttpStatusCode.Created, set.StatusCode);
        var setId = (await set.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var item = await teacher.PostAsJsonAsync($"{course}/exercise-sets/{setId}/items", new
        {
            skill = "tafels van 7", difficulty = 3, spec = new { kind = "Numeric", prompt = "7 × 7 =", value = 49, hints = Values.Of(Hint) },
        });
        Assert.Equal(HttpStatusCode.Created, item.StatusCode);
        return setId;
    }
}
