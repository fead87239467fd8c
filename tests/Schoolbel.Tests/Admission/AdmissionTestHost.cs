using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Schoolbel.Server.Admission;
using Schoolbel.Server.Scaling;
using Schoolbel.Server.Schools;
using StackExchange.Redis;

namespace Schoolbel.Tests.Admission;

/// <summary>
/// A tiny server with only the admission layer in front of endpoints whose latency the test
/// controls through a fake clock: <c>/work?ms=N</c> takes N fake milliseconds, <c>/hold</c> waits
/// until the test lets it go. The real middleware, limiter and waiting room, nothing mocked.
/// </summary>
internal sealed class AdmissionTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _working;

    private AdmissionTestHost(WebApplication app, FakeTimeProvider time)
    {
        _app = app;
        Time = time;
    }

    public FakeTimeProvider Time { get; }

    public AdaptiveConcurrencyLimiter Limiter => _app.Services.GetRequiredService<AdaptiveConcurrencyLimiter>();

    public WaitingRoom Room => _app.Services.GetRequiredService<WaitingRoom>();

    public AdmissionHeartbeat Heartbeat => _app.Services.GetRequiredService<AdmissionHeartbeat>();

    /// <param name="keys">
    /// A key ring folder shared with other hosts (nodes of one platform: each reads the others'
    /// cookies); with <c>Redis:Configuration</c> in <paramref name="settings"/> the host also
    /// uses that Redis, as a node of a cluster does.
    /// </param>
    public static async Task<AdmissionTestHost> StartAsync(Dictionary<string, string?> settings, DirectoryInfo? keys = null)
    {
        // Starts at the real time: the cookie container judges cookie expiry by the real clock.
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddScoped<SchoolScope>();
        var protection = builder.Services.AddDataProtection();
        if (keys is not null)
        {
            protection.PersistKeysToFileSystem(keys).SetApplicationName("schoolbel-admission-tests");
        }

        if (settings.TryGetValue("Redis:Configuration", out var redis) && !string.IsNullOrEmpty(redis))
        {
            builder.Services.AddOptions<RedisOptions>().Bind(builder.Configuration.GetSection(RedisOptions.Section));
            builder.Services.AddSingleton<IConnectionMultiplexer>(sp =>
                ConnectionMultiplexer.Connect(sp.GetRequiredService<IOptions<RedisOptions>>().Value.ToClientOptions()));
            builder.Services.AddSingleton<RedisGate>();
        }

        builder.Services.AddRouting();
        builder.Services.AddSchoolbelAdmission(builder.Configuration);
        var app = builder.Build();
        var host = new AdmissionTestHost(app, time);
        app.Use(async (context, next) =>
        {
            // Stands in for tenancy: ?school=x puts the request in school x.
            if (context.Request.Query["school"].ToString() is { Length: > 0 } code)
            {
                context.RequestServices.GetRequiredService<SchoolScope>().Enter(new SchoolInfo(Guid.NewGuid(), code, code, "nl"));
            }

            await next(context);
        });
        app.UseRouting();
        app.UseSchoolbelAdmission();
        app.MapGet("/work", async (int ms) =>
        {
            // Counted once the delay is on the fake clock: advancing it before would strand the request.
            var delay = Task.Delay(TimeSpan.FromMilliseconds(ms), time);
            Interlocked.Increment(ref host._working);
            await delay;
            return "done";
        });
        app.MapGet("/hold", async () =>
        {
            await host._release.Task;
            return "done";
        });
        app.MapPost("/api/v1/things", () => Results.Created());
        app.MapGet("/health/live", () => "ok").WithMetadata(new UnlimitedEndpointAttribute());
        await app.StartAsync();
        return host;
    }

    /// <summary>A client with its own cookies, like one browser.</summary>
    public HttpClient NewVisitor() => NewVisitor(new System.Net.CookieContainer());

    /// <summary>A client with these cookies: one browser whose requests the balancer sends to this host.</summary>
    public HttpClient NewVisitor(System.Net.CookieContainer cookies)
    {
        var server = _app.GetTestServer();
        var handler = new CookieContainerHandler(server.CreateHandler(), cookies);
        return new HttpClient(handler) { BaseAddress = server.BaseAddress };
    }

    /// <summary>This host's Redis circuit breaker (with <c>Redis:Configuration</c>).</summary>
    public RedisGate Redis => _app.Services.GetRequiredService<RedisGate>();

    /// <summary>A client that sends only the cookies the test puts on each request.</summary>
    public HttpClient NewClientWithoutCookies()
    {
        var server = _app.GetTestServer();
        return new HttpClient(server.CreateHandler()) { BaseAddress = server.BaseAddress };
    }

    /// <summary>Lets every held request finish.</summary>
    public void ReleaseHeld()
    {
        var released = _release;
        _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        released.SetResult();
    }

    /// <summary>Waits until <paramref name="count"/> <c>/work</c> requests have started their delay since the last call.</summary>
    public async Task WaitForWorkingAsync(int count)
    {
        for (var i = 0; i < 2_000 && Volatile.Read(ref _working) < count; i++)
        {
            await Task.Delay(5);
        }

        Assert.Equal(count, Interlocked.Exchange(ref _working, 0));
    }

    public async Task WaitForInFlightAsync(int count)
    {
        for (var i = 0; i < 2_000 && Limiter.InFlight < count; i++)
        {
            await Task.Delay(5);
        }

        Assert.Equal(count, Limiter.InFlight);
    }

    public async ValueTask DisposeAsync()
    {
        ReleaseHeld();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>Keeps cookies between requests, as a browser does, for the in-memory test server.</summary>
    private sealed class CookieContainerHandler(HttpMessageHandler inner, System.Net.CookieContainer cookies) : DelegatingHandler(inner)
    {
        private readonly System.Net.CookieContainer _cookies = cookies;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var uri = request.RequestUri!;
            var header = _cookies.GetCookieHeader(uri);
            if (header.Length > 0)
            {
                request.Headers.Add("Cookie", header);
            }

            var response = await base.SendAsync(request, cancellationToken);
            if (response.Headers.TryGetValues("Set-Cookie", out var setCookies))
            {
                foreach (var cookie in setCookies)
                {
                    _cookies.SetCookies(uri, cookie);
                }
            }

            return response;
        }
    }
}
