using System.Net;
using System.Text.RegularExpressions;

namespace Schoolbel.ClusterTests;

/// <summary>How one request ended, as the fault tests count it.</summary>
public enum Kind
{
    /// <summary>The answer the step expects (a page, the whole file, the receipt's redirect).</summary>
    Ok,

    /// <summary>502/503/504 made by the load balancer itself (no node named): it had nowhere to send the request, or the node died under it.</summary>
    BalancerRefused,

    /// <summary>
    /// 429/503 from a node with Retry-After: admission control shedding load, or the database away
    /// for a moment. Deliberate: the client is told when to come back.
    /// </summary>
    NodeShed,

    /// <summary>Any other 5xx from a node (an unhandled error, a 500), or a 429/503 without Retry-After.</summary>
    NodeError,

    /// <summary>No complete answer: the connection broke, or a download ended before its Content-Length.</summary>
    Broken,

    /// <summary>Sent back to the sign-in page: the session was not recognised.</summary>
    SignedOut,

    /// <summary>Anything else (a 4xx, a page without its form).</summary>
    Unexpected,
}

/// <summary>One request of the traffic: when it started, what it was, which node answered and how it ended.</summary>
public sealed record Attempt(string Step, Kind Kind, string? Node, TimeSpan At, int Status, string? Error);

/// <summary>
/// A pupil's browser: its own cookie container and connections, no automatic redirects (the tests
/// read the receipt from the 303), and the node that answered from HAProxy's <c>X-Schoolbel-Node</c>.
/// </summary>
public sealed partial class Browser : IDisposable
{
    private readonly HttpClient _http;
    private readonly Uri _root;

