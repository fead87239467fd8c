using Schoolbel.Peak.Results;

namespace Schoolbel.Peak.Tests;

/// <summary>The pupil's errands after the document: handing in an assignment and reading a message.</summary>
public sealed class PupilErrandsTests
{
    [Fact]
    public async Task Pupils_hand_in_a_file_and_a_text_and_the_receipt_shows_the_hash_of_the_bytes_they_sent()
    {
        await using var server = await TinySchoolServer.StartAsync(new TinySchoolBehaviour { Lessons = true, Assignments = true });

        var report = await PeakHarness.RunAsync(PeakHarness.Options(server.BaseUri) with
        {
            Rate = 10, Duration = TimeSpan.FromSeconds(1), HandInShare = 1, HandInKiB = 30,
        });

        Assert.Equal(10, report.Totals.Completed);
        Assert.Empty(report.Totals.ErrorsByKind);
        Assert.Empty(report.NotAvailable);
        Assert.Equal(10, report.Step(Steps.Document).Ok);
        Assert.Equal(10, report.Step(Steps.Assignment).Ok);
        Assert.Equal(10, report.Step(Steps.HandIn).Ok);
        // One hand-in per journey, each with the form's token, its own key and the whole file.
        Assert.Equal(10, server.HandIns.Count);
        Assert.All(server.HandIns, h => Assert.True(h.TokenOk && h.Stored && h.Bytes == 30 * 1024, $"{h}"));
        Assert.Equal(10, server.HandIns.Select(h => h.Key).Distinct().Count());
        // Only assignment pages are opened, not the menu's list of all assignments.
        Assert.Equal(0, server.Count("/school001/assignments"));
    }

