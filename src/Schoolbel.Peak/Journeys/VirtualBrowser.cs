using System.Net;
using System.Net.Http.Headers;
using Schoolbel.Peak.Targeting;

namespace Schoolbel.Peak.Journeys;

/// <summary>
/// One pupil's browser: its own cookie jar and its own connections, so the server sees what it
/// would see at 08:30 (thousands of separate TCP connections and sessions), not one pooled
/// client multiplexing everyone. Redirects are followed by the journey itself, so each hop is
/// timed and checked against the target.
/// </summary>
internal sealed class VirtualBrowser : IDisposable
{
    private readonly HttpClient _client;

    public VirtualBrowser(Uri target, CookieContainer? cookies, TimeSpan connectTimeout)
    {
        ArgumentNullException.ThrowIfNull(target);
        Cookies = cookies ?? new CookieContainer();
        var handler = new SocketsHttpHandler
        {
            UseCookies = true,
            CookieContainer = Cookies,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.All,
            ConnectTimeout = connectTimeout,
            // Browsers open up to six connections per host; a journey is sequential, so in
            // practice each virtual user holds one.
            MaxConnectionsPerServer = 6,
            UseProxy = false,
        };
        // The guard sits outside the socket handler: a refused request never opens a connection.
        _client = new HttpClient(new TargetGuardHandler(target, handler), disposeHandler: true)
        {
            // Each step has its own timeout (TimeProvider-based) in StepRunner.
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("Schoolbel.Peak", "1.0"));
        _client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
        _client.DefaultRequestHeaders.AcceptLanguage.Add(new StringWithQualityHeaderValue("nl-BE"));
    }

    public CookieContainer Cookies { get; }

    public HttpClient Client => _client;

    public void Dispose() => _client.Dispose();
}
