using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Schoolbel.Tests.Infrastructure;

/// <summary>
/// A client that keeps cookies but ignores their path, and so sends one school's session to
/// every URL. Browsers never do that; an attacker crafting requests by hand does.
/// </summary>
public sealed partial class PathlessCookieClient : IDisposable
{
    private readonly HttpClient _client;
    private readonly Dictionary<string, string> _cookies = new(StringComparer.Ordinal);

    public PathlessCookieClient(SchoolbelApp app)
    {
        ArgumentNullException.ThrowIfNull(app);
        _client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
    }

    /// <summary>The same cookies, sent to another server (a restarted one, or another node).</summary>
    public PathlessCookieClient WithServer(SchoolbelApp app)
    {
        var copy = new PathlessCookieClient(app);
        foreach (var (name, value) in _cookies)
        {
            copy._cookies[name] = value;
        }

        return copy;
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string url, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, url) { Content = content };
        if (_cookies.Count > 0)
        {
            request.Headers.Add("Cookie", string.Join("; ", _cookies.Select(c => $"{c.Key}={c.Value}")));
        }

        var response = await _client.SendAsync(request);
        if (response.Headers.TryGetValues("Set-Cookie", out var setCookies))
        {
            foreach (var header in setCookies)
            {
                var pair = header.Split(';')[0];
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                _cookies[pair[..eq]] = pair[(eq + 1)..];
            }
        }

        return response;
    }

    public async Task SignInAsync(string schoolCode, string username, string password)
    {
        var page = await (await SendAsync(HttpMethod.Get, $"/{schoolCode}/signin")).Content.ReadAsStringAsync();
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = username,
            ["password"] = password,
            ["__RequestVerificationToken"] = HttpForms.AntiforgeryToken(page),
        });
        var response = await SendAsync(HttpMethod.Post, $"/{schoolCode}/signin", form);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
    }

    /// <summary>An anti-forgery token valid for this client's session, taken from a page it may see.</summary>
    public async Task<string> AntiforgeryTokenAsync(string pageUrl) =>
        HttpForms.AntiforgeryToken(await (await SendAsync(HttpMethod.Get, pageUrl)).Content.ReadAsStringAsync());

    public void Dispose() => _client.Dispose();
}
