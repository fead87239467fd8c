using System.Data.Common;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Schoolbel.Server.Admission;
using Schoolbel.Server.Data;
using Schoolbel.Server.Messages;
using Schoolbel.Server.Notifications;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests;

public sealed class NotificationsTests
{
    // Tuesday 1 December 2026; Brussels is UTC+1 then.
    private static readonly DateTimeOffset TuesdayNineInTheEvening = new(2026, 12, 1, 20, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset WednesdaySevenInTheMorning = new(2026, 12, 2, 6, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset TuesdayTenInTheMorning = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task A_message_sent_at_21h_is_stored_at_once_and_delivered_the_next_school_morning(string provider)
    {
        TestDatabases.Require(provider);
        var clock = new FakeTimeProvider(TuesdayNineInTheEvening);
        await using var app = await SchoolbelApp.StartAsync(provider, clock);
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.ApiClientForAsync(school.Teacher);
        var pupil = await school.ApiClientForAsync(school.Pupil);

        var sent = await MessagesKit.SendAsync(teacher, new { classIds = new[] { school.Class.Id } }, "Morgen zwemmen", "Vergeet je zwemgerief niet.");
        Assert.Equal(HttpStatusCode.Created, sent.StatusCode);
        var summary = await sent.Content.ReadFromJsonAsync<JsonElement>();
        var messageId = summary.GetProperty("id").GetGuid();
        Assert.Equal(WednesdaySevenInTheMorning, summary.GetProperty("releaseAt").GetDateTimeOffset());

        // Stored at once: the teacher sees it under sent; the pupil sees nothing yet.
        Assert.Equal(messageId, (await MessagesKit.InboxAsync(teacher, "?box=sent"))[0].GetProperty("id").GetGuid());
        Assert.Equal(0, (await MessagesKit.InboxAsync(pupil)).GetArrayLength());
        Assert.Equal(HttpStatusCode.NotFound, (await pupil.GetAsync($"/api/v1/messages/{messageId}")).StatusCode);
        Assert.Equal((0, 0), await MessagesKit.UnreadAsync(pupil));
        var job = app.Services.GetRequiredService<DeliveryJob>();
        Assert.Equal(0, (await job.RunOnceAsync(CancellationToken.None)).MessagesReleased);

        clock.Advance(WednesdaySevenInTheMorning - TuesdayNineInTheEvening - TimeSpan.FromMinutes(1));
        await job.RunOnceAsync(CancellationToken.None);
        Assert.Equal(0, (await MessagesKit.InboxAsync(pupil)).GetArrayLength());

        clock.Advance(TimeSpan.FromMinutes(1));
        // Visible by the clock at 07:00 exactly; the job (run here, or by its timer on the fake
        // clock) raises the counter once, however often it runs.
        Assert.Equal(messageId, (await MessagesKit.InboxAsync(pupil))[0].GetProperty("id").GetGuid());
        await job.RunOnceAsync(CancellationToken.None);
        Assert.Equal((1, 0), await MessagesKit.UnreadAsync(pupil));
        Assert.Equal(0, (await job.RunOnceAsync(CancellationToken.None)).MessagesReleased);
        Assert.Equal((1, 0), await MessagesKit.UnreadAsync(pupil));

        // Within the hours it goes at once.
        var direct = await MessagesKit.SentIdAsync(await MessagesKit.SendAsync(teacher, new { personIds = new[] { school.Pupil.Id } }, "Nu"));
        Assert.Equal(direct, (await MessagesKit.InboxAsync(pupil))[0].GetProperty("id").GetGuid());
        Assert.Equal((2, 0), await MessagesKit.UnreadAsync(pupil));
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Grade_notifications_respect_quiet_hours_and_are_bundled_into_daily_and_weekly_digests(string provider)
    {
        TestDatabases.Require(provider);
        var clock = new FakeTimeProvider(TuesdayTenInTheMorning);
        await using var app = await SchoolbelApp.StartAsync(provider, clock);
        var school = await TestSchool.CreateAsync(app);
        var weekly = await school.AddPersonAsync(Schoolbel.Server.People.PersonRole.Pupil, "wekelijks");
        var pupil = await school.ApiClientForAsync(school.Pupil);
        var parent = await school.ApiClientForAsync(school.Parent);
        var weeklyApi = await school.ApiClientForAsync(weekly);
        Assert.Equal(HttpStatusCode.OK, (await pupil.PutAsJsonAsync("/api/v1/notification-preferences", new { gradeDigest = "Daily" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await weeklyApi.PutAsJsonAsync("/api/v1/notification-preferences", new { gradeDigest = "Weekly" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await pupil.PutAsJsonAsync("/api/v1/notification-preferences", new { gradeDigest = "Hourly" })).StatusCode);
        var job = app.Services.GetRequiredService<DeliveryJob>();

        async Task<NotifyResult> GradeAsync(string title)
        {
            using var scope = MessagesKit.SchoolScope(school);
            return await scope.ServiceProvider.GetRequiredService<Notifier>().NotifyAsync(
                school.Id, [school.Pupil.Id, school.Parent.Id, weekly.Id, Guid.NewGuid()], NotificationKind.Grade, title, $"/courses/{school.Course.Id}", CancellationToken.None);
        }

        var first = await GradeAsync("Nieuw punt voor Wiskunde: 8/10");
        Assert.Equal(new NotifyResult(1, 0, 2, TuesdayTenInTheMorning.UtcDateTime), first);
        await GradeAsync("Nieuw punt voor Frans: 7/10");
        // The parent (no digest) sees both at once; the digest pupils nothing yet.
        var parentList = (await parent.GetFromJsonAsync<JsonElement>("/api/v1/notifications")).GetProperty("notifications");
        Assert.Equal(2, parentList.GetArrayLength());
        Assert.Equal("Grade", parentList[0].GetProperty("kind").GetString());
        Assert.Equal((0, 2), await MessagesKit.UnreadAsync(parent));
        Assert.Equal(0, (await pupil.GetFromJsonAsync<JsonElement>("/api/v1/notifications")).GetProperty("notifications").GetArrayLength());
        Assert.Equal((0, 0), await MessagesKit.UnreadAsync(pupil));

        // 17:00: the daily digest bundles both into one notification.
        clock.Advance(TimeSpan.FromHours(7));
        await job.RunOnceAsync(CancellationToken.None);
        var digest = Assert.Single((await pupil.GetFromJsonAsync<JsonElement>("/api/v1/notifications")).GetProperty("notifications").EnumerateArray());
        Assert.Equal("Digest", digest.GetProperty("kind").GetString());
        Assert.Equal("2 nieuwe punten", digest.GetProperty("title").GetString());
        Assert.Contains("Wiskunde: 8/10", digest.GetProperty("body").GetString(), StringComparison.Ordinal);
        Assert.Contains("Frans: 7/10", digest.GetProperty("body").GetString(), StringComparison.Ordinal);
        clock.Advance(UnreadCounters.Fresh);
        Assert.Equal((0, 1), await MessagesKit.UnreadAsync(pupil));
        Assert.Equal(0, (await job.RunOnceAsync(CancellationToken.None)).DigestsMade);

        // A grade at 21:00 waits for the next school morning, for those without a digest too.
        clock.Advance(TimeSpan.FromHours(4));
        var evening = await GradeAsync("Nieuw punt voor Geschiedenis: 9/10");
        Assert.Equal(0, evening.Now);
        Assert.Equal(1, evening.Later);
        Assert.Equal(WednesdaySevenInTheMorning.UtcDateTime, evening.ReleaseAt);
        Assert.Equal(2, (await parent.GetFromJsonAsync<JsonElement>("/api/v1/notifications")).GetProperty("notifications").GetArrayLength());
        clock.Advance(WednesdaySevenInTheMorning - clock.GetUtcNow());
        await job.RunOnceAsync(CancellationToken.None);
        Assert.Equal(3, (await parent.GetFromJsonAsync<JsonElement>("/api/v1/notifications")).GetProperty("notifications").GetArrayLength());
        clock.Advance(UnreadCounters.Fresh);
        Assert.Equal((0, 3), await MessagesKit.UnreadAsync(parent));

        // The weekly digest comes on Friday at 17:00 with all three.
        Assert.Equal(0, (await weeklyApi.GetFromJsonAsync<JsonElement>("/api/v1/notifications")).GetProperty("notifications").GetArrayLength());
        clock.Advance(new DateTimeOffset(2026, 12, 4, 16, 0, 0, TimeSpan.Zero) - clock.GetUtcNow());
        await job.RunOnceAsync(CancellationToken.None);
        var weeklyDigest = Assert.Single((await weeklyApi.GetFromJsonAsync<JsonElement>("/api/v1/notifications")).GetProperty("notifications").EnumerateArray());
        Assert.Equal("3 nieuwe punten", weeklyDigest.GetProperty("title").GetString());

        // Marking read lowers the counter; the page lists them.
        var id = parentList[0].GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.NoContent, (await parent.PutAsync($"/api/v1/notifications/{id}/read", null)).StatusCode);
        Assert.Equal((0, 2), await MessagesKit.UnreadAsync(parent));
        Assert.Equal(HttpStatusCode.NotFound, (await pupil.PutAsync($"/api/v1/notifications/{id}/read", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await parent.PostAsync("/api/v1/notifications/read", null)).StatusCode);
        Assert.Equal((0, 0), await MessagesKit.UnreadAsync(parent));
    }

    [Fact]
    public void Quiet_hours_release_on_the_next_school_morning_and_skip_the_weekend()
    {
        var hours = new QuietHours();
        DateTime Utc(int month, int day, int hour, int minute = 0) => new(2026, month, day, hour, minute, 0, DateTimeKind.Utc);

        // Winter (UTC+1): Tuesday 19:59 local goes at once; 20:00 waits for Wednesday 07:00.
        Assert.Equal(Utc(12, 1, 18, 59), DeliveryTimes.ReleaseAt(Utc(12, 1, 18, 59), hours));
        Assert.Equal(Utc(12, 2, 6), DeliveryTimes.ReleaseAt(Utc(12, 1, 19), hours));
        // 05:30 local: that same morning at 07:00.
        Assert.Equal(Utc(12, 2, 6), DeliveryTimes.ReleaseAt(Utc(12, 2, 4, 30), hours));
        // Friday evening and the whole weekend: Monday 07:00.
        Assert.Equal(Utc(12, 7, 6), DeliveryTimes.ReleaseAt(Utc(12, 4, 20), hours));
        Assert.Equal(Utc(12, 7, 6), DeliveryTimes.ReleaseAt(Utc(12, 5, 10), hours));
        // Summer time (UTC+2).
        Assert.Equal(Utc(6, 3, 5), DeliveryTimes.ReleaseAt(Utc(6, 2, 19), hours));
        // Off: always at once; weekends allowed when the school says so.
        Assert.Equal(Utc(12, 5, 22), DeliveryTimes.ReleaseAt(Utc(12, 5, 22), new QuietHours { Enabled = false }));
        Assert.Equal(Utc(12, 5, 10), DeliveryTimes.ReleaseAt(Utc(12, 5, 10), new QuietHours { QuietWeekends = false }));

        var five = new TimeOnly(17, 0);
        Assert.Equal(Utc(12, 1, 16), DeliveryTimes.DigestAt(Utc(12, 1, 9), DigestFrequency.Daily, five, hours));
        Assert.Equal(Utc(12, 2, 16), DeliveryTimes.DigestAt(Utc(12, 1, 16), DigestFrequency.Daily, five, hours));
        Assert.Equal(Utc(12, 4, 16), DeliveryTimes.DigestAt(Utc(12, 1, 9), DigestFrequency.Weekly, five, hours));
        // Saturday's daily digest would fall in the quiet weekend: Monday morning.
        Assert.Equal(Utc(12, 7, 6), DeliveryTimes.DigestAt(Utc(12, 4, 17), DigestFrequency.Daily, five, hours));
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Unread_counts_come_from_the_counter_row_and_brown_out_serves_the_cached_value(string provider)
    {
        TestDatabases.Require(provider);
        var clock = new FakeTimeProvider(TuesdayTenInTheMorning);
        await using var app = await SchoolbelApp.StartAsync(provider, clock);
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.ApiClientForAsync(school.Teacher);
        var pupil = await school.ApiClientForAsync(school.Pupil);
        await MessagesKit.SentIdAsync(await MessagesKit.SendAsync(teacher, new { personIds = new[] { school.Pupil.Id } }));
        Assert.Equal((1, 0), await MessagesKit.UnreadAsync(pupil));

        using (var scope = app.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
            var row = await db.Set<UnreadCounter>().IgnoreQueryFilters().SingleAsync(c => c.PersonId == school.Pupil.Id);
            Assert.Equal(1, row.Messages);
        }

        // Under brown-out the counter is not read again: the node's last value is served, even
        // after a write made it stale. A brown-out of our own, so the app's heartbeat cannot end it.
        var brownOutClock = new FakeTimeProvider(TuesdayTenInTheMorning);
        var brownOut = new BrownOut(
            Options.Create(new AdmissionOptions { BrownOutAfter = TimeSpan.FromSeconds(1) }), brownOutClock);
        brownOut.Observe(true);
        brownOutClock.Advance(TimeSpan.FromSeconds(2));
        brownOut.Observe(true);
        Assert.True(brownOut.IsActive);
        var cache = new MemoryCache(new MemoryCacheOptions());
        using (var scope = MessagesKit.SchoolScope(school))
        {
            var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
            var generations = new UnreadCounterGenerations();
            var calm = new UnreadCounters(db, cache, generations, new BrownOut(
                Options.Create(new AdmissionOptions()), brownOutClock), clock);
            Assert.Equal(new UnreadCounts(1, 0), await calm.GetAsync(school.Pupil.Id, CancellationToken.None));
            await calm.RaiseAsync(school.Id, [school.Pupil.Id], 1, 0, CancellationToken.None);
            var busy = new UnreadCounters(db, cache, generations, brownOut, clock);
            Assert.Equal(new UnreadCounts(1, 0), await busy.GetAsync(school.Pupil.Id, CancellationToken.None));
            Assert.Null(await busy.GetAsync(school.Parent.Id, CancellationToken.None));
            Assert.Equal(new UnreadCounts(2, 0), await calm.GetAsync(school.Pupil.Id, CancellationToken.None));
        }

        // The app itself (no brown-out) reads the parent's counter row: none yet, so zero.
        var parent = await school.ApiClientForAsync(school.Parent);
        Assert.Equal((0, 0), await MessagesKit.UnreadAsync(parent));
    }
}

/// <summary>
/// The cached counter against writes that commit while a page is reading it (seen in the
/// simulator: a pupil opened an unread message and the menu still showed the old count for 15 s,
/// because another page of theirs cached what it had read just before the mark-read committed).
/// </summary>
public sealed class UnreadCounterRaceTests
{
    private static readonly DateTimeOffset TuesdayTenInTheMorning = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task A_counter_read_before_a_write_committed_is_not_served_after_that_write(string provider)
    {
        TestDatabases.Require(provider);
        var clock = new FakeTimeProvider(TuesdayTenInTheMorning);
        await using var app = await SchoolbelApp.StartAsync(provider, clock);
        var school = await TestSchool.CreateAsync(app);
        using var scope = MessagesKit.SchoolScope(school);
        var writerDb = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
        var held = new HeldRead("\"UnreadCounters\"");
        await using var readerDb = WithInterceptor(scope.ServiceProvider, writerDb, held);
        var cache = new MemoryCache(new MemoryCacheOptions());
        var generations = new UnreadCounterGenerations();
        var page = Counters(readerDb, cache, generations, clock);
        var writer = Counters(writerDb, cache, generations, clock);

        // A page reads the counter (no row yet: zero); before it caches the answer, a delivery commits.
        var read = page.GetAsync(school.Pupil.Id, CancellationToken.None);
        await held.Reached.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await using (var transaction = await writerDb.Database.BeginTransactionAsync())
        {
            await writer.RaiseAsync(school.Id, [school.Pupil.Id], 3, 0, CancellationToken.None);
            await transaction.CommitAsync();
        }

        writer.Forget(school.Pupil.Id);
        held.Release.SetResult();
        Assert.Equal(new UnreadCounts(0, 0), await read);

        // The next page (same node, well within the 15 s) reads the row again.
        Assert.Equal(new UnreadCounts(3, 0), await writer.GetAsync(school.Pupil.Id, CancellationToken.None));
        // And that answer, read after the write, is cached as usual.
        Assert.Equal(new UnreadCounts(3, 0), await page.GetAsync(school.Pupil.Id, CancellationToken.None));
        Assert.Equal(1, held.Reads);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Recounting_while_a_message_is_marked_read_ends_with_the_true_count(string provider)
    {
        TestDatabases.Require(provider);
        var clock = new FakeTimeProvider(TuesdayTenInTheMorning);
        await using var app = await SchoolbelApp.StartAsync(provider, clock);
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.ApiClientForAsync(school.Teacher);
        var first = await MessagesKit.SentIdAsync(await MessagesKit.SendAsync(teacher, new { personIds = new[] { school.Pupil.Id } }, "Eerste", "Lees dit"));
        await MessagesKit.SentIdAsync(await MessagesKit.SendAsync(teacher, new { personIds = new[] { school.Pupil.Id } }, "Tweede", "En dit"));

        // The inbox recounts (two unread) and, before it writes that count, the pupil's other tab
        // opens the first message. Recounting holds the counter, so the mark-read waits for it.
        using var scope = MessagesKit.SchoolScope(school);
        var held = new HeldRead("\"MailboxEntries\"");
        await using var recountDb = WithInterceptor(scope.ServiceProvider, scope.ServiceProvider.GetRequiredService<SchoolbelDb>(), held);
        var recounter = Counters(recountDb, new MemoryCache(new MemoryCacheOptions()), new UnreadCounterGenerations(), clock);
        var recount = recounter.RecountAsync(school.Pupil.Id, CancellationToken.None);
        await held.Reached.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var markRead = Task.Run(async () =>
        {
            using var other = MessagesKit.SchoolScope(school);
            return await other.ServiceProvider.GetRequiredService<Mailbox>().MarkReadAsync(first, school.Pupil.Id, true, CancellationToken.None);
        });
        // Time for the mark-read to finish if nothing holds it back (the bug this guards against).
        await Task.WhenAny(markRead, Task.Delay(TimeSpan.FromSeconds(1)));
        held.Release.SetResult();
        await recount;
        Assert.True(await markRead);

        using var check = app.Services.CreateScope();
        var db = check.ServiceProvider.GetRequiredService<SchoolbelDb>();
        var row = await db.Set<UnreadCounter>().IgnoreQueryFilters().AsNoTracking().SingleAsync(c => c.PersonId == school.Pupil.Id);
        Assert.Equal(1, row.Messages);
    }

    /// <summary>Counters on <paramref name="db"/> of a node that is not in brown-out.</summary>
    private static UnreadCounters Counters(SchoolbelDb db, IMemoryCache cache, UnreadCounterGenerations generations, TimeProvider clock) =>
        new(db, cache, generations, new BrownOut(Options.Create(new AdmissionOptions()), clock), clock);

    private static SchoolbelDb WithInterceptor(IServiceProvider services, SchoolbelDb like, HeldRead held)
    {
        var schoolScope = services.GetRequiredService<Schoolbel.Server.Schools.SchoolScope>();
        return like switch
        {
            PostgresSchoolbelDb => new PostgresSchoolbelDb(
                new DbContextOptionsBuilder<PostgresSchoolbelDb>(services.GetRequiredService<DbContextOptions<PostgresSchoolbelDb>>()).AddInterceptors(held).Options, schoolScope),
            _ => new SqliteSchoolbelDb(
                new DbContextOptionsBuilder<SqliteSchoolbelDb>(services.GetRequiredService<DbContextOptions<SqliteSchoolbelDb>>()).AddInterceptors(held).Options, schoolScope),
        };
    }

    /// <summary>Holds the first read of a table after it ran and before its rows are used.</summary>
    private sealed class HeldRead(string table) : DbCommandInterceptor
    {
        private int _reads;

        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Reads => Volatile.Read(ref _reads);

        public override async ValueTask<DbDataReader> ReaderExecutedAsync(
            DbCommand command, CommandExecutedEventData eventData,
            DbDataReader result, CancellationToken cancellationToken = default)
        {
            if (command.CommandText.Contains(table, StringComparison.Ordinal) && command.CommandText.TrimStart().StartsWith("SELECT", StringComparison.OrdinalIgnoreCase)
                && Interlocked.Increment(ref _reads) == 1)
            {
                Reached.SetResult();
                await Release.Task;
            }

            return result;
        }
    }
}

/// <summary>Opt-in e-mail for messages and notifications, through a real SMTP conversation with a test server.</summary>
public sealed class NotificationEmailTests
{
    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task People_who_opt_in_get_one_email_per_message_or_notification_without_its_body(string provider)
    {
        TestDatabases.Require(provider);
        using var smtp = netDumbster.smtp.Configuration.Configure().WithRandomPort().Build();
        await using var app = await SchoolbelApp.StartAsync(provider, settings: new Dictionary<string, string>
        {
            ["Email:Enabled"] = "true",
            ["Email:SmtpHost"] = "127.0.0.1",
            ["Email:SmtpPort"] = smtp.Configuration.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Email:UseStartTls"] = "false",
            ["Notifications:PublicUrl"] = "https://schoolbel.example",
        });
        var school = await TestSchool.CreateAsync(app);
        await MessagesKit.QuietHoursOffAsync(school);
        using (var scope = app.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
            var parentRow = await db.People.IgnoreQueryFilters().SingleAsync(p => p.Id == school.Parent.Id);
            parentRow.Email = "ouder@example.be";
            await db.SaveChangesAsync();
        }

        var parent = await school.ApiClientForAsync(school.Parent);
        var teacher = await school.ApiClientForAsync(school.Teacher);
        var job = app.Services.GetRequiredService<DeliveryJob>();

        // Not opted in: nothing is mailed.
        await MessagesKit.SentIdAsync(await MessagesKit.SendAsync(teacher, new { personIds = new[] { school.Parent.Id } }, "Eerste", "Niet mailen"));
        await job.RunOnceAsync(CancellationToken.None);
        Assert.Equal(0, smtp.ReceivedEmailCount);

        Assert.Equal(HttpStatusCode.OK, (await parent.PutAsJsonAsync("/api/v1/notification-preferences", new { email = true })).StatusCode);
        var id = await MessagesKit.SentIdAsync(await MessagesKit.SendAsync(teacher, new { personIds = new[] { school.Parent.Id } }, "Oudercontact", "Geheime inhoud"));
        await job.RunOnceAsync(CancellationToken.None);
        await job.RunOnceAsync(CancellationToken.None);
        Assert.Equal(1, smtp.ReceivedEmailCount);
        var mail = smtp.ReceivedEmail[0];
        Assert.Equal("ouder@example.be", mail.ToAddresses[0].Address, ignoreCase: true);
        Assert.Contains("Oudercontact", mail.Headers["Subject"], StringComparison.Ordinal);
        var text = mail.MessageParts[0].BodyData;
        Assert.Contains($"https://schoolbel.example/{school.Code}/messages/{id}", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Geheime inhoud", text, StringComparison.Ordinal);

        using (var scope = MessagesKit.SchoolScope(school))
        {
            await scope.ServiceProvider.GetRequiredService<Notifier>().NotifyAsync(school.Id, [school.Parent.Id], NotificationKind.Grade, "Nieuw punt voor Wiskunde", "/", CancellationToken.None);
        }

        await job.RunOnceAsync(CancellationToken.None);
        Assert.Equal(2, smtp.ReceivedEmailCount);
    }
}
