using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;
using Schoolbel.Server.People;
using Schoolbel.Server.SignIn;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests;

public sealed partial class SignInHardeningTests(SharedApps apps)
{
    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task A_session_survives_a_server_restart(string provider)
    {
        TestDatabases.Require(provider);
        await using var first = await SchoolbelApp.StartAsync(provider);
        var school = await TestSchool.CreateAsync(first);
        using var session = new PathlessCookieClient(first);
        await session.SignInAsync(school.Code, school.Pupil.Username, TestSchool.Password);

        await using var restarted = SchoolbelApp.StartOnSameDatabase(first);
        using var sameCookies = session.WithServer(restarted);
        var today = await sameCookies.SendAsync(HttpMethod.Get, $"/{school.Code}/");

        Assert.Equal(HttpStatusCode.OK, today.StatusCode);
        Assert.Contains(school.Course.Name, await today.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Ending_a_session_signs_that_device_out_at_once(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var phone = await school.SignInAsync(school.Pupil);
        var laptop = await school.SignInAsync(school.Pupil);
        Assert.Equal(HttpStatusCode.OK, (await phone.GetAsync($"/{school.Code}/")).StatusCode);

        var sessionsPage = await laptop.GetStringAsync($"/{school.Code}/account/sessions");
        Assert.Equal(2, SessionIdPattern().Count(sessionsPage));
        var ended = await laptop.PostFormAsync($"/{school.Code}/account/sessions?handler=EndOthers", [], formPageUrl: $"/{school.Code}/account/sessions");

        Assert.Equal(HttpStatusCode.Redirect, ended.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await phone.GetAsync($"/{school.Code}/")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await laptop.GetAsync($"/{school.Code}/")).StatusCode);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Changing_the_password_ends_other_sessions_and_refuses_common_passwords(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var other = await school.SignInAsync(school.Teacher);
        var me = await school.SignInAsync(school.Teacher);
        var page = $"/{school.Code}/account/password";

        var common = await me.PostFormAsync(page, new() { ["currentPassword"] = TestSchool.Password, ["newPassword"] = "welkom123" });
        Assert.Equal(HttpStatusCode.BadRequest, common.StatusCode);
        Assert.Contains("te bekend", await common.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var changed = await me.PostFormAsync(page, new() { ["currentPassword"] = TestSchool.Password, ["newPassword"] = "Lang-en-Eigen-2026" });
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await other.GetAsync($"/{school.Code}/")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await me.GetAsync($"/{school.Code}/")).StatusCode);
    }

    [Fact]
    public async Task Failed_attempts_get_growing_delays_without_slowing_other_accounts()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await SchoolbelApp.StartAsync(TestDatabases.Sqlite, time);
        var school = await TestSchool.CreateAsync(app);
        var client = app.CreateBrowserlikeClient();
        var signIn = $"/{school.Code}/signin";
        Task<HttpResponseMessage> Try(string username, string password) =>
            client.PostFormAsync(signIn, new() { ["username"] = username, ["password"] = password });

        Assert.Equal(HttpStatusCode.Unauthorized, (await Try(school.Pupil.Username, "wrong-1")).StatusCode);
        var blocked = await Try(school.Pupil.Username, TestSchool.Password);
        Assert.Equal(HttpStatusCode.TooManyRequests, blocked.StatusCode);
        Assert.Equal("1", blocked.Headers.GetValues("Retry-After").Single());

        // Someone else on the same network (the same IP) signs in at once.
        Assert.Equal(HttpStatusCode.Redirect, (await Try(school.Teacher.Username, TestSchool.Password)).StatusCode);

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.Unauthorized, (await Try(school.Pupil.Username, "wrong-2")).StatusCode);
        time.Advance(TimeSpan.FromSeconds(1));
        var second = await Try(school.Pupil.Username, TestSchool.Password);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Equal("1", second.Headers.GetValues("Retry-After").Single());

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.Redirect, (await Try(school.Pupil.Username, TestSchool.Password)).StatusCode);
    }

    [Fact]
    public async Task Password_checks_run_at_a_lower_os_priority_than_pages()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Thread niceness is read from /proc on Linux.");
        using var pool = new PasswordCheckPool(
            Microsoft.Extensions.Options.Options.Create(new SignInOptions { HashSlots = 1 }), TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<PasswordCheckPool>.Instance);

        // Field 19 of /proc/thread-self/stat is the nice value of the thread that reads it.
        static int OwnNice() => int.Parse(File.ReadAllText("/proc/thread-self/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[16], System.Globalization.CultureInfo.InvariantCulture);
        var here = OwnNice();
        var inPool = await pool.RunAsync("school-a", OwnNice, CancellationToken.None);

        Assert.True(inPool.Ran);
        Assert.Equal(here + 10, inPool.Result);
    }

    [Fact]
    public void Delays_double_up_to_fifteen_minutes()
    {
        var max = TimeSpan.FromMinutes(15);
        Assert.Equal([1, 2, 4, 8, 16], Enumerable.Range(1, 5).Select(n => PasswordSignIn.DelayAfter(n, max).TotalSeconds));
        Assert.Equal(max, PasswordSignIn.DelayAfter(11, max));
        Assert.Equal(max, PasswordSignIn.DelayAfter(500, max));
    }

    [Fact]
    public async Task Password_checks_run_on_threads_of_their_own_so_pages_keep_the_thread_pool()
    {
        using var pool = new PasswordCheckPool(
            Microsoft.Extensions.Options.Options.Create(new SignInOptions { HashSlots = 2 }),
            TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<PasswordCheckPool>.Instance);

        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            pool.RunAsync("school-a", () => Thread.CurrentThread.IsThreadPoolThread, TestContext.Current.CancellationToken)));

        Assert.All(answers, a => Assert.True(a.Ran));
        Assert.All(answers, a => Assert.False(a.Result, "a hash ran on a thread-pool worker"));
    }

    [Fact]
    public async Task Password_checks_are_shared_fairly_so_a_school_that_floods_cannot_starve_another()
    {
        using var pool = new PasswordCheckPool(
            Microsoft.Extensions.Options.Options.Create(new SignInOptions { HashSlots = 1, QueueLimit = 20, MaxQueueWait = TimeSpan.FromSeconds(30) }),
            TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<PasswordCheckPool>.Instance);
        using var gate = new SemaphoreSlim(0);
        var order = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var ct = TestContext.Current.CancellationToken;
        Task<PoolAnswer<bool>> Check(string school) => pool.RunAsync(school, () =>
        {
            gate.Wait(ct);
            order.Enqueue(school);
            return true;
        }, ct);

        async Task QueuedAsync(int count)
        {
            for (var i = 0; i < 1_000 && pool.Queued != count; i++)
            {
                await Task.Delay(10, ct);
            }

            Assert.Equal(count, pool.Queued);
        }

        // One school's storm: one check running, five waiting. Then one pupil of another school.
        var running = Check("noisy");
        await QueuedAsync(0);
        var noisyWaiting = Enumerable.Range(0, 5).Select(_ => Check("noisy")).ToList();
        await QueuedAsync(5);
        var quiet = Check("quiet");
        await QueuedAsync(6);

        // The running check ends: the freed slot goes to the quiet school, not to the newest noisy check.
        gate.Release();
        for (var i = 0; i < 1_000 && order.IsEmpty; i++)
        {
            await Task.Delay(10, ct);
        }

        gate.Release();
        Assert.True((await quiet.WaitAsync(TimeSpan.FromSeconds(30), ct)).Ran);
        Assert.Equal(["noisy", "quiet"], order.ToArray());

        gate.Release(5);
        Assert.All(await Task.WhenAll(noisyWaiting), a => Assert.True(a.Ran));
        Assert.True((await running).Ran);
    }

    [Fact]
    public async Task A_full_queue_answers_at_once_with_place_and_retry_after()
    {
        await using var app = await SchoolbelApp.StartAsync(TestDatabases.Sqlite, settings: new Dictionary<string, string>
        {
            ["SignIn:HashSlots"] = "1",
            ["SignIn:QueueLimit"] = "1",
            ["SignIn:MaxQueueWait"] = "00:00:00.050",
        });
        var school = await TestSchool.CreateAsync(app);
        var pages = Enumerable.Range(0, 12).Select(_ => app.CreateBrowserlikeClient()).ToList();
        var tokens = await Task.WhenAll(pages.Select(async c => HttpForms.AntiforgeryToken(await c.GetStringAsync($"/{school.Code}/signin"))));

        var answers = await Task.WhenAll(pages.Select((client, i) => client.PostAsync($"/{school.Code}/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = school.Pupil.Username,
            ["password"] = TestSchool.Password,
            ["__RequestVerificationToken"] = tokens[i],
        }))));

        var busy = answers.Where(a => a.StatusCode == HttpStatusCode.ServiceUnavailable).ToList();
        Assert.NotEmpty(busy);
        Assert.Contains(answers, a => a.StatusCode == HttpStatusCode.Redirect);
        Assert.All(answers, a => Assert.True(a.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.ServiceUnavailable, a.StatusCode.ToString()));
        var page = await busy[0].Content.ReadAsStringAsync();
        Assert.True(int.Parse(busy[0].Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        Assert.Contains("nummer", page, StringComparison.Ordinal);
        Assert.Contains("data-retry-after", page, StringComparison.Ordinal);

        var api = app.CreateClient();
        var apiAnswers = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => api.PostAsJsonAsync("/api/v1/sessions",
            new { school = school.Code, username = school.Pupil.Username, password = TestSchool.Password })));
        var tooMany = apiAnswers.First(a => a.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.True(tooMany.Headers.Contains("Retry-After"));
        var body = await tooMany.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("busy", body.GetProperty("reason").GetString());
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Api_sign_in_gives_a_session_token_that_ends_with_the_session(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var anonymous = app.CreateClient();

        // An unknown name: a wrong password for the pupil would (rightly) delay the pupil's next try.
        var wrong = await anonymous.PostAsJsonAsync("/api/v1/sessions", new { school = school.Code, username = "nobody", password = "nope-nope" });
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        var signedIn = await anonymous.PostAsJsonAsync("/api/v1/sessions", new { school = school.Code, username = school.Pupil.Username, password = TestSchool.Password });
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
        var token = (await signedIn.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString();

        var app1 = app.CreateClient();
        app1.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var me = await app1.GetFromJsonAsync<JsonElement>("/api/v1/me");
        Assert.Equal(school.Pupil.Username, me.GetProperty("username").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await app1.GetAsync("/api/v1/people")).StatusCode);

        var sessions = await app1.GetFromJsonAsync<JsonElement>("/api/v1/sessions");
        var id = sessions[0].GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.NoContent, (await app1.DeleteAsync($"/api/v1/sessions/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app1.GetAsync("/api/v1/me")).StatusCode);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Teacher_resets_a_pupil_who_must_then_choose_a_new_password(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var pupilBefore = await school.SignInAsync(school.Pupil);
        var teacher = await school.SignInAsync(school.Teacher);
        var stranger = await school.SignInAsync(await school.AddPersonAsync(PersonRole.Teacher, "stranger"));
        var resetPage = $"/{school.Code}/pupils/{school.Pupil.Id}/password-reset";

        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync(resetPage)).StatusCode);
        Assert.Contains(school.Pupil.Username, await teacher.GetStringAsync($"/{school.Code}/pupils"), StringComparison.Ordinal);
        var reset = await teacher.PostFormAsync(resetPage, []);
        var temporary = SecretPattern().Match(await reset.Content.ReadAsStringAsync()).Groups[1].Value;
        Assert.Matches("^[a-z2-9]{4}-[a-z2-9]{4}$", temporary);
        Assert.Equal(HttpStatusCode.Redirect, (await pupilBefore.GetAsync($"/{school.Code}/")).StatusCode);

        var pupil = app.CreateBrowserlikeClient();
        var signIn = await pupil.PostFormAsync($"/{school.Code}/signin", new() { ["username"] = school.Pupil.Username, ["password"] = temporary });
        Assert.EndsWith("/account/password", signIn.Headers.Location!.ToString(), StringComparison.Ordinal);
        var today = await pupil.GetAsync($"/{school.Code}/");
        Assert.EndsWith("/account/password", today.Headers.Location!.ToString(), StringComparison.Ordinal);

        var changed = await pupil.PostFormAsync($"/{school.Code}/account/password", new() { ["currentPassword"] = temporary, ["newPassword"] = "Mijn-Eigen-Geheim-7" });
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await pupil.GetAsync($"/{school.Code}/")).StatusCode);
    }

    [Fact]
    public void Common_and_short_passwords_are_refused_unless_the_school_allows_simple_pupil_passwords()
    {
        var policy = new PasswordPolicy();
        var strict = new Schoolbel.Server.Schools.SchoolInfo(Guid.NewGuid(), "x", "X", "nl");
        var childFriendly = strict with { AllowSimplePupilPasswords = true };
        string[] Check(string password, PersonRole role, Schoolbel.Server.Schools.SchoolInfo school)
        {
            var errors = new Schoolbel.Server.Web.FieldErrors();
            policy.Validate(password, role, "lotte", school, errors);
            return errors.ToDictionary().Values.SelectMany(v => v).ToArray();
        }

        Assert.True(policy.CommonPasswordCount > 10_000);
        Assert.NotEmpty(Check("password1", PersonRole.Pupil, strict));
        Assert.NotEmpty(Check("Wachtwoord", PersonRole.Teacher, strict));
        Assert.NotEmpty(Check("kort", PersonRole.Pupil, strict));
        Assert.NotEmpty(Check("lotte", PersonRole.Teacher, strict));
        Assert.Empty(Check("Zebra-Fiets-42", PersonRole.Teacher, strict));
        Assert.Empty(Check("kat7", PersonRole.Pupil, childFriendly));
        Assert.NotEmpty(Check("kat7", PersonRole.Teacher, childFriendly));
        Assert.NotEmpty(Check("", PersonRole.Pupil, childFriendly));
    }

    [GeneratedRegex("name=\"sessionId\" value=\"[0-9a-f-]{36}\"")]
    private static partial Regex SessionIdPattern();

    [GeneratedRegex("<p class=\"secret\">([^<]+)</p>")]
    private static partial Regex SecretPattern();
}
