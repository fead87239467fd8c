using System.Buffers;
using System.Net;
using Schoolbel.Peak.Results;
using Schoolbel.Peak.Targeting;

namespace Schoolbel.Peak.Journeys;

/// <summary>What a step brought back besides its outcome: the page (for links and forms) and where a redirect pointed.</summary>
internal sealed record StepResponse(StepOutcome Outcome, HttpStatusCode? Status, string? Body, Uri? Location, Uri RequestUri);

/// <summary>What a step should accept as success.</summary>
internal enum Expect
{
    /// <summary>A 2xx page; the body is read as text for links.</summary>
    Page,

    /// <summary>A 3xx redirect with a Location (a successful form post).</summary>
    Redirect,

    /// <summary>A 2xx download, read in full and counted, not kept.</summary>
    Download,
}

/// <summary>
/// Sends one step's request and judges the answer. A response with <c>Retry-After</c> is the
/// server's waiting page (or a 429/503): like a browser on the waiting page, the step waits the
/// indicated time and tries again, and the time waited counts in the step's latency and in the
/// report's time spent in waiting pages. Every attempt has its own timeout.
/// </summary>
internal sealed class StepRunner(TimeProvider time, long runStartTimestamp, TimeSpan timeout, TimeSpan maxWait)
{
    // A Retry-After without a usable value still must not become a tight retry loop.
    private static readonly TimeSpan MinimumRetryDelay = TimeSpan.FromMilliseconds(250);

    /// <summary>Time since the measured window started; intended start times use the same clock.</summary>
    public TimeSpan Now => time.GetElapsedTime(runStartTimestamp);

    /// <param name="onAttempt">Told about every attempt (admitted answer, waiting answer, timeout, connection error), when given.</param>
    public async Task<StepResponse> SendAsync(
        VirtualBrowser browser, Func<HttpRequestMessage> createRequest, Expect expect, TimeSpan intendedStart, CancellationToken cancellationToken,
        Action<AttemptRecord>? onAttempt = null)
    {
        ArgumentNullException.ThrowIfNull(browser);
        ArgumentNullException.ThrowIfNull(createRequest);
        var waitingPages = 0;
        var waited = TimeSpan.Zero;
        long bytes = 0;
        // When this attempt should go out: the step's start, then the end of each Retry-After.
        var attemptIntended = intendedStart;
        while (true)
        {
            using var request = createRequest();
            var uri = request.RequestUri!;
            using var attemptTimeout = new CancellationTokenSource(timeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, attemptTimeout.Token);
            HttpResponseMessage response;
            string? body = null;
            try
            {
                response = await browser.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
                using (response)
                {
                    if (expect == Expect.Download && response.IsSuccessStatusCode && response.Headers.RetryAfter is null)
                    {
                        bytes += await CountBytesAsync(response, linked.Token);
                    }
                    else
                    {
                        body = await response.Content.ReadAsStringAsync(linked.Token);
                        bytes += System.Text.Encoding.UTF8.GetByteCount(body);
                    }
                }
            }
            catch (OperationCanceledException) when (attemptTimeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                Report(AttemptKind.Timeout, null, TimeSpan.Zero);
                return Fail(ErrorKinds.Timeout, null, uri);
            }
            catch (OffTargetRequestException)
            {
                Report(AttemptKind.OffTarget, null, TimeSpan.Zero);
                return Fail(ErrorKinds.OffTarget, null, uri);
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                // IOException: the connection broke while a download was being read (an
                // HttpIOException); it used to escape the journey and end the whole run.
                // A cancellation can surface as either, too: it stays a cancellation.
                cancellationToken.ThrowIfCancellationRequested();
                if (attemptTimeout.IsCancellationRequested)
                {
                    Report(AttemptKind.Timeout, null, TimeSpan.Zero);
                    return Fail(ErrorKinds.Timeout, null, uri);
                }

                Report(AttemptKind.Connection, null, TimeSpan.Zero);
                return Fail(ErrorKinds.Connection, null, uri);
            }

            var status = response.StatusCode;
            if (response.Headers.RetryAfter is { } retryAfter)
            {
                waitingPages++;
                var delay = retryAfter.Delta
                    ?? (retryAfter.Date is { } date ? date - time.GetUtcNow() : MinimumRetryDelay);
                if (delay < MinimumRetryDelay)
                {
                    delay = MinimumRetryDelay;
                }

                if (waited + delay > maxWait)
                {
                    Report(AttemptKind.Waiting, status, TimeSpan.Zero);
                    return Fail(ErrorKinds.GaveUpWaiting, status, uri);
                }

                var answeredAt = Now;
                Report(AttemptKind.Waiting, status, delay);
                await Task.Delay(delay, time, cancellationToken);
                waited += delay;
                attemptIntended = answeredAt + delay;
                continue;
            }

            Report(AttemptKind.Answer, status, TimeSpan.Zero);

            var location = response.Headers.Location is { } l ? new Uri(uri, l) : null;
            var code = (int)status;
            string? error = expect switch
            {
                Expect.Redirect when code is >= 300 and < 400 && location is not null => null,
                Expect.Page or Expect.Download when code is >= 200 and < 300 => null,
                // A page that sends a signed-in pupil back to the sign-in form lost the session.
                Expect.Page or Expect.Download when code is >= 300 and < 400 && location?.AbsolutePath.EndsWith("/signin", StringComparison.OrdinalIgnoreCase) == true
                    => ErrorKinds.SignedOut,
                _ => ErrorKinds.Status(code),
            };
            return new StepResponse(new StepOutcome(error, Now - intendedStart, waitingPages, waited, bytes), status, body, location, uri);
        }

        StepResponse Fail(string error, HttpStatusCode? status, Uri uri) =>
            new(new StepOutcome(error, Now - intendedStart, waitingPages, waited, bytes), status, null, null, uri);

        void Report(AttemptKind kind, HttpStatusCode? status, TimeSpan retryDelay) =>
            onAttempt?.Invoke(new AttemptRecord(kind, status is { } s ? (int)s : null, attemptIntended, Now, retryDelay));
    }

    /// <summary>Reads a download to its end, as a pupil's browser would, without keeping it.</summary>
    private static async Task<long> CountBytesAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            long total = 0;
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                total += read;
            }

            return total;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
