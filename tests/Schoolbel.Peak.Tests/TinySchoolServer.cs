using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
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

    /// <summary>Whether the today page lists an assignment whose page has Schoolbel's hand-in form.</summary>
    public bool Assignments { get; init; }

    /// <summary>The receipt shows a SHA-256 other than that of the file received.</summary>
    public bool WrongReceiptHash { get; init; }

    /// <summary>The receipt leaves out the file table (and so every hash).</summary>
    public bool ReceiptWithoutFiles { get; init; }

    /// <summary>The first POST of each idempotency key answers 503 with Retry-After: 1 and stores nothing.</summary>
    public bool BusyFirstHandIn { get; init; }

    /// <summary>The first POST of each idempotency key stores the hand-in, then stalls for <see cref="Stall"/> before answering.</summary>
    public bool StallFirstHandIn { get; init; }

    /// <summary>Messages in each pupil's inbox, all unread at first (0: an empty inbox).</summary>
    public int Messages { get; init; }

    /// <summary>Opening a message marks it read in the list but the menu's unread count never drops.</summary>
    public bool StuckUnreadCounter { get; init; }

    /// <summary>
    /// The same pupil's other browser opens the newest unread message while the inbox page is
    /// built: after its list (which still shows it unread) and before its menu count (which no
    /// longer counts it).
    /// </summary>
    public bool ReadInAnotherBrowserMeanwhile { get; init; }

    /// <summary>
    /// When set, /metrics reports every password sign-in as a check that took this much CPU, as
    /// Schoolbel's Prometheus endpoint does (<c>schoolbel_signin_password_check_cpu_time_seconds</c>).
    /// </summary>
    public TimeSpan? HashCpuPerCheck { get; init; }

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
    private int _passwordChecks;

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
            Interlocked.Increment(ref _passwordChecks);
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

        if (_behaviour.HashCpuPerCheck is { } hash)
        {
            // As OpenTelemetry's exporter writes a histogram (buckets left out), with a second label set.
            app.MapGet("/metrics", () =>
            {
                var checks = Volatile.Read(ref _passwordChecks);
                return HttpResults.Text(string.Create(System.Globalization.CultureInfo.InvariantCulture, $$"""
                    # TYPE schoolbel_signin_password_check_cpu_time_seconds histogram
                    schoolbel_signin_password_check_cpu_time_seconds_sum{otel_scope_name="Schoolbel.SignIn"} {{checks * hash.TotalSeconds}} 1764500000000
                    schoolbel_signin_password_check_cpu_time_seconds_count{otel_scope_name="Schoolbel.SignIn"} {{checks}} 1764500000000
                    schoolbel_signin_password_check_cpu_time_seconds_sum{otel_scope_name="Schoolbel.SignIn",other="x"} 0 1764500000000
                    schoolbel_signin_password_check_cpu_time_seconds_count{otel_scope_name="Schoolbel.SignIn",other="x"} 0 1764500000000
                    schoolbel_signin_password_check_cpu_time_seconds_bucket{otel_scope_name="Schoolbel.SignIn",le="+Inf"} {{checks}} 1764500000000

                    """), "text/plain; version=0.0.4");
            });
        }

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

            Interlocked.Increment(ref _passwordChecks);
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
            // Like Schoolbel's today page: the menu links to all assignments, the list to each one.
            var assignment = _behaviour.Assignments
                ? $"""<li><a href="/{code}/assignments">Opdrachten</a></li><li><a href="/{code}/courses/c1/assignments/a1">Opdracht 1</a></li>"""
                : "";
            return Html($"""<h1>Dag</h1><ul><li><a href="/{code}/courses/11111111-1111-1111-1111-111111111111">Wiskunde 1A</a></li>{task}{assignment}</ul>""");
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
        MapAssignments(school, code);
        MapMessages(school, code);
        school.MapGet("/documents/{id}/{version}", () => HttpResults.Bytes(new byte[_behaviour.DocumentBytes], "application/pdf"));
    }

    /// <summary>Hand-ins received: the idempotency key, the SHA-256 of the file, its size, whether the token was right, and whether it was stored (not a replay or a refusal).</summary>
    public ConcurrentQueue<(string Key, string Sha256, long Bytes, bool TokenOk, bool Stored)> HandIns { get; } = new();

    // Stored hand-ins by idempotency key, and their receipts by submission id.
    private readonly ConcurrentDictionary<string, string> _submissionByKey = new();
    private readonly ConcurrentDictionary<string, (string Sha256, string FileName)> _receipts = new();
    private readonly ConcurrentDictionary<string, bool> _keysSeen = new();

    // Messages each user has read, by message number.
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<int, bool>> _read = new();

    /// <summary>The messages (by number) a user has opened.</summary>
    public IReadOnlyCollection<int> ReadMessages(string username) => _read.TryGetValue(username, out var read) ? [.. read.Keys] : [];

    private int ReadCount(string username) => _read.TryGetValue(username, out var read) ? read.Count : 0;

    private void MapAssignments(RouteGroupBuilder school, string code)
    {
        const string Page = "/courses/{course}/assignments/{assignment}";
        school.MapGet(Page, (string course, string assignment) => Html($"""
            <h1>Opdracht 1</h1>
            <form method="post" enctype="multipart/form-data" action="/{code}/courses/{course}/assignments/{assignment}?handler=Submit" id="submit-form">
            <input name="__RequestVerificationToken" type="hidden" value="{FormToken}"><input type="hidden" name="idempotencyKey" value="{Guid.NewGuid():N}">
            <textarea id="submit-text" name="text"></textarea><input type="file" id="submit-files" name="files" multiple><button type="submit">Indienen</button></form>
            """));
        school.MapPost(Page, async (HttpContext context, string course, string assignment) =>
        {
            var form = await context.Request.ReadFormAsync();
            var key = form["idempotencyKey"].ToString();
            var tokenOk = form["__RequestVerificationToken"] == FormToken;
            var file = form.Files.GetFile("files");
            var bytes = file is null ? [] : await ReadAllAsync(file);
            var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
            if (context.Request.Query["handler"] != "Submit" || !tokenOk || key.Length == 0 || file is null || form["text"].ToString().Length == 0)
            {
                HandIns.Enqueue((key, sha, bytes.Length, tokenOk, false));
                return HttpResults.BadRequest();
            }

            var first = _keysSeen.TryAdd(key, true);
            if (first && _behaviour.BusyFirstHandIn)
            {
                HandIns.Enqueue((key, sha, bytes.Length, tokenOk, false));
                context.Response.Headers.RetryAfter = "1";
                return HttpResults.Content("<p>Even geduld.</p>", "text/html", statusCode: 503);
            }

            var stored = false;
            var id = _submissionByKey.GetOrAdd(key, _ =>
            {
                stored = true;
                var submission = Guid.NewGuid().ToString("N");
                _receipts[submission] = (sha, file.FileName);
                return submission;
            });
            HandIns.Enqueue((key, sha, bytes.Length, tokenOk, stored));
            if (first && _behaviour.StallFirstHandIn)
            {
                // Stored, but the answer never reaches the pupil in time: only the key can prevent a second hand-in.
                try
                {
                    await Task.Delay(_behaviour.Stall, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    return HttpResults.Empty;
                }
            }

            context.Response.Headers.Location = $"/{code}/courses/{course}/assignments/{assignment}/submissions/{id}";
            return HttpResults.StatusCode(303);
        });
        school.MapGet(Page + "/submissions/{id}", (string id) =>
        {
            if (!_receipts.TryGetValue(id, out var receipt))
            {
                return HttpResults.NotFound();
            }

            var hash = _behaviour.WrongReceiptHash ? new string('0', 64) : receipt.Sha256;
            var files = _behaviour.ReceiptWithoutFiles ? "" : $"""
                <table class="grid" id="receipt-files"><tr><th>Bestand</th><th>SHA-256</th></tr>
                <tr><td>{receipt.FileName}</td><td class="hash"><code>{hash}</code></td></tr></table>
                """;
            return Html($"""<h1>Ontvangstbewijs</h1><div id="receipt"><dl><dt>Ontvangen op</dt><dd id="received">30/11 08:30 <small>(2026-11-30T07:30:00Z)</small></dd></dl>{files}</div>""");
        });
    }

    private void MapMessages(RouteGroupBuilder school, string code)
    {
        string Nav(string user)
        {
            var unread = _behaviour.StuckUnreadCounter ? _behaviour.Messages : _behaviour.Messages - ReadCount(user);
            var badge = unread > 0 ? $""" <span class="badge" aria-label="{unread} ongelezen">{unread}</span>""" : "";
            return $"""<nav><a href="/{code}/messages" id="nav-messages">Berichten{badge}</a><a href="/{code}/notifications" id="nav-notifications">Meldingen</a></nav>""";
        }

        school.MapGet("/messages", (HttpContext context) =>
        {
            var user = UserOf(context);
            var read = _read.GetOrAdd(user, _ => new());
            var items = string.Concat(Enumerable.Range(1, _behaviour.Messages).Reverse().Select(n =>
                $"""<li class="{(read.ContainsKey(n) ? "" : "unread")}"><a href="/{code}/messages/{n}"><strong>Bericht {n}</strong></a></li>"""));
            if (_behaviour.ReadInAnotherBrowserMeanwhile && Enumerable.Range(1, _behaviour.Messages).Reverse().FirstOrDefault(n => !read.ContainsKey(n)) is > 0 and var newest)
            {
                read[newest] = true;
            }

            return Html($"""{Nav(user)}<h1>Berichten</h1><nav><a href="/{code}/messages?box=sent">Verzonden</a></nav><ul class="messages">{items}</ul>""");
        });
        school.MapGet("/messages/{n:int}", (HttpContext context, int n) =>
        {
            var user = UserOf(context);
            if (n < 1 || n > _behaviour.Messages)
            {
                return HttpResults.NotFound();
            }

            _read.GetOrAdd(user, _ => new())[n] = true;
            return Html($"""{Nav(user)}<h1>Bericht {n}</h1><p>Tot morgen!</p>""");
        });
    }

    /// <summary>The username in a session cookie ("session-{username}-{random}").</summary>
    private static string UserOf(HttpContext context) =>
        context.Request.Cookies.TryGetValue("sb_session", out var session) && session.Split('-') is [_, var user, ..] ? user : "";

    private static async Task<byte[]> ReadAllAsync(IFormFile file)
    {
        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    private static IResult Html(string body) => HttpResults.Content("<!doctype html><html><body>" + body + "</body></html>", "text/html; charset=utf-8");
}