    [Theory]
    [InlineData(false, ErrorKinds.WrongHash)]
    [InlineData(true, ErrorKinds.MissingReceipt)]
    public async Task A_receipt_with_another_hash_or_without_the_files_fails_the_journey(bool withoutFiles, string error)
    {
        await using var server = await TinySchoolServer.StartAsync(new TinySchoolBehaviour
        {
            Lessons = true, Assignments = true, WrongReceiptHash = !withoutFiles, ReceiptWithoutFiles = withoutFiles,
        });

        var report = await PeakHarness.RunAsync(PeakHarness.Options(server.BaseUri) with { Rate = 5, Duration = TimeSpan.FromSeconds(1), HandInShare = 1 });

        Assert.Equal(0, report.Totals.Completed);
        Assert.Equal(5, report.Totals.Failed);
        Assert.Equal(5, report.Step(Steps.HandIn).Errors[error]);
        Assert.Equal(5, report.Totals.ErrorsByKind[error]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_hand_in_retried_after_a_waiting_answer_or_a_timeout_posts_the_same_key_and_gets_one_receipt(bool timeout)
    {
        // A 503 with Retry-After is waited out and posted again; a timeout (the hand-in stored but
        // the answer too late) makes the pupil click again. Either way the same form, the same key.
        await using var server = await TinySchoolServer.StartAsync(new TinySchoolBehaviour
        {
            Lessons = true, Assignments = true, BusyFirstHandIn = !timeout, StallFirstHandIn = timeout, Stall = TimeSpan.FromSeconds(6),
        });

        var report = await PeakHarness.RunAsync(PeakHarness.Options(server.BaseUri) with
        {
            Rate = 5, Duration = TimeSpan.FromSeconds(1), HandInShare = 1, Timeout = TimeSpan.FromSeconds(3),
        });

        Assert.Equal(5, report.Totals.Completed);
        Assert.Empty(report.Totals.ErrorsByKind);
        var handIn = report.Step(Steps.HandIn);
        Assert.Equal(5, handIn.Ok);
        Assert.Equal(timeout ? 0 : 5, handIn.WaitingPagesShown);
        var byKey = server.HandIns.GroupBy(h => h.Key).ToList();
        Assert.Equal(5, byKey.Count);
        Assert.All(byKey, posts =>
        {
            Assert.Equal(2, posts.Count());
            Assert.Single(posts, p => p.Stored);
            Assert.Single(posts.Select(p => p.Sha256).Distinct());
        });
    }

    [Fact]
    public async Task Pupils_open_the_inbox_read_the_newest_unread_message_and_see_the_unread_count_drop()
    {
        await using var server = await TinySchoolServer.StartAsync(new TinySchoolBehaviour { Lessons = true, Messages = 10 });

        var report = await PeakHarness.RunAsync(PeakHarness.Options(server.BaseUri) with
        {
            Rate = 5, Duration = TimeSpan.FromSeconds(2), ResumeShare = 0, MessageShare = 1,
        });

        Assert.Equal(10, report.Totals.Completed);
        Assert.Empty(report.Totals.ErrorsByKind);
        Assert.Equal(10, report.Step(Steps.Inbox).Ok);
        Assert.Equal(10, report.Step(Steps.Message).Ok);
        // Each journey opened the newest unread message, so each pupil's read messages are the
        // newest ones (10, 9, ...). Two browsers of one pupil at once may open the same one.
        var opened = server.Requests.Count(r => r.Path.StartsWith("/school001/messages/", StringComparison.Ordinal));
        Assert.Equal(10, opened);
        var readers = Enumerable.Range(1, 22).Select(n => server.ReadMessages("p" + n.ToString("D5", System.Globalization.CultureInfo.InvariantCulture)))
            .Where(read => read.Count > 0).ToList();
        Assert.NotEmpty(readers);
        Assert.All(readers, read => Assert.Equal(Enumerable.Range(10 - read.Count + 1, read.Count), read.Order()));
        Assert.InRange(readers.Sum(r => r.Count), readers.Count, 10);
    }

    [Fact]
    public async Task An_unread_count_that_does_not_drop_after_reading_fails_the_journey()
    {
        await using var server = await TinySchoolServer.StartAsync(new TinySchoolBehaviour { Lessons = true, Messages = 3, StuckUnreadCounter = true });

        var report = await PeakHarness.RunAsync(PeakHarness.Options(server.BaseUri) with { Rate = 5, Duration = TimeSpan.FromSeconds(1), MessageShare = 1 });

        Assert.Equal(5, report.Totals.Failed);
        Assert.Equal(5, report.Step(Steps.Message).Errors[ErrorKinds.UnreadCount]);
    }

    [Fact]
    public async Task A_message_read_in_another_browser_while_the_inbox_loaded_is_not_a_stuck_counter()
    {
        // Seen against the real server: the list showed the message unread, the menu count had
        // already dropped, and opening it rightly changed nothing.
        await using var server = await TinySchoolServer.StartAsync(new TinySchoolBehaviour { Lessons = true, Messages = 10, ReadInAnotherBrowserMeanwhile = true });

        var report = await PeakHarness.RunAsync(PeakHarness.Options(server.BaseUri) with
        {
            Rate = 5, Duration = TimeSpan.FromSeconds(1), ResumeShare = 0, MessageShare = 1,
        });

        Assert.Equal(5, report.Totals.Completed);
        Assert.Empty(report.Totals.ErrorsByKind);
        Assert.Equal(5, report.Step(Steps.Message).Ok);
    }

    [Fact]
    public async Task Without_assignments_or_messages_the_errands_are_not_available_rather_than_errors()
    {
        await using var server = await TinySchoolServer.StartAsync(new TinySchoolBehaviour { Lessons = true });

        var report = await PeakHarness.RunAsync(PeakHarness.Options(server.BaseUri) with
        {
            Rate = 5, Duration = TimeSpan.FromSeconds(1), HandInShare = 1, MessageShare = 1,
        });

        Assert.Equal(5, report.Totals.Completed);
        Assert.Empty(report.Totals.ErrorsByKind);
        foreach (var step in new[] { Steps.Assignment, Steps.HandIn, Steps.Message })
        {
            Assert.Contains(report.NotAvailable, n => n.Role == "pupil" && n.Step == step && n.Journeys == 5);
        }

        Assert.Equal(5, report.Step(Steps.Inbox).Ok);
    }
}