    public Browser(Uri root, string school, string username)
    {
        _root = root;
        School = school;
        Username = username;
        _http = new HttpClient(new SocketsHttpHandler
        {
            CookieContainer = new CookieContainer(),
            UseCookies = true,
            AllowAutoRedirect = false,
            ConnectTimeout = TimeSpan.FromSeconds(5),
        })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public string School { get; }

    public string Username { get; }

    public void Dispose() => _http.Dispose();

    /// <summary>Signs in with the password form; true when the form answered with the redirect onwards.</summary>
    public async Task<bool> SignInAsync(string password)
    {
        var signIn = new Uri(_root, $"{School}/signin");
        var (page, _) = await GetPageAsync(signIn);
        var token = page is null ? null : Token(page);
        if (token is null)
        {
            return false;
        }

        using var post = new HttpRequestMessage(HttpMethod.Post, signIn)
        {
            Content = new FormUrlEncodedContent(
            [
                new("username", Username),
                new("password", password),
                new("returnUrl", ""),
                new("__RequestVerificationToken", token),
            ]),
        };
        using var response = await _http.SendAsync(post);
        return response.StatusCode == HttpStatusCode.Redirect
            && response.Headers.Location?.ToString().Contains("/signin", StringComparison.Ordinal) == false;
    }

    /// <summary>
    /// As the course's teacher: sets an assignment due in a week (the course page's form, for the
    /// whole course) and returns the assignment page's address.
    /// </summary>
    public async Task<Uri> CreateAssignmentAsync(Uri courseAssignments, string title)
    {
        var (page, outcome) = await GetPageAsync(courseAssignments);
        var token = page is null ? null : Token(page);
        Assert.True(token is not null, $"{courseAssignments} answered {outcome.Status} without a form.");
        using var post = new HttpRequestMessage(HttpMethod.Post, new Uri(courseAssignments + "?handler=Create"))
        {
            Content = new FormUrlEncodedContent(
            [
                new("title", title),
                // School-local time from a datetime-local field; a week ahead is in the future in any zone.
                new("dueAt", TimeProvider.System.GetUtcNow().AddDays(7).ToString("yyyy-MM-ddTHH:mm", System.Globalization.CultureInfo.InvariantCulture)),
                new("__RequestVerificationToken", token!),
            ]),
        };
        using var response = await _http.SendAsync(post);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return new Uri(_root, response.Headers.Location!);
    }

    /// <summary>A page's HTML, or null with how it failed.</summary>
    public async Task<(string? Html, Outcome Outcome)> GetPageAsync(Uri url)
    {
        try
        {
            using var response = await _http.GetAsync(url, HttpCompletionOption.ResponseContentRead);
            var outcome = Classify(response, HttpStatusCode.OK);
            return (outcome.Kind == Kind.Ok ? await response.Content.ReadAsStringAsync() : null, outcome);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
        {
            return (null, Broken(e));
        }
    }

    /// <summary>Downloads a file to the end; a short body counts as broken.</summary>
    public async Task<Outcome> DownloadAsync(Uri url, long length)
    {
        try
        {
            using var response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
            var outcome = Classify(response, HttpStatusCode.OK);
            if (outcome.Kind != Kind.Ok)
            {
                return outcome;
            }

            await using var body = await response.Content.ReadAsStreamAsync();
            var buffer = new byte[81920];
            long read = 0;
            int n;
            while ((n = await body.ReadAsync(buffer)) > 0)
            {
                read += n;
            }

            return read == length ? outcome : outcome with { Kind = Kind.Broken, Error = $"{read} of {length} bytes" };
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
        {
            return Broken(e);
        }
    }

    /// <summary>
    /// Posts the assignment page's hand-in form, as the browser would: multipart, token and
    /// idempotency key first. Posting the same form again is safe: the key makes it the same hand-in.
    /// </summary>
    public async Task<(Guid? Receipt, Outcome Outcome)> HandInAsync(Uri assignment, HandInForm form)
    {
        ArgumentNullException.ThrowIfNull(form);
        using var content = new MultipartFormDataContent
        {
            { new StringContent(form.Token), "__RequestVerificationToken" },
            { new StringContent(form.Key), "idempotencyKey" },
            { new StringContent($"Mijn antwoord ({form.Key})"), "text" },
        };
        try
        {
            using var response = await _http.PostAsync(new Uri(assignment + "?handler=Submit"), content);
            var outcome = Classify(response, HttpStatusCode.SeeOther);
            var location = response.Headers.Location?.ToString() ?? "";
            var match = ReceiptPath().Match(location);
            return outcome.Kind == Kind.Ok && match.Success
                ? (Guid.Parse(match.Groups[1].Value), outcome)
                : (null, outcome.Kind == Kind.Ok ? outcome with { Kind = Kind.Unexpected } : outcome);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
        {
            return (null, Broken(e));
        }
    }

    /// <summary>The anti-forgery token and the idempotency key of an assignment page's hand-in form.</summary>
    public static HandInForm? FormOf(string html)
    {
        var token = Token(html);
        var key = KeyField().Match(html);
        return token is null || !key.Success ? null : new HandInForm(token, key.Groups[1].Value);
    }

    private static string? Token(string html)
    {
        var match = TokenField().Match(html);
        return match.Success ? match.Groups[1].Value : null;
    }

    private static Outcome Broken(Exception e) =>
        new(Kind.Broken, null, 0, e.GetType().Name + ": " + (e.InnerException?.Message ?? e.Message));

    private static Outcome Classify(HttpResponseMessage response, HttpStatusCode expected)
    {
        var node = response.Headers.TryGetValues("X-Schoolbel-Node", out var values) ? values.FirstOrDefault() : null;
        var status = (int)response.StatusCode;
        var location = response.Headers.Location?.ToString() ?? "";
        var retryAfter = response.Headers.RetryAfter is not null;
        var kind = status switch
        {
            _ when response.StatusCode == expected => Kind.Ok,
            >= 300 and < 400 when location.Contains("/signin", StringComparison.Ordinal) => Kind.SignedOut,
            502 or 503 or 504 when node is null => Kind.BalancerRefused,
            429 or 503 when retryAfter => Kind.NodeShed,
            >= 500 => Kind.NodeError,
            _ => Kind.Unexpected,
        };
        return new Outcome(kind, node, status);
    }

    [GeneratedRegex(""""name="__RequestVerificationToken"[^>]*value="([^"]+)"""")]
    private static partial Regex TokenField();

    [GeneratedRegex(""""name="idempotencyKey"[^>]*value="([^"]+)"""")]
    private static partial Regex KeyField();

    [GeneratedRegex("/submissions/([0-9a-fA-F-]{36})$")]
    private static partial Regex ReceiptPath();
}

/// <param name="Error">For <see cref="Kind.Broken"/>: what the client saw (the exception's message).</param>
public sealed record Outcome(Kind Kind, string? Node, int Status, string? Error = null);

public sealed record HandInForm(string Token, string Key);
