using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Schoolbel.Server.Data;
using Schoolbel.Server.Grades;
using Schoolbel.Server.Jobs;
using Schoolbel.Server.Notifications;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests.Jobs;

public sealed class JobsTests(SharedApps apps)
{
    // Tuesday 1 December 2026, 10:00 in Brussels: inside a school's hours, so nothing is held back.
    private static readonly DateTimeOffset TuesdayTenInTheMorning = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    // The apps' own runners stay idle; each test drives the runners it needs.
    private static readonly Dictionary<string, string> Manual = new() { ["Jobs:RunInBackground"] = "false" };

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Two_nodes_draining_the_queue_at_the_same_time_run_every_job_exactly_once(string provider)
    {
        TestDatabases.Require(provider);
        var clock = new FakeTimeProvider(TuesdayTenInTheMorning);
        await using var first = await SchoolbelApp.StartAsync(provider, clock, settings: Manual);
        await using var second = SchoolbelApp.StartOnSameDatabase(first);
        var handler = new CountingHandler("test.count");
        await EnqueueAsync(first, 200, i => ("test.count", new Numbered(i)));

        var a = Runner(first, "node-a", clock, handler);
        var b = Runner(second, "node-b", clock, handler);
        var ran = await Task.WhenAll(a.RunDueAsync(CancellationToken.None), b.RunDueAsync(CancellationToken.None));

        Assert.Equal(200, ran.Sum());
        Assert.Equal(200, handler.Runs.Count);
        Assert.All(handler.Runs.Values, count => Assert.Equal(1, count));
        // Both nodes took part: SKIP LOCKED (or the conditional update) let them work side by side.
        Assert.All(ran, count => Assert.True(count > 0, $"one node ran nothing: {ran[0]} and {ran[1]}"));
        var jobs = await JobsAsync(first);
        Assert.All(jobs, j => Assert.Equal((JobState.Done, 1), (j.State, j.Attempts)));
        Assert.Equal(ran[0], jobs.Count(j => j.ClaimedBy == "node-a"));
        Assert.Equal(ran[1], jobs.Count(j => j.ClaimedBy == "node-b"));
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task A_recurring_job_is_scheduled_once_per_occurrence_however_many_nodes_schedule_it(string provider)
    {
        TestDatabases.Require(provider);
        var clock = new FakeTimeProvider(TuesdayTenInTheMorning);
        await using var first = await SchoolbelApp.StartAsync(provider, clock, settings: Manual);
        await using var second = SchoolbelApp.StartOnSameDatabase(first);
        var handler = new CountingHandler("test.tick");
        var every = new RecurringJob("test.tick", TimeSpan.FromMinutes(1));
        var a = Runner(first, "node-a", clock, handler, recurring: every);
        var b = Runner(second, "node-b", clock, handler, recurring: every);

        await Task.WhenAll(a.RunDueAsync(CancellationToken.None), b.RunDueAsync(CancellationToken.None));
        await Task.WhenAll(a.RunDueAsync(CancellationToken.None), b.RunDueAsync(CancellationToken.None));
        Assert.Equal(1, handler.Runs.Values.Sum());

        clock.Advance(TimeSpan.FromMinutes(1));
        await Task.WhenAll(a.RunDueAsync(CancellationToken.None), b.RunDueAsync(CancellationToken.None));
        Assert.Equal(2, handler.Runs.Values.Sum());
        var keys = (await JobsAsync(first)).Select(j => j.DedupeKey).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["test.tick@2026-12-01T09:00:00Z", "test.tick@2026-12-01T09:01:00Z"], keys);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task A_failing_job_is_retried_with_growing_delays_then_marked_failed_and_can_be_run_again(string provider)
    {
        TestDatabases.Require(provider);
        var clock = new FakeTimeProvider(TuesdayTenInTheMorning);
        await using var app = await SchoolbelApp.StartAsync(provider, clock, settings: Manual);
        var handler = new FailingHandler("test.fail");
        var runner = Runner(app, "node-a", clock, handler);
        await EnqueueAsync(app, 1, _ => ("test.fail", new Numbered(1)), maxAttempts: 3);
        var start = clock.GetUtcNow().UtcDateTime;

        Assert.Equal(1, await runner.RunDueAsync(CancellationToken.None));
        var job = Assert.Single(await JobsAsync(app));
        Assert.Equal((JobState.Queued, 1, "InvalidOperationException: boem 1"), (job.State, job.Attempts, job.LastError));
        // 30 s, plus up to a quarter at random.
        Assert.InRange(job.RunAfter, start.AddSeconds(30), start.AddSeconds(37.5));

        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(0, await runner.RunDueAsync(CancellationToken.None));
        clock.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(1, await runner.RunDueAsync(CancellationToken.None));
        var second = Assert.Single(await JobsAsync(app));
        Assert.Equal((JobState.Queued, 2), (second.State, second.Attempts));
        // Doubled: 60 s after the second attempt.
        var secondAt = clock.GetUtcNow().UtcDateTime;
        Assert.InRange(second.RunAfter, secondAt.AddSeconds(60), secondAt.AddSeconds(75));

        clock.Advance(TimeSpan.FromSeconds(76));
        Assert.Equal(1, await runner.RunDueAsync(CancellationToken.None));
        var failed = Assert.Single(await JobsAsync(app));
        Assert.Equal((JobState.Failed, 3, "InvalidOperationException: boem 3"), (failed.State, failed.Attempts, failed.LastError));
        Assert.Equal(clock.GetUtcNow().UtcDateTime, failed.FinishedAt);

        clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(0, await runner.RunDueAsync(CancellationToken.None));
        Assert.Equal(3, handler.Calls);

        // The operator runs it again: all attempts anew.
        using (var scope = app.Services.CreateScope())
        {
            Assert.True(await scope.ServiceProvider.GetRequiredService<JobsOverview>().RetryAsync(failed.Id, CancellationToken.None));
            Assert.False(await scope.ServiceProvider.GetRequiredService<JobsOverview>().RetryAsync(failed.Id, CancellationToken.None));
        }

        Assert.Equal(1, await runner.RunDueAsync(CancellationToken.None));
        Assert.Equal((JobState.Queued, 1), (Assert.Single(await JobsAsync(app)).State, Assert.Single(await JobsAsync(app)).Attempts));
        Assert.Equal(4, handler.Calls);
    }

    [Fact]
    public void Backoff_doubles_and_stops_at_the_maximum()
    {
        var options = new JobsOptions { RetryDelay = TimeSpan.FromSeconds(30), MaxRetryDelay = TimeSpan.FromHours(1) };
        Assert.Equal(TimeSpan.FromSeconds(30), JobRunner.Backoff(1, options, 0));
        Assert.Equal(TimeSpan.FromSeconds(120), JobRunner.Backoff(3, options, 0));
        Assert.Equal(TimeSpan.FromSeconds(150), JobRunner.Backoff(3, options, 1));
        Assert.Equal(TimeSpan.FromHours(1), JobRunner.Backoff(40, options, 0));
        Assert.Equal(TimeSpan.FromHours(1.25), JobRunner.Backoff(int.MaxValue, options, 1));
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task A_job_whose_node_died_is_claimed_again_when_its_lease_runs_out(string provider)
    {
        TestDatabases.Require(provider);
        var clock = new FakeTimeProvider(TuesdayTenInTheMorning);
        await using var app = await SchoolbelApp.StartAsync(provider, clock, settings: Manual);
        var handler = new CountingHandler("test.count");
        var dead = Runner(app, "node-dead", clock, handler, lease: TimeSpan.FromMinutes(1));
        var alive = Runner(app, "node-alive", clock, handler, lease: TimeSpan.FromMinutes(1));
        await EnqueueAsync(app, 1, _ => ("test.count", new Numbered(1)));

        // node-dead claims the job and is killed before it finishes: it never renews its lease.
        var claimed = await dead.ClaimAsync(CancellationToken.None);
        Assert.NotNull(claimed);
        Assert.Equal(0, await alive.RunDueAsync(CancellationToken.None));
        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(0, await alive.RunDueAsync(CancellationToken.None));

        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, await alive.RunDueAsync(CancellationToken.None));
        var job = Assert.Single(await JobsAsync(app));
        Assert.Equal((JobState.Done, 2, "node-alive"), (job.State, job.Attempts, job.ClaimedBy));

        // Should the old node come back after all, its claim is stale: it cannot mark the job again.
        using (var scope = app.Services.CreateScope())
        {
            Assert.False(await dead.CompleteAsync(scope.ServiceProvider.GetRequiredService<SchoolbelDb>(), claimed, CancellationToken.None));
        }

        Assert.Equal(1, handler.Runs.Values.Single());
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task A_job_whose_node_died_on_its_last_attempt_is_marked_failed_by_housekeeping(string provider)
    {
        TestDatabases.Require(provider);
        var clock = new FakeTimeProvider(TuesdayTenInTheMorning);
        await using var app = await SchoolbelApp.StartAsync(provider, clock, settings: Manual);
        var handler = new CountingHandler("test.count");
        var dead = Runner(app, "node-dead", clock, handler, lease: TimeSpan.FromMinutes(1));
        await EnqueueAsync(app, 1, _ => ("test.count", new Numbered(1)), maxAttempts: 1);
        Assert.NotNull(await dead.ClaimAsync(CancellationToken.None));
        clock.Advance(TimeSpan.FromMinutes(2));

        // No attempt left: nobody claims it again...
        Assert.Null(await Runner(app, "node-alive", clock, handler).ClaimAsync(CancellationToken.None));
        // ...and the queue's own recurring job (run by the app's runner) marks it failed.
        await app.Services.GetRequiredService<JobRunner>().RunDueAsync(CancellationToken.None);
        var job = Assert.Single(await JobsAsync(app), j => j.Kind == "test.count");
        Assert.Equal(JobState.Failed, job.State);
        Assert.Contains("Lease ran out", job.LastError, StringComparison.Ordinal);
        Assert.Empty(handler.Runs);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Grade_notifications_go_through_the_queue_with_the_release_and_are_sent_once(string provider)
    {
        TestDatabases.Require(provider);
        var clock = new FakeTimeProvider(TuesdayTenInTheMorning);
        await using var app = await SchoolbelApp.StartAsync(provider, clock, settings: Manual);
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.ApiClientForAsync(school.Teacher);
        var pupil = await school.ApiClientForAsync(school.Pupil);
        var parent = await school.ApiClientForAsync(school.Parent);
        var evaluations = $"/api/v1/courses/{school.Course.Id}/evaluations";
        var created = await teacher.PostAsJsonAsync(evaluations, new { name = "Toets breuken", date = "2026-11-30", maxScore = 20 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var evaluation = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.OK, (await teacher.PutAsJsonAsync($"{evaluations}/{evaluation}/scores", new { scores = new[] { new { pupilId = school.Pupil.Id, points = 15 } } })).StatusCode);
        Assert.Empty(await GradeJobsAsync(app));

        // A release that rolls back leaves no job behind: the job was in its transaction.
        using (var scope = MessagesKit.SchoolScope(school))
        {
            var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
            await using var transaction = await db.Database.BeginTransactionAsync();
            Assert.NotNull(await scope.ServiceProvider.GetRequiredService<Gradebook>().ReleaseAsync(school.Course.Id, evaluation, CancellationToken.None));
            Assert.Equal(1, await db.Set<Job>().CountAsync(j => j.Kind == GradeNotifications.JobKind));
            await transaction.RollbackAsync();
        }

        Assert.Empty(await GradeJobsAsync(app));
        Assert.Equal(0, await NotificationCountAsync(pupil));

        // A committed release: one job, nothing sent until it runs.
        Assert.Equal(HttpStatusCode.OK, (await teacher.PostAsync($"{evaluations}/{evaluation}/release", null)).StatusCode);
        var job = Assert.Single(await GradeJobsAsync(app));
        Assert.Equal((JobState.Queued, (Guid?)school.Id), (job.State, job.SchoolId));
        Assert.Equal(0, await NotificationCountAsync(pupil));

        // Node A claims it and stalls past its lease; node B takes over and notifies.
        var handlers = app.Services.GetServices<IJobHandler>().Where(h => h.Kind == GradeNotifications.JobKind).ToArray();
        var stalled = Runner(app, "node-a", clock, handlers[0], lease: TimeSpan.FromMinutes(1));
        var claimed = await stalled.ClaimAsync(CancellationToken.None);
        Assert.NotNull(claimed);
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(1, await Runner(app, "node-b", clock, handlers[0], lease: TimeSpan.FromMinutes(1)).RunDueAsync(CancellationToken.None));
        Assert.Equal(1, await NotificationCountAsync(pupil));
        Assert.Equal(1, await NotificationCountAsync(parent));
        var title = (await pupil.GetFromJsonAsync<JsonElement>("/api/v1/notifications")).GetProperty("notifications")[0].GetProperty("title").GetString();
        Assert.StartsWith("Nieuw punt: Toets breuken", title, StringComparison.Ordinal);

        // Node A wakes up and finishes its run: its "done" is refused, so its notifications roll back.
        await stalled.RunAsync(claimed, CancellationToken.None);
        Assert.Equal(1, await NotificationCountAsync(pupil));
        Assert.Equal(1, await NotificationCountAsync(parent));
        Assert.Equal((0, 1), await MessagesKit.UnreadAsync(pupil));
        Assert.Equal((JobState.Done, "node-b"), (Assert.Single(await GradeJobsAsync(app)).State, Assert.Single(await GradeJobsAsync(app)).ClaimedBy));
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task A_released_grade_is_notified_by_the_nodes_own_background_runner(string provider)
    {
        // The shared app runs on the real clock with its runner on, as in production.
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.ApiClientForAsync(school.Teacher);
        var evaluations = $"/api/v1/courses/{school.Course.Id}/evaluations";
        var created = await teacher.PostAsJsonAsync(evaluations, new { name = "Dictee", date = "2026-11-30", maxScore = 10 });
        var evaluation = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.OK, (await teacher.PutAsJsonAsync($"{evaluations}/{evaluation}/scores", new { scores = new[] { new { pupilId = school.Pupil.Id, points = 8 } } })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await teacher.PostAsync($"{evaluations}/{evaluation}/release", null)).StatusCode);

        // Written within seconds (shown now or held for quiet hours, depending on the hour the test runs).
        var people = new[] { school.Pupil.Id, school.Parent.Id };
        var written = 0;
        for (var waited = 0; waited < 200 && written < 2; waited++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100));
            using var scope = app.Services.CreateScope();
            written = await scope.ServiceProvider.GetRequiredService<SchoolbelDb>().Set<Notification>().IgnoreQueryFilters()
                .CountAsync(n => people.Contains(n.PersonId) && n.Kind == NotificationKind.Grade);
        }

        Assert.Equal(2, written);
    }

    [Fact]
    public async Task The_operator_page_shows_counts_running_jobs_and_failures_and_refuses_others()
    {
        var clock = new FakeTimeProvider(TuesdayTenInTheMorning);
        await using var app = await SchoolbelApp.StartAsync(TestDatabases.Sqlite, clock, settings: Manual);
        var school = await TestSchool.CreateAsync(app);
        var now = clock.GetUtcNow().UtcDateTime;
        var failedId = Guid.NewGuid();
        using (var scope = app.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
            db.AddRange(
                new Job { Kind = "storage.collect", State = JobState.Running, Attempts = 1, ClaimedBy = "node-7:4242", LeaseUntil = now.AddMinutes(2), RunAfter = now, CreatedAt = now },
                new Job { Kind = "grades.notify", State = JobState.Queued, RunAfter = now.AddMinutes(5), CreatedAt = now },
                new Job { Id = failedId, Kind = "grades.notify", State = JobState.Failed, Attempts = 5, ClaimedBy = "node-3:17", LastError = "IOException: schijf vol", RunAfter = now, CreatedAt = now, FinishedAt = now },
                new Job { Kind = "notifications.delivery", State = JobState.Done, Attempts = 1, RunAfter = now, CreatedAt = now, FinishedAt = now });
            await db.SaveChangesAsync();
        }

        var ops = await OperatorAsync(app, school);
        var page = await ops.GetStringAsync("/ops/jobs");
        Assert.Contains("Achtergrondtaken", page, StringComparison.Ordinal);
        Assert.Contains("<tr data-kind=\"grades.notify\">\n            <td>grades.notify</td>\n            <td>1</td>\n            <td>0</td>\n            <td>0</td>\n            <td>1</td>", page.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("node-7:4242", page, StringComparison.Ordinal);
        Assert.Contains("IOException: schijf vol", page, StringComparison.Ordinal);
        Assert.Contains("node-3:17", page, StringComparison.Ordinal);
        Assert.Contains("/ops/jobs", await ops.GetStringAsync("/ops"), StringComparison.Ordinal);

        // Run the failed job again from the page; a second click (another tab) finds nothing to do.
        var token = HttpForms.AntiforgeryToken(page);
        async Task<HttpResponseMessage> RetryAsync()
        {
            using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["id"] = failedId.ToString(), ["__RequestVerificationToken"] = token });
            return await ops.PostAsync("/ops/jobs?handler=Retry", form);
        }

        Assert.Equal(HttpStatusCode.Redirect, (await RetryAsync()).StatusCode);
        var again = Assert.Single(await JobsAsync(app), j => j.Id == failedId);
        Assert.Equal((JobState.Queued, 0), (again.State, again.Attempts));
        var second = await RetryAsync();
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Contains("niet (meer) mislukt", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Nobody else: not anonymous, not a school's admin.
        Assert.Equal(HttpStatusCode.Redirect, (await app.CreateBrowserlikeClient().GetAsync("/ops/jobs")).StatusCode);
        var admin = await school.SignInAsync(school.Admin);
        var refused = await admin.GetAsync("/ops/jobs");
        Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
        Assert.DoesNotContain("schijf vol", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static JobRunner Runner(SchoolbelApp app, string node, TimeProvider time, IJobHandler handler, RecurringJob? recurring = null, TimeSpan? lease = null) =>
        new(
            app.Services.GetRequiredService<IServiceScopeFactory>(),
            [handler],
            recurring is null ? [] : [recurring],
            Options.Create(new JobsOptions { NodeName = node, Lease = lease ?? TimeSpan.FromMinutes(2), RetryDelay = TimeSpan.FromSeconds(30) }),
            time,
            NullLogger<JobRunner>.Instance);

    private static async Task EnqueueAsync<T>(SchoolbelApp app, int count, Func<int, (string Kind, T Payload)> make, int? maxAttempts = null)
    {
        using var scope = app.Services.CreateScope();
        var queue = scope.ServiceProvider.GetRequiredService<JobQueue>();
        for (var i = 0; i < count; i++)
        {
            var (kind, payload) = make(i);
            queue.Add(kind, payload, maxAttempts: maxAttempts);
        }

        await scope.ServiceProvider.GetRequiredService<SchoolbelDb>().SaveChangesAsync();
    }

    private static async Task<List<Job>> JobsAsync(SchoolbelApp app)
    {
        using var scope = app.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<SchoolbelDb>().Set<Job>().AsNoTracking().ToListAsync();
    }

    private static async Task<List<Job>> GradeJobsAsync(SchoolbelApp app) => [.. (await JobsAsync(app)).Where(j => j.Kind == GradeNotifications.JobKind)];

    private static async Task<int> NotificationCountAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<JsonElement>("/api/v1/notifications")).GetProperty("notifications").GetArrayLength();

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

    private sealed record Numbered(int Number);

    /// <summary>Counts runs per job; takes a moment, like real work, so concurrent runners overlap.</summary>
    private sealed class CountingHandler(string kind) : IJobHandler
    {
        public ConcurrentDictionary<Guid, int> Runs { get; } = new();

        public string Kind => kind;

        public async Task RunAsync(JobContext context, CancellationToken cancellationToken)
        {
            Assert.InRange(context.Payload<Numbered>().Number, 0, 199);
            await Task.Delay(TimeSpan.FromMilliseconds(2), cancellationToken);
            Runs.AddOrUpdate(context.Job.Id, 1, (_, count) => count + 1);
        }
    }

    private sealed class FailingHandler(string kind) : IJobHandler
    {
        private int _calls;

        public int Calls => _calls;

        public string Kind => kind;

        public Task RunAsync(JobContext context, CancellationToken cancellationToken) =>
            throw new InvalidOperationException($"boem {Interlocked.Increment(ref _calls)}");
    }
}
