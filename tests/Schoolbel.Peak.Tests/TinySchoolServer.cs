using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using HttpResults = Microsoft.AspNetCore.Http.Results;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Schoolbel.Peak.Tests;

/// <summary>How the tiny server behaves; each test sets what it needs.</summary>
public sealed record TinySchoolBehaviour
{
    /// <summary>Every Nth course page stalls for <see cref="Stall"/> (0: never).</summary>
    public int StallEveryNthCourse { get; init; }

    public TimeSpan Stall { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Whether course pages link to a lesson (which links to a document).</summary>
    public bool Lessons { get; init; }

    /// <summary>An address on another server the course page links to as its lesson.</summary>
    public Uri? ForeignLesson { get; init; }

    /// <summary>The first today page of each session answers 503 with this Retry-After (null: never).</summary>
    public int? WaitingPageSeconds { get; init; }

    public int DocumentBytes { get; init; } = 200 * 1024;

    /// <summary>Every Nth API sign-in (POST /api/v1/sessions) answers 429 with Retry-After: 1 (0: never).</summary>
    public int BusyEveryNthApiSignIn { get; init; }

    /// <summary>The schools served, each under /{code}/ with its own session cookie.</summary>
    public IReadOnlyList<string> Schools { get; init; } = [TinySchoolServer.School];

    /// <summary>
    /// Admission control in miniature: at most this many requests of one school are served at
    /// once; the rest get <see cref="AdmissionStatus"/> with Retry-After at once (0: no limit).
    /// </summary>
    public int AdmissionLimitPerSchool { get; init; }

    /// <summary>503 (or 429, or 200 for a waiting page) for requests over the limit.</summary>
    public int AdmissionStatus { get; init; } = 503;

    public int AdmissionRetryAfterSeconds { get; init; } = 1;

    /// <summary>Whether the today page lists an exercise task whose practice page asks questions (alternately numeric and multiple choice).</summary>
    public bool Practice { get; init; }

    /// <summary>How long a school's today, course and lesson pages take to serve (none when absent).</summary>
    public IReadOnlyDictionary<string, TimeSpan> PageDelays { get; init; } = new Dictionary<string, TimeSpan>();
}

/// <summary>
/// A tiny Kestrel server on 127.0.0.1 and a free port that speaks just enough of Schoolbel's
/// pages (sign-in form with anti-forgery token and cookie, session cookie per school path,
/// today page with a course link, course, lesson and document) to drive the simulator, and
/// records what it was asked and when.
/// </summary>
public sealed class TinySchoolServer : IAsyncDisposable
{
    public const string School = "school001";
    public const string Password = "Peak-Pass-1";
    private const string FormToken = "form-token-1";

    private readonly WebApplication _app;
    private readonly TinySchoolBehaviour _behaviour;
    private readonly ConcurrentDictionary<string, int> _todayVisits = new();
    private readonly ConcurrentDictionary<string, StrongBox<int>> _inFlight = new();
    private int _courseRequests;
    private int _apiSignIns;

    private TinySchoolServer(WebApplication app, TinySchoolBehaviour behaviour)
    {
        _app = app;
        _behaviour = behaviour;
    }

    public Uri BaseUri { get; private set; } = null!;

    /// <summary>Every request as (elapsed since start, method, path).</summary>
    public ConcurrentQueue<(TimeSpan At, string Method, string Path)> Requests { get; } = new();

    public long StartTimestamp { get; } = Stopwatch.GetTimestamp();

    public static async Task<TinySchoolServer> StartAsync(TinySchoolBehaviour? behaviour = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new TinySchoolServer(app, behaviour ?? new TinySchoolBehaviour());
        server.Map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUri = new Uri(address.TrimEnd('/') + "/");
        return server;
    }

    /// <summary>Documents teachers uploaded: file name, bytes received, and whether the anti-forgery header was right.</summary>
    public ConcurrentQueue<(string Name, long Bytes, bool TokenOk)> Uploads { get; } = new();

    /// <summary>Lessons published: the class ids the form posted.</summary>
    public ConcurrentQueue<string[]> Publications { get; } = new();

    public int Count(string pathContains) => Requests.Count(r => r.Path.Contains(pathContains, StringComparison.Ordinal));

    /// <summary>Answers received: the attempt answered, the values posted, and whether the attempt was one the server served.</summary>
    public ConcurrentQueue<(string AttemptId, string[] Values, bool Served)> Answers { get; } = new();

    private readonly ConcurrentDictionary<string, bool> _attempts = new();
    private int _questions;

    /// <summary>Waiting answers (over the admission limit) sent, per school.</summary>
    public ConcurrentDictionary<string, int> WaitingAnswersSent { get; } = new();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private void Map(WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            Requests.Enqueue((Stopwatch.GetElapsedTime(StartTimestamp), context.Request.Method, context.Request.Path.Value ?? ""));
            await next(context);
        });

