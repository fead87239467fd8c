using Schoolbel.Peak.Cli;
using Schoolbel.Peak.Results;

namespace Schoolbel.Peak.Tests;

public sealed class SimulatorAgainstServerTests
{
    [Fact]
    public async Task A_server_that_stalls_two_seconds_shows_in_the_p99_while_arrivals_keep_their_schedule()
    {
        // Every tenth course page stalls for 2 s: 10% of journeys, far above the 1% the p99 sees.
        await using var server = await TinySchoolServer.StartAsync(new TinySchoolBehaviour { StallEveryNthCourse = 10 });

        var report = await PeakHarness.RunAsync(PeakHarness.Options(server.BaseUri) with { Rate = 20, Duration = TimeSpan.FromSeconds(3) });

        Assert.Equal(60, report.Totals.Arrivals);
        Assert.Equal(60, report.Totals.Completed);
        Assert.Empty(report.Totals.ErrorsByKind);
        var course = report.Step(Steps.Course);
        Assert.Equal(60, course.Count);
        // 1,990 not 2,000: the stall's timer and the histogram's buckets can land a hair under 2 s (CI saw 1,999.87).
        Assert.InRange(course.Latency.P99Ms, 1_990, 2_600);
        Assert.True(course.Latency.P50Ms < 500, $"p50 was {course.Latency.P50Ms} ms");
        Assert.InRange(report.Totals.JourneyLatency.P99Ms, 1_990, 2_600);

        // Open model: the server saw a today page every 50 ms, stalls or not. The schedule is
        // uniform, so the n-th journey's first request comes n x 50 ms after the first one's.
        var todays = server.Requests.Where(r => r.Path == "/school001/").Select(r => r.At).Order().ToList();
        Assert.Equal(60, todays.Count);
        for (var n = 0; n < todays.Count; n++)
        {
            var drift = (todays[n] - todays[0]).TotalMilliseconds - 50 * n;
            Assert.True(Math.Abs(drift) < 250, $"Journey {n} started {drift:0} ms off its schedule.");
        }
    }

    [Fact]
    public async Task Password_journeys_sign_in_with_the_form_and_download_the_document_in_full()
    {
        await using var server = await TinySchoolServer.StartAsync(new TinySchoolBehaviour { Lessons = true, DocumentBytes = 200 * 1024 });

        var report = await PeakHarness.RunAsync(PeakHarness.Options(server.BaseUri) with { ResumeShare = 0, Rate = 10, Duration = TimeSpan.FromSeconds(1) });

        Assert.Equal(10, report.Totals.Completed);
        Assert.Empty(report.Totals.ErrorsByKind);
        Assert.Empty(report.NotAvailable);
        foreach (var step in new[] { Steps.SignInPage, Steps.SignIn, Steps.Today, Steps.Course, Steps.Lesson, Steps.Document })
        {
            Assert.Equal(10, report.Step(step).Ok);
        }

        Assert.Equal(10L * 200 * 1024, report.Step(Steps.Document).BytesReceived);
        Assert.Equal(10, server.Count("/documents/"));
        var journeys = Assert.Single(report.Journeys);
        Assert.Equal("password", journeys.Kind);
    }

    [Fact]
    public async Task Pupils_end_the_morning_answering_exercises_from_the_practice_page_when_asked_to()
    {
        await using var server = await TinySchoolServer.StartAsync(new TinySchoolBehaviour { Lessons = true, Practice = true });

        var report = await PeakHarness.RunAsync(PeakHarness.Options(server.BaseUri) with { Rate = 10, Duration = TimeSpan.FromSeconds(1), ExerciseAnswers = 3 });

        Assert.Equal(10, report.Totals.Completed);
        Assert.Empty(report.Totals.ErrorsByKind);
        Assert.Equal(10, report.Step(Steps.Document).Ok);
        Assert.Equal(30, report.Step(Steps.Practice).Ok);
        Assert.Equal(30, report.Step(Steps.Answer).Ok);
        // Every answer names an attempt the server served, with one guess in the field it offered.
        Assert.Equal(30, server.Answers.Count);
        Assert.All(server.Answers, a => Assert.True(a.Served && a.Values.Length == 1 && a.Values[0].Length > 0, $"{a.AttemptId}: {string.Join(",", a.Values)}"));
        Assert.Contains(server.Answers, a => a.Values[0] is "x" or "y");
        Assert.Contains(server.Answers, a => int.TryParse(a.Values[0], System.Globalization.CultureInfo.InvariantCulture, out var n) && n % 7 == 0);
    }

    [Fact]
    public async Task The_practice_journey_only_answers_and_the_morning_journey_keeps_its_steps_by_default()
    {
        await using var server = await TinySchoolServer.StartAsync(new TinySchoolBehaviour { Lessons = true, Practice = true });

        var practice = await PeakHarness.RunAsync(PeakHarness.Options(server.BaseUri) with { Rate = 10, Duration = TimeSpan.FromSeconds(1), PracticeJourney = true, ExerciseAnswers = 2 });
        Assert.Equal(10, practice.Totals.Completed);
        Assert.Equal(20, practice.Step(Steps.Answer).Ok);
        Assert.DoesNotContain(practice.Steps, s => s.Step is Steps.Course or Steps.Lesson or Steps.Document);
        Assert.Equal(0, server.Count("/documents/"));

        // Without --exercise-answers a morning is what it always was.
        var morning = await PeakHarness.RunAsync(PeakHarness.Options(server.BaseUri) with { Rate = 10, Duration = TimeSpan.FromSeconds(1) });
        Assert.Equal(10, morning.Totals.Completed);
        Assert.DoesNotContain(morning.Steps, s => s.Step is Steps.Practice or Steps.Answer);
        Assert.Equal(20, server.Answers.Count);
    }

