using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Schoolbel.Peak.Population;
using Schoolbel.Peak.Results;
using Schoolbel.Peak.Targeting;

namespace Schoolbel.Peak.SignInBench;

/// <summary>The body of POST /api/v1/sessions.</summary>
internal sealed record SessionSignInBody(string School, string Username, string Password);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(SessionSignInBody))]
internal sealed partial class SignInJsonContext : JsonSerializerContext;

/// <summary>How one API sign-in attempt ended.</summary>
internal enum AttemptKind
{
    SignedIn,

    /// <summary>429 or 503 with Retry-After: the designed "come back later", not an error.</summary>
    Busy,

    Error,
}

/// <param name="Error">For <see cref="AttemptKind.Error"/>: its kind as in <see cref="ErrorKinds"/>.</param>
internal readonly record struct AttemptOutcome(AttemptKind Kind, TimeSpan RetryAfter, string? Error, TimeSpan Latency);

/// <summary>
/// Password sign-ins through the API (POST /api/v1/sessions), the way an app at 08:30 does them:
/// one attempt at a time, and on a busy answer a pause of Retry-After before the same pupil
/// tries again. The attempt itself is never cancelled by the benchmark, only by its own timeout,
/// so stopping a phase cannot turn into aborted requests on the server.
/// </summary>
internal sealed class ApiSignIn(HttpClient client, Uri target, string password, TimeProvider time, TimeSpan timeout) : IDisposable
{
    // A Retry-After without a usable value still must not become a tight loop.
    private static readonly TimeSpan MinimumRetryDelay = TimeSpan.FromMilliseconds(250);

    private readonly Uri _sessions = new(target, "api/v1/sessions");

    /// <summary>One shared client: keep-alive connections, none of the browser's cookies, only the target.</summary>
    public static HttpClient CreateClient(Uri target, TimeSpan connectTimeout)
    {
        var handler = new SocketsHttpHandler
        {
            UseCookies = false,
            AllowAutoRedirect = false,
            ConnectTimeout = connectTimeout,
            UseProxy = false,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
        };
        return new HttpClient(new TargetGuardHandler(target, handler), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public async Task<AttemptOutcome> AttemptAsync(Identity identity, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(identity);
        var started = time.GetTimestamp();
        using var attemptTimeout = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(attemptTimeout.Token, cancellationToken);
        try
        {
            using var content = JsonContent.Create(
                new SessionSignInBody(identity.School, identity.Username, password), SignInJsonContext.Default.SessionSignInBody);
            using var response = await client.PostAsync(_sessions, content, linked.Token);
            // Read the body to its end, as a client would, so the connection is reusable.
            await response.Content.ReadAsByteArrayAsync(linked.Token);
            return Classify(response.StatusCode, response.Headers.RetryAfter, time.GetUtcNow(), time.GetElapsedTime(started));
        }
        catch (OperationCanceledException) when (attemptTimeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new AttemptOutcome(AttemptKind.Error, TimeSpan.Zero, ErrorKinds.Timeout, time.GetElapsedTime(started));
        }
        catch (HttpRequestException)
        {
            return new AttemptOutcome(AttemptKind.Error, TimeSpan.Zero, ErrorKinds.Connection, time.GetElapsedTime(started));
        }
    }

    /// <summary>
    /// Signs <paramref name="identity"/> in, honouring Retry-After, until it succeeds, fails, or
    /// <paramref name="stop"/> is cancelled while waiting (then null: the pupil gave up, no error).
    /// Every attempt is recorded in <paramref name="tally"/>.
    /// </summary>
    public async Task<AttemptOutcome?> SignInAsync(Identity identity, SignInTally tally, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(tally);
        var started = time.GetTimestamp();
        while (!stop.IsCancellationRequested)
        {
            var outcome = await AttemptAsync(identity, CancellationToken.None);
            if (outcome.Kind != AttemptKind.Busy)
            {
                var total = outcome with { Latency = time.GetElapsedTime(started) };
                tally.Record(total, time.GetTimestamp());
                return total;
            }

            tally.Record(outcome, time.GetTimestamp());
            try
            {
                await Task.Delay(outcome.RetryAfter, time, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
        }

        tally.RecordAbandoned();
        return null;
    }

    /// <summary>200 signed in; 429/503 with Retry-After busy; anything else an error named by its status.</summary>
    internal static AttemptOutcome Classify(HttpStatusCode status, System.Net.Http.Headers.RetryConditionHeaderValue? retryAfter, DateTimeOffset now, TimeSpan latency)
    {
        var code = (int)status;
        if (code is >= 200 and < 300)
        {
            return new AttemptOutcome(AttemptKind.SignedIn, TimeSpan.Zero, null, latency);
        }

        if (retryAfter is not null && code is 429 or 503)
        {
            var delay = retryAfter.Delta ?? (retryAfter.Date is { } date ? date - now : MinimumRetryDelay);
            return new AttemptOutcome(AttemptKind.Busy, delay < MinimumRetryDelay ? MinimumRetryDelay : delay, null, latency);
        }

        return new AttemptOutcome(AttemptKind.Error, TimeSpan.Zero, ErrorKinds.Status(code), latency);
    }

    public void Dispose() => client.Dispose();
}

/// <summary>
/// Counts of one phase's API sign-ins, from many threads. Sign-ins count towards the rate only
/// when they complete inside the counted window [<see cref="WindowStart"/>, <see cref="WindowEnd"/>]
/// (timestamps of the same TimeProvider); busy answers and errors count whenever they happen.
/// </summary>
internal sealed class SignInTally
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, long> _errors = new(StringComparer.Ordinal);
    private readonly LatencyHistogram _latency = new();
    private long _signedIn;
    private long _signedInInWindow;
    private long _busy;
    private long _abandoned;

    public long WindowStart { get; set; } = long.MinValue;

    public long WindowEnd { get; set; } = long.MaxValue;

    public void Record(AttemptOutcome outcome, long completedAt)
    {
        lock (_lock)
        {
            switch (outcome.Kind)
            {
                case AttemptKind.SignedIn:
                    _signedIn++;
                    if (completedAt >= WindowStart && completedAt <= WindowEnd)
                    {
                        _signedInInWindow++;
                        _latency.Record(outcome.Latency);
                    }

                    break;
                case AttemptKind.Busy:
                    _busy++;
                    break;
                default:
                    _errors[outcome.Error ?? "unknown"] = _errors.GetValueOrDefault(outcome.Error ?? "unknown") + 1;
                    break;
            }
        }
    }

    public void RecordAbandoned()
    {
        lock (_lock)
        {
            _abandoned++;
        }
    }

    public SignInCounts Snapshot()
    {
        lock (_lock)
        {
            return new SignInCounts(_signedIn, _signedInInWindow, _busy, _abandoned, new Dictionary<string, long>(_errors), _latency.Summarize());
        }
    }
}

/// <param name="SignedIn">All successful sign-ins of the phase.</param>
/// <param name="SignedInInWindow">Those that completed inside the counted window; <see cref="Latency"/> is theirs (first attempt to success, waits included).</param>
/// <param name="Abandoned">Pupils still waiting on a busy answer when the phase ended (not errors).</param>
internal sealed record SignInCounts(
    long SignedIn, long SignedInInWindow, long BusyAnswers, long Abandoned, IReadOnlyDictionary<string, long> Errors, LatencySummary Latency);