        app.Use(async (context, next) =>
        {
            var path = context.Request.Path.Value ?? "";
            var school = _behaviour.Schools.FirstOrDefault(s => path.StartsWith("/" + s + "/", StringComparison.Ordinal));
            if (_behaviour.AdmissionLimitPerSchool <= 0 || school is null)
            {
                await next(context);
                return;
            }

            var inFlight = _inFlight.GetOrAdd(school, _ => new StrongBox<int>());
            if (Interlocked.Increment(ref inFlight.Value) > _behaviour.AdmissionLimitPerSchool)
            {
                Interlocked.Decrement(ref inFlight.Value);
                WaitingAnswersSent.AddOrUpdate(school, 1, (_, n) => n + 1);
                context.Response.StatusCode = _behaviour.AdmissionStatus;
                context.Response.Headers.RetryAfter = _behaviour.AdmissionRetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                context.Response.ContentType = "text/html";
                await context.Response.WriteAsync("<p>Even geduld: je staat in de rij.</p>");
                return;
            }

            try
            {
                await next(context);
            }
            finally
            {
                Interlocked.Decrement(ref inFlight.Value);
            }
        });

        app.MapPost("/api/v1/sessions", async (HttpContext context) =>
        {
            using var body = await System.Text.Json.JsonDocument.ParseAsync(context.Request.Body);
            var n = Interlocked.Increment(ref _apiSignIns);
            if (_behaviour.BusyEveryNthApiSignIn > 0 && n % _behaviour.BusyEveryNthApiSignIn == 0)
            {
                context.Response.Headers.RetryAfter = "1";
                return HttpResults.Json(new { reason = "busy", position = 3, retryAfterSeconds = 1 }, statusCode: 429);
            }

            return body.RootElement.GetProperty("password").GetString() == Password
                && body.RootElement.GetProperty("school").GetString() == School
                ? HttpResults.Json(new { token = "sbses_" + n })
                : HttpResults.Problem(statusCode: 401, title: "Sign-in failed");
        });

