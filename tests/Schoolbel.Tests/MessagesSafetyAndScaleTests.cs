using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Schoolbel.Server.Courses;
using Schoolbel.Server.Data;
using Schoolbel.Server.Messages;
using Schoolbel.Server.Notifications;
using Schoolbel.Server.People;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests;

public sealed class MessagesSafetyAndScaleTests(SharedApps apps)
{
    /// <summary>Classic XSS payloads, raw and inside Markdown constructs.</summary>
    public static readonly string[] XssPayloads =
    [
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
        "<img src=x onerror=alert(1)>",
        "<body onload=alert(1)>",
        "<svg onload=alert(1)>",
        "<svg><script>alert(1)</script></svg>",
        "<a href=\"javascript:alert(1)\">klik</a>",
        "[klik](javascript:alert(1))",
        "[klik](JaVaScRiPt:alert(1))",
        "[klik](  javascript:alert(1))",
        "[klik](vbscript:msgbox(1))",
        "![x](javascript:alert(1))",
        "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
        "<iframe src=\"https://evil.example\"></iframe>",
        "<object data=\"x.swf\"></object><embed src=\"x.swf\">",
        "<div style=\"background:url(javascript:alert(1))\">x</div>",
        "<p style=\"width: expression(alert(1))\">x</p>",
        "<style>body{background:url(javascript:alert(1))}</style>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "<form action=javascript:alert(1)><input type=submit></form>",
        "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
        "<details open ontoggle=alert(1)>",
        "\"><img src=x onerror=alert(1)>",
        "<a href=\"&#106;avascript:alert(1)\">x</a>",
        "[x](&#106;avascript:alert(1))",
        "<<script>script>alert(1)<</script>/script>",
        "<base href=\"javascript:alert(1)//\">",
        "<link rel=stylesheet href=javascript:alert(1)>",
    ];

    private static readonly string[] DangerousElements = ["script", "iframe", "object", "embed", "svg", "math", "style", "form", "input", "meta", "base", "link", "details", "body"];

    [Fact]
    public void Every_payload_renders_without_script_capable_html()
    {
        foreach (var payload in XssPayloads)
        {
            AssertSafe(payload, MessageBody.ToHtml(payload));
            AssertSafe(payload, MessageBody.ToHtml("Tekst **vet**\n\n" + payload + "\n\n- lijst"));
        }

        // Ordinary Markdown still works.
        var html = MessageBody.ToHtml("**vet** en [Smartschool-alternatief](https://schoolbel.be) en <b>geen html</b>");
        Assert.Contains("<strong>vet</strong>", html, StringComparison.Ordinal);
        Assert.Contains("href=\"https://schoolbel.be\"", html, StringComparison.Ordinal);
        Assert.Contains("&lt;b&gt;geen html&lt;/b&gt;", html, StringComparison.Ordinal);
    }

