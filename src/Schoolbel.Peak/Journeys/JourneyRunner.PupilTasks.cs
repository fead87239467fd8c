using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Schoolbel.Peak.Population;
using Schoolbel.Peak.Results;

namespace Schoolbel.Peak.Journeys;

/// <summary>The pupil's other errands of the morning: handing in an assignment and reading a message.</summary>
internal sealed partial class JourneyRunner
{
    /// <summary>
    /// Hand in an assignment from the today page, as the assignment page's form does: a
    /// multipart body whose fields come first (anti-forgery token, the form's idempotency key,
    /// a text) and a file after; the server answers See Other to the receipt, which the browser
    /// opens. The receipt must show the time and the file's SHA-256, equal to the SHA-256 of the
    /// bytes sent: a pupil who cannot prove the hand-in did not get what the server promised.
    /// </summary>
    private async Task<bool> HandInAsync(
        VirtualBrowser browser, Identity identity, StepResponse today, JourneyClock journey, Action<string, StepOutcome> record,
        Action<AttemptRecord>? attempts, CancellationToken cancellationToken)
    {
        var assignmentUri = PickOne(AssignmentLinks(today));
        if (assignmentUri is null)
        {
            results.RecordNotAvailable(identity.Role, Steps.Assignment);
            results.RecordNotAvailable(identity.Role, Steps.HandIn);
            return true;
        }

        var intended = await ThinkAsync(journey, cancellationToken);
        var page = await steps.SendAsync(browser, () => Get(assignmentUri), Expect.Page, intended, cancellationToken, attempts);
        record(Steps.Assignment, page.Outcome);
        if (!page.Outcome.Ok)
        {
            return false;
        }

        var body = page.Body ?? "";
        var action = HtmlScan.FormAction(body, page.RequestUri, "handler=Submit");
        var token = HtmlScan.FormToken(body);
        var key = HtmlScan.FormToken(body, "idempotencyKey");
        if (action is null || token is null || key is null)
        {
            // No form: the deadline passed and late work is refused, which is not the server failing.
            results.RecordNotAvailable(identity.Role, Steps.HandIn);
            return true;
        }

        intended = await ThinkAsync(journey, cancellationToken);
        var file = MakeDocument(settings.HandInBytes);
        var expectedHash = Convert.ToHexStringLower(SHA256.HashData(file));
        var fileName = string.Create(CultureInfo.InvariantCulture, $"opdracht-{Guid.NewGuid():N}.pdf");
        var text = string.Create(CultureInfo.InvariantCulture, $"Mijn werk, ingediend om {time.GetLocalNow():HH:mm:ss}.");
        // Every attempt posts the same key: a retry after a waiting answer (StepRunner builds
        // the request again) or after a timeout must give back the first receipt, never a second hand-in.
        HttpRequestMessage Post()
        {
            var content = new MultipartFormDataContent
            {
                { new StringContent(token), "__RequestVerificationToken" },
                { new StringContent(key), "idempotencyKey" },
                { new StringContent(text), "text" },
            };
            var part = new ByteArrayContent(file);
            part.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
            content.Add(part, "files", fileName);
            return new HttpRequestMessage(HttpMethod.Post, action) { Content = content };
        }

        var sent = await steps.SendAsync(browser, Post, Expect.Redirect, intended, cancellationToken, attempts);
        if (sent.Outcome.Error is ErrorKinds.Timeout or ErrorKinds.Connection)
        {
            // The pupil saw the page spin and clicks "Indienen" again: the same form, so the same key.
            var again = await steps.SendAsync(browser, Post, Expect.Redirect, intended, cancellationToken, attempts);
            sent = again with { Outcome = Merge(sent.Outcome, again.Outcome) };
        }

        if (!sent.Outcome.Ok || sent.Location is not { } receiptUri)
        {
            record(Steps.HandIn, sent.Outcome);
            return false;
        }

        // The browser follows the See Other to the receipt at once; post and receipt are one step.
        var receipt = await steps.SendAsync(browser, () => Get(receiptUri), Expect.Page, intended, cancellationToken, attempts);
        var outcome = Merge(sent.Outcome, receipt.Outcome);
        if (outcome.Ok)
        {
            var hashes = HtmlScan.ReceiptHashes(receipt.Body ?? "");
            if (!HtmlScan.HasReceiptTime(receipt.Body ?? "") || hashes.Count == 0)
            {
                outcome = outcome with { Error = ErrorKinds.MissingReceipt };
            }
            else if (!hashes.Contains(expectedHash, StringComparer.OrdinalIgnoreCase))
            {
                outcome = outcome with { Error = ErrorKinds.WrongHash };
            }
        }

        record(Steps.HandIn, outcome);
        return outcome.Ok;
    }