        foreach (var code in _behaviour.Schools)
        {
            MapSchool(app, code);
        }
    }

    private void MapSchool(WebApplication app, string code)
    {
        var delay = _behaviour.PageDelays.GetValueOrDefault(code);
        async Task Slow()
        {
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay);
            }
        }

        var school = app.MapGroup("/" + code);
        school.MapGet("/signin", (HttpContext context) =>
        {
            context.Response.Cookies.Append("sb_csrf", "csrf-cookie", new CookieOptions { Path = "/", HttpOnly = true });
            return Html($"""
                <form method="post"><input type="hidden" name="returnUrl" value="">
                <input id="username" name="username"><input id="password" name="password" type="password">
                <input name="__RequestVerificationToken" type="hidden" value="{FormToken}"><button>Aanmelden</button></form>
                """);
        });
        school.MapPost("/signin", async (HttpContext context) =>
        {
            var form = await context.Request.ReadFormAsync();
            if (form["__RequestVerificationToken"] != FormToken || !context.Request.Cookies.ContainsKey("sb_csrf"))
            {
                return HttpResults.BadRequest();
            }

            if (form["password"] != Password)
            {
                return HttpResults.Unauthorized();
            }

            context.Response.Cookies.Append("sb_session", "session-" + form["username"] + "-" + Guid.NewGuid().ToString("N"),
                new CookieOptions { Path = "/" + code, HttpOnly = true });
            return HttpResults.Redirect("/" + code + "/");
        });
        school.MapGet("/", async (HttpContext context) =>
        {
            await Slow();
            if (!context.Request.Cookies.TryGetValue("sb_session", out var session))
            {
                return HttpResults.Redirect("/" + code + "/signin?ReturnUrl=%2F" + code + "%2F");
            }

            // Each browser gets the waiting page on its first visit only, as an admission queue would.
            var visit = _todayVisits.AddOrUpdate(session + context.Connection.Id, 1, (_, n) => n + 1);
            if (_behaviour.WaitingPageSeconds is { } wait && visit == 1)
            {
                context.Response.Headers.RetryAfter = wait.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return HttpResults.Content("<p>Even geduld: je bent nummer 3.</p>", "text/html", statusCode: 503);
            }

            var task = _behaviour.Practice ? $"""<li><a href="/{code}/courses/c1/practice?set=s1">Tafels van 7</a></li>""" : "";
            return Html($"""<h1>Dag</h1><ul><li><a href="/{code}/courses/11111111-1111-1111-1111-111111111111">Wiskunde 1A</a></li>{task}</ul>""");
        });
        school.MapGet("/courses/{id}", async (string id) =>
        {
            await Slow();
            var n = Interlocked.Increment(ref _courseRequests);
            if (_behaviour.StallEveryNthCourse > 0 && n % _behaviour.StallEveryNthCourse == 0)
            {
                await Task.Delay(_behaviour.Stall);
            }

            var lesson = _behaviour.ForeignLesson is { } foreign ? $"""<a href="{foreign}">Les</a>"""
                : _behaviour.Lessons ? $"""<a href="/{code}/lessons/7">Les 1</a>""" : "";
            // Like Schoolbel's course page, with lessons comes the teacher's "new lesson" form.
            var newLesson = _behaviour.Lessons
                ? $"""<form method="post" action="/{code}/courses/{id}?handler=Lesson"><input name="__RequestVerificationToken" type="hidden" value="{FormToken}"><input name="title"></form>"""
                : "";
            return Html($"<h1>Wiskunde {id}</h1>{lesson}{newLesson}");
        });
        school.MapPost("/courses/{id}", async (HttpContext context, string id) =>
        {
            var form = await context.Request.ReadFormAsync();
            return context.Request.Query["handler"] == "Lesson" && form["__RequestVerificationToken"] == FormToken && form["title"].ToString().Length > 0
                ? HttpResults.Redirect($"/{code}/lessons/new-{Guid.NewGuid():N}")
                : HttpResults.BadRequest();
        });
        school.MapPost("/courses/{id}/upload", async (HttpContext context, string id) =>
        {
            var bytes = 0L;
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer)) > 0)
            {
                bytes += read;
            }

            Uploads.Enqueue((context.Request.Query["name"].ToString(), bytes, context.Request.Headers["X-CSRF-TOKEN"] == FormToken));
            return HttpResults.Json(new { id = Guid.NewGuid() }, statusCode: 201);
        });
        school.MapGet("/lessons/{id}", async (string id) =>
        {
            await Slow();
            return Html($"""
                <h1>Les {id}</h1><a href="/{code}/documents/3/v1">Cursus.pdf</a>
                <form class="upload" method="post" data-upload-url="/{code}/courses/c1/upload?lessonId={id}"><input name="__RequestVerificationToken" type="hidden" value="{FormToken}"></form>
                <form method="post" action="/{code}/lessons/{id}?handler=Schedule"><input name="publishAt" type="datetime-local">
                <label><input type="checkbox" name="classIds" value="1A" checked> 1A</label><label><input type="checkbox" name="classIds" value="1B"> 1B</label></form>
                """);
        });
        school.MapPost("/lessons/{id}", async (HttpContext context, string id) =>
        {
            var form = await context.Request.ReadFormAsync();
            if (context.Request.Query["handler"] != "Schedule" || form["__RequestVerificationToken"] != FormToken)
            {
                return HttpResults.BadRequest();
            }

            Publications.Enqueue([.. form["classIds"].Select(c => c!)]);
            return HttpResults.Redirect($"/{code}/lessons/{id}");
        });
        school.MapGet("/courses/{id}/practice", () =>
        {
            // Like Schoolbel's practice page: a question form with the attempt, the anti-forgery token
            // and the answer fields; the key stays here.
            var n = Interlocked.Increment(ref _questions);
            var attempt = "a" + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            _attempts[attempt] = true;
            var fields = n % 2 == 0
                ? """<label><input type="radio" name="values" value="x"> 36</label><label><input type="radio" name="values" value="y"> 42</label>"""
                : """<label>Antwoord <input name="values" id="answer" inputmode="decimal"></label>""";
            return Html($"""
                <p><a href="/{code}/courses/c1/exercises">Oefeningen</a></p>
                <form method="post" action="/{code}/courses/c1/practice?handler=Answer&amp;set=s1" class="stack question" id="question">
                <input type="hidden" name="attemptId" value="{attempt}"><p class="prompt">6 × 7 =</p>{fields}
                <button type="submit">Controleer</button><input name="__RequestVerificationToken" type="hidden" value="{FormToken}"></form>
                """);
        });
        school.MapPost("/courses/{id}/practice", async (HttpContext context) =>
        {
            var form = await context.Request.ReadFormAsync();
            if (context.Request.Query["handler"] != "Answer" || context.Request.Query["set"] != "s1" || form["__RequestVerificationToken"] != FormToken)
            {
                return HttpResults.BadRequest();
            }

            var attempt = form["attemptId"].ToString();
            var served = _attempts.TryRemove(attempt, out _);
            Answers.Enqueue((attempt, [.. form["values"].Select(v => v!)], served));
            return served ? Html("""<section id="feedback"><p>Nog niet juist.</p><a id="next" href="?set=s1">Volgende vraag</a></section>""") : HttpResults.Conflict();
        });
        school.MapGet("/documents/{id}/{version}", () => HttpResults.Bytes(new byte[_behaviour.DocumentBytes], "application/pdf"));
    }

    private static IResult Html(string body) => HttpResults.Content("<!doctype html><html><body>" + body + "</body></html>", "text/html; charset=utf-8");
}