    [Fact]
    public async Task Teachers_make_a_lesson_upload_a_document_into_it_and_publish_it()
    {
        await using var server = await TinySchoolServer.StartAsync(new TinySchoolBehaviour { Lessons = true });

        var report = await PeakHarness.RunAsync(PeakHarness.Options(server.BaseUri) with
        {
            Rate = 10,
            Duration = TimeSpan.FromSeconds(1),
            TeacherShare = 1,
            ParentShare = 0,
            UploadKiB = 50,
        });

        Assert.Equal(10, report.Totals.Completed);
        Assert.Empty(report.Totals.ErrorsByKind);
        Assert.Empty(report.NotAvailable);
        foreach (var step in new[] { Steps.Today, Steps.Course, Steps.NewLesson, Steps.Upload, Steps.Publish })
        {
            Assert.Equal(10, report.Step(step, "teacher").Ok);
        }

        Assert.Equal(10, server.Uploads.Count);
        Assert.All(server.Uploads, u =>
        {
            Assert.Equal(50 * 1024, u.Bytes);
            Assert.True(u.TokenOk, "The upload carries the form's anti-forgery token in X-CSRF-TOKEN.");
            Assert.EndsWith(".pdf", u.Name, StringComparison.Ordinal);
        });
        Assert.Equal(10, server.Uploads.Select(u => u.Name).Distinct().Count());
        // Only the checked class is posted, as a browser would.
        Assert.All(server.Publications, classes => Assert.Equal(["1A"], classes));
        Assert.Equal(10, server.Publications.Count);
    }

    [Fact]
    public async Task Steps_the_server_does_not_offer_yet_are_reported_as_not_available_not_as_errors()
    {
        await using var server = await TinySchoolServer.StartAsync(new TinySchoolBehaviour { Lessons = false });

        var report = await PeakHarness.RunAsync(PeakHarness.Options(server.BaseUri) with
        {
            Rate = 10,
            Duration = TimeSpan.FromSeconds(1),
            TeacherShare = 0.3,
            ParentShare = 0.3,
        });

        Assert.Equal(10, report.Totals.Completed);
        Assert.Empty(report.Totals.ErrorsByKind);
        var pupils = report.Journeys.Where(j => j.Role == "pupil").Sum(j => j.Completed);
        var teachers = report.Journeys.Where(j => j.Role == "teacher").Sum(j => j.Completed);
        Assert.Contains(report.NotAvailable, n => n is { Role: "pupil", Step: Steps.Lesson } && n.Journeys == pupils);
        Assert.Contains(report.NotAvailable, n => n is { Role: "pupil", Step: Steps.Document } && n.Journeys == pupils);
        if (teachers > 0)
        {
            Assert.Contains(report.NotAvailable, n => n is { Role: "teacher", Step: Steps.Upload } && n.Journeys == teachers);
        }

        Assert.Equal(0, server.Count("/lessons/") + server.Count("/documents/"));
    }

    [Fact]
    public async Task Waiting_pages_are_waited_out_and_their_time_is_counted_not_called_errors()
    {
        await using var server = await TinySchoolServer.StartAsync(new TinySchoolBehaviour { WaitingPageSeconds = 1 });

        var report = await PeakHarness.RunAsync(PeakHarness.Options(server.BaseUri) with { Rate = 5, Duration = TimeSpan.FromSeconds(1) });

        Assert.Equal(5, report.Totals.Completed);
        Assert.Empty(report.Totals.ErrorsByKind);
        var today = report.Step(Steps.Today);
        Assert.Equal(5, today.WaitingPagesShown);
        Assert.Equal(5.0, today.SecondsInWaitingPages, tolerance: 0.01);
        // The 1 s wait is a timer, which counts whole milliseconds and can end a little before
        // the stopwatch says 1,000 ms (seen: 999.9 ms); a latency without the wait would be ~1 ms.
        Assert.True(today.Latency.P50Ms >= 990, $"Time on the waiting page belongs in the latency (p50 {today.Latency.P50Ms} ms).");
        Assert.Equal(5, report.Totals.WaitingPagesShown);
    }

    [Fact]
    public async Task Only_the_target_is_contacted_even_when_a_page_links_elsewhere()
    {
        await using var elsewhere = await TinySchoolServer.StartAsync();
        await using var server = await TinySchoolServer.StartAsync(new TinySchoolBehaviour
        {
            ForeignLesson = new Uri(elsewhere.BaseUri, "school001/lessons/1"),
        });

        var report = await PeakHarness.RunAsync(PeakHarness.Options(server.BaseUri) with { Rate = 5, Duration = TimeSpan.FromSeconds(1) });

        Assert.Empty(elsewhere.Requests);
        var lesson = report.Step(Steps.Lesson);
        Assert.Equal(5, lesson.Errors[ErrorKinds.OffTarget]);
        Assert.Equal(5, report.Totals.Failed);
    }

    [Theory]
    [InlineData("http://example.com", false)]
    [InlineData("http://10.0.0.5:5080", false)]
    [InlineData("http://127.0.0.1:5080", true)]
    [InlineData("http://127.0.0.2:5080", true)]
    [InlineData("http://localhost:5080", true)]
    [InlineData("http://[::1]:5080", true)]
    public void Only_loopback_targets_are_accepted_without_allow_remote(string target, bool accepted)
    {
        var options = PeakOptionsParser.Parse(["run", "--target", target], out var error, out _);

        Assert.Equal(accepted, options is not null);
        if (!accepted)
        {
            Assert.Contains("--allow-remote", error, StringComparison.Ordinal);
            Assert.NotNull(PeakOptionsParser.Parse(["run", "--target", target, "--allow-remote"], out _, out _));
        }
    }
}