    private static void AssertSafe(string payload, string html)
    {
        var document = new HtmlParser().ParseDocument("<!doctype html><html><body><div id=\"root\">" + html + "</div></body></html>");
        var root = document.GetElementById("root")!;
        foreach (var element in root.QuerySelectorAll("*"))
        {
            var name = element.LocalName;
            Assert.False(DangerousElements.Contains(name, StringComparer.OrdinalIgnoreCase), $"<{name}> survived from: {payload}\n{html}");
            foreach (var attribute in element.Attributes)
            {
                Assert.False(attribute.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase), $"{attribute.Name} survived from: {payload}\n{html}");
                Assert.False(attribute.Name.Equals("style", StringComparison.OrdinalIgnoreCase), $"style survived from: {payload}\n{html}");
                if (attribute.Name is "href" or "src" or "action" or "formaction" or "xlink:href" or "srcset" or "poster")
                {
                    var value = new string(attribute.Value.Where(c => !char.IsWhiteSpace(c) && !char.IsControl(c)).ToArray()).ToLowerInvariant();
                    Assert.False(value.StartsWith("javascript:", StringComparison.Ordinal) || value.StartsWith("vbscript:", StringComparison.Ordinal)
                        || value.StartsWith("data:", StringComparison.Ordinal), $"{attribute.Name}={attribute.Value} survived from: {payload}\n{html}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Payloads_sent_as_messages_come_back_sanitized_in_the_api_and_the_page(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        await MessagesKit.QuietHoursOffAsync(school);
        var teacher = await school.ApiClientForAsync(school.Teacher);
        var pupil = await school.ApiClientForAsync(school.Pupil);
        var web = await school.SignInAsync(school.Pupil);
        foreach (var payload in XssPayloads)
        {
            var id = await MessagesKit.SentIdAsync(await MessagesKit.SendAsync(teacher, new { personIds = new[] { school.Pupil.Id } }, payload, payload));
            var details = await pupil.GetFromJsonAsync<JsonElement>($"/api/v1/messages/{id}");
            AssertSafe(payload, details.GetProperty("bodyHtml").GetString()!);

            // The page shows the subject encoded and the body sanitized.
            var page = await web.GetStringAsync($"/{school.Code}/messages/{id}");
            var document = new HtmlParser().ParseDocument(page);
            var body = document.QuerySelector(".message-body")!;
            AssertSafe(payload, body.InnerHtml);
            Assert.Equal(payload, document.QuerySelector("main h1")!.TextContent);
            Assert.Empty(document.QuerySelectorAll("main script"));
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task A_message_to_1000_pupils_is_one_message_and_1001_rows_written_well_under_a_second(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        await MessagesKit.QuietHoursOffAsync(school);
        var bigClass = await FanOut.AddClassAsync(app, school.Id, "1000", 1000);
        var teacher = await school.ApiClientForAsync(school.Teacher);

        // Once to warm up (JIT, query compilation, connection pool), then measured.
        await MessagesKit.SentIdAsync(await MessagesKit.SendAsync(teacher, new { classIds = new[] { bigClass } }, "Opwarmen"));
        var stopwatch = Stopwatch.StartNew();
        var id = await MessagesKit.SentIdAsync(await MessagesKit.SendAsync(teacher, new { classIds = new[] { bigClass } }, "Aan 1000 leerlingen", "Morgen geen school."));
        stopwatch.Stop();
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(1), $"Sending to 1,000 took {stopwatch.Elapsed.TotalMilliseconds:0} ms on {provider}.");

        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
        Assert.Equal(1, await db.Set<Message>().IgnoreQueryFilters().CountAsync(m => m.Id == id));
        Assert.Equal(1001, await db.Set<MailboxEntry>().IgnoreQueryFilters().CountAsync(e => e.MessageId == id));
        var pupils = db.ClassMemberships.IgnoreQueryFilters().Where(m => m.ClassId == bigClass).Select(m => m.PupilId);
        // Both messages counted for every pupil, by the counter rows alone.
        Assert.Equal(1000, await db.Set<UnreadCounter>().IgnoreQueryFilters().CountAsync(c => pupils.Contains(c.PersonId) && c.Messages == 2));
    }
}

/// <summary>Bulk test data for fan-out: a class with many pupils, written in one go.</summary>
internal static class FanOut
{
    public static async Task<Guid> AddClassAsync(SchoolbelApp app, Guid schoolId, string name, int pupils)
    {
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
        var schoolClass = new SchoolClass { SchoolId = schoolId, Name = name, SchoolYear = ClassesAdmin.SchoolYearOf(DateTimeOffset.UtcNow) };
        db.Classes.Add(schoolClass);
        for (var i = 0; i < pupils; i++)
        {
            var pupil = new Person
            {
                SchoolId = schoolId,
                Username = $"fan{name}-{i:0000}-{Guid.NewGuid():N}"[..40],
                FirstName = "Leerling",
                LastName = i.ToString("0000", System.Globalization.CultureInfo.InvariantCulture),
                Role = PersonRole.Pupil,
                CreatedAt = DateTime.UtcNow,
            };
            db.People.Add(pupil);
            db.ClassMemberships.Add(new ClassMembership { SchoolId = schoolId, ClassId = schoolClass.Id, PupilId = pupil.Id });
        }

        await db.SaveChangesAsync();
        return schoolClass.Id;
    }
}