    /// <summary>
    /// Open the inbox, then its newest unread message (the newest of all when none is unread),
    /// which marks it read. The unread count in the menu is the server's cached counter; after
    /// opening an unread message it must be lower than the inbox showed. Lower, not exactly one
    /// lower: the same account may be reading in another browser at the same moment (resumed
    /// journeys share warm-up sessions). For the same reason "what the inbox showed" is the larger
    /// of its menu count and its list's unread rows: the other browser may mark this very message
    /// read between the inbox's list query and its menu count, so the list still shows it unread
    /// while the count already went down; opening it then rightly changes nothing.
    /// </summary>
    private async Task<bool> ReadMessageAsync(
        VirtualBrowser browser, Identity identity, JourneyClock journey, Action<string, StepOutcome> record,
        Action<AttemptRecord>? attempts, CancellationToken cancellationToken)
    {
        var inboxUri = new Uri(settings.BaseUri, identity.School + "/messages");
        var intended = await ThinkAsync(journey, cancellationToken);
        var inbox = await steps.SendAsync(browser, () => Get(inboxUri), Expect.Page, intended, cancellationToken, attempts);
        record(Steps.Inbox, inbox.Outcome);
        if (!inbox.Outcome.Ok)
        {
            return false;
        }

        var messages = HtmlScan.InboxMessages(inbox.Body ?? "", inbox.RequestUri);
        if (messages.Count == 0)
        {
            results.RecordNotAvailable(identity.Role, Steps.Message);
            return true;
        }

        var before = HtmlScan.UnreadMessages(inbox.Body ?? "") is { } counted ? Math.Max(counted, messages.Count(m => m.Unread)) : (int?)null;
        var (messageUri, unread) = messages.FirstOrDefault(m => m.Unread) is { Link: not null } first ? first : messages[0];
        intended = await ThinkAsync(journey, cancellationToken);
        var message = await steps.SendAsync(browser, () => Get(messageUri), Expect.Page, intended, cancellationToken, attempts);
        var outcome = message.Outcome;
        if (outcome.Ok && unread && before is { } shown && HtmlScan.UnreadMessages(message.Body ?? "") is { } after && after >= shown)
        {
            outcome = outcome with { Error = ErrorKinds.UnreadCount };
        }

        record(Steps.Message, outcome);
        return outcome.Ok;
    }

    /// <summary>One step made of two requests (or two tries): latency from the first's intended start to the last's end, everything else added up.</summary>
    private static StepOutcome Merge(StepOutcome first, StepOutcome last) =>
        last with { WaitingPages = first.WaitingPages + last.WaitingPages, Waiting = first.Waiting + last.Waiting, Bytes = first.Bytes + last.Bytes };

    /// <summary>Links to one assignment's page (<c>…/assignments/{id}</c>), not to lists of them.</summary>
    private static List<Uri> AssignmentLinks(StepResponse page) =>
        [.. HtmlScan.Links(page.Body ?? "", page.RequestUri, "/assignments/").Where(u =>
        {
            var path = u.AbsolutePath.TrimEnd('/');
            var at = path.LastIndexOf("/assignments/", StringComparison.OrdinalIgnoreCase);
            return at >= 0 && !path[(at + "/assignments/".Length)..].Contains('/', StringComparison.Ordinal);
        })];

    private static bool Chance(double share) =>
#pragma warning disable CA5394 // which pupils run an errand; not security
        share >= 1 || (share > 0 && Random.Shared.NextDouble() < share);
#pragma warning restore CA5394
}
