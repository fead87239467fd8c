using System.Net;
using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Schoolbel.Server.Data;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests;

/// <summary>
/// Walks every endpoint the app maps (so endpoints added later are covered without touching
/// this test) and attacks school A with the admin of school B: B's session sent to A's pages,
/// A's ids under B's pages, and A's ids through B's API token. Nothing of A may come back,
/// and nothing of A may change.
/// </summary>
public sealed class TenantIsolationTests(SharedApps apps)
{
    /// <summary>
    /// Endpoints anyone may call. A new anonymous endpoint fails this test until it is added
    /// here, on purpose: someone must decide that it is safe without a user.
    /// </summary>
    private static readonly string[] AnonymousAllowed =
    [
        "/health/live", "/health/ready", "/openapi/{documentName}.json", "/scalar",
        "/welcome", "/language", "/signin", "/signout", "/forbidden", "/ops/signin", "/ops/signout",
        "/api/v1/sessions", "/qr/{code}", "/signin/two-factor", "/password/forgot", "/password/reset/{token}",
        // Starts and finishes sign-in with the school's identity provider; matches existing people only.
        "/signin/external",
        // Prometheus scrapes: allowed by address or scrape token (MetricsAccess), never by a user.
        "/metrics",
        // Calendar apps cannot sign in: the secret in the URL is the key (stored as a hash, revocable),
        // and it only ever finds a feed of the school in the URL.
        "/calendar/{token}.ics",
    ];

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task No_endpoint_lets_one_school_reach_another(string provider)
    {
        var app = await apps.GetAsync(provider);
        var victim = await TestSchool.CreateAsync(app);
        var attacker = await TestSchool.CreateAsync(app);
        var victimToken = await CreateTokenIdAsync(victim);
        var victimSession = await CreateSessionIdAsync(victim);
        var victimContent = await DocumentsSamples.CreateAsync(victim);
        var victimPlanner = await PlannerSamples.CreateAsync(victim);
        var victimWork = await AssignmentsSamples.CreateAsync(victim);
        var victimMessages = await MessagesSamples.CreateAsync(victim);
        var victimExerciseSet = await Exercises.ExerciseSamples.CreateSetAsync(victim);
        var before = await CountVictimRowsAsync(app, victim);
        var samples = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["personId"] = victim.Pupil.Id.ToString(),
            ["classId"] = victim.Class.Id.ToString(),
            ["courseId"] = victim.Course.Id.ToString(),
            ["tokenId"] = victimToken.ToString(),
            ["itemId"] = victimContent.ItemId.ToString(),
            ["versionId"] = victimContent.VersionId.ToString(),
            ["lessonId"] = victimContent.LessonId.ToString(),
            ["uploadId"] = victimContent.UploadId.ToString(),
            ["sessionId"] = victimSession.ToString(),
            ["plannerItemId"] = victimPlanner.PlannerItemId.ToString(),
            ["timetableSlotId"] = victimPlanner.TimetableSlotId.ToString(),
            ["assignmentId"] = victimWork.AssignmentId.ToString(),
            ["submissionId"] = victimWork.SubmissionId.ToString(),
            ["fileId"] = victimWork.FileId.ToString(),
            ["evaluationId"] = victimWork.EvaluationId.ToString(),
            ["messageId"] = victimMessages.MessageId.ToString(),
            ["attachmentId"] = victimMessages.AttachmentId.ToString(),
            ["notificationId"] = victimMessages.NotificationId.ToString(),
            ["setId"] = victimExerciseSet.ToString(),
        };
        var secrets = new[] { victim.Tag, victim.Id.ToString(), victim.Pupil.Id.ToString(), victim.Course.Id.ToString() };

        using var session = new PathlessCookieClient(app);
        await session.SignInAsync(attacker.Code, attacker.Admin.Username, TestSchool.Password);
        var api = await attacker.ApiClientAsync();
        var failures = new List<string>();
        var checkedEndpoints = 0;

        foreach (var endpoint in Endpoints(app))
        {
            var pattern = "/" + endpoint.RoutePattern.RawText!.TrimStart('/');
            if (endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
            {
                if (!AnonymousAllowed.Any(a => pattern == a || pattern.StartsWith(a + "/", StringComparison.Ordinal)))
                {
                    failures.Add($"{pattern} allows anonymous access but is not in the reviewed list.");
                }

                continue;
            }

            var missing = endpoint.RoutePattern.Parameters.Select(p => p.Name).Where(n => !samples.ContainsKey(n)).ToList();
            if (missing.Count > 0)
            {
                failures.Add($"{pattern}: give this test a sample value of the other school for {{{string.Join("}, {", missing)}}}.");
                continue;
            }

            var path = endpoint.RoutePattern.Parameters.Aggregate(pattern, (p, parameter) =>
                System.Text.RegularExpressions.Regex.Replace(p, "\\{" + parameter.Name + "[^}]*\\}", samples[parameter.Name]));
            var targetsVictim = endpoint.RoutePattern.Parameters.Count > 0;
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET", "POST"];
            checkedEndpoints++;

            foreach (var method in methods)
            {
                if (pattern.StartsWith("/api/", StringComparison.Ordinal))
                {
                    using var body = method is "POST" or "PUT" ? new StringContent("{}", Encoding.UTF8, "application/json") : null;
                    using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = body };
                    var response = await api.SendAsync(request);
                    await CheckAsync(failures, $"API {method} {path} with the other school's token", response, targetsVictim, secrets);
                }
                else if (pattern.StartsWith("/ops", StringComparison.Ordinal))
                {
                    var response = await session.SendAsync(new HttpMethod(method), path);
                    await CheckAsync(failures, $"{method} {path} with a school admin's cookie", response, mustFail: true, secrets);
                }
                else
                {
                    // B's session sent to A's URL: must count as not signed in there.
                    var intoVictim = await session.SendAsync(new HttpMethod(method), $"/{victim.Code}{path}", await FormAsync(session, method, $"/{attacker.Code}/"));
                    await CheckAsync(failures, $"{method} /{victim.Code}{path} with the other school's cookie", intoVictim, mustFail: true, secrets);

                    // A's ids under B's own URL: must not be found.
                    var withVictimIds = await session.SendAsync(new HttpMethod(method), $"/{attacker.Code}{path}", await FormAsync(session, method, $"/{attacker.Code}/"));
                    await CheckAsync(failures, $"{method} /{attacker.Code}{path} with the other school's ids", withVictimIds, targetsVictim, secrets);
                }
            }
        }

        Assert.True(checkedEndpoints >= 10, $"Only {checkedEndpoints} endpoints were found; is the endpoint list right?");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Equal(before, await CountVictimRowsAsync(app, victim));
    }

    private static IEnumerable<RouteEndpoint> Endpoints(SchoolbelApp app) =>
        app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is not null)
            .OrderBy(e => e.RoutePattern.RawText, StringComparer.Ordinal);

    private static async Task<HttpContent?> FormAsync(PathlessCookieClient session, string method, string pageUrl) =>
        method == "POST"
            ? new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = await session.AntiforgeryTokenAsync(pageUrl) })
            : null;

    private static async Task CheckAsync(List<string> failures, string what, HttpResponseMessage response, bool mustFail, string[] secrets)
    {
        var body = await response.Content.ReadAsStringAsync();
        var status = (int)response.StatusCode;
        var location = response.Headers.Location?.ToString() ?? "";
        var redirectsToSignIn = status == 302 && location.Contains("signin", StringComparison.Ordinal);
        if (mustFail && !(status is 400 or 401 or 403 or 404 or 405 or 415 || redirectsToSignIn))
        {
            failures.Add($"{what}: answered {status} {location}");
        }

        if (status >= 500)
        {
            failures.Add($"{what}: answered {status}");
        }

        // A sign-in redirect echoes the URL that was asked for; anything else must not mention the other school.
        var revealing = redirectsToSignIn ? body : body + location;
        foreach (var secret in secrets.Where(s => revealing.Contains(s, StringComparison.Ordinal)))
        {
            failures.Add($"{what}: the answer contains '{secret}' of the other school");
        }
    }

    private static async Task<Guid> CreateTokenIdAsync(TestSchool school)
    {
        using var scope = school.App.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<SchoolScope>().Enter(new SchoolInfo(school.Id, school.Code, school.School.Name, "nl"));
        var created = await scope.ServiceProvider.GetRequiredService<AccessTokens>().CreateAsync(school.Admin.Id, "victim", null, CancellationToken.None);
        return created.Value!.Id;
    }

    private static async Task<Guid> CreateSessionIdAsync(TestSchool school)
    {
        using var scope = school.App.Services.CreateScope();
        var session = await scope.ServiceProvider.GetRequiredService<SessionStore>().StartAsync(school.Pupil, true, "victim", "password", CancellationToken.None);
        return session.Id;
    }

    private static async Task<string> CountVictimRowsAsync(SchoolbelApp app, TestSchool victim)
    {
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
        var id = victim.Id;
        var people = await db.People.IgnoreQueryFilters().Where(p => p.SchoolId == id).Select(p => p.FirstName + p.LastName + p.Email + p.PasswordHash).ToListAsync();
        var classes = await db.Classes.IgnoreQueryFilters().Where(c => c.SchoolId == id).Select(c => c.Name + c.SchoolYear).ToListAsync();
        var courses = await db.Courses.IgnoreQueryFilters().Where(c => c.SchoolId == id).Select(c => c.Name).ToListAsync();
        var links = await db.ClassMemberships.IgnoreQueryFilters().CountAsync(m => m.SchoolId == id)
            + await db.CourseClasses.IgnoreQueryFilters().CountAsync(m => m.SchoolId == id)
            + await db.CourseTeachers.IgnoreQueryFilters().CountAsync(m => m.SchoolId == id)
            + await db.ParentLinks.IgnoreQueryFilters().CountAsync(m => m.SchoolId == id);
        var tokens = await db.AccessTokens.IgnoreQueryFilters().Where(t => t.SchoolId == id).Select(t => t.Name + t.RevokedAt).ToListAsync();
        tokens.AddRange(await db.Set<SignInSession>().IgnoreQueryFilters().Where(s => s.SchoolId == id).Select(s => s.Id + ":" + s.EndedAt).ToListAsync());
        tokens.Add(await MessagesSamples.StateAsync(db, id));
        return string.Join("|", people.Order(StringComparer.Ordinal)) + "#" + string.Join("|", classes) + "#" + string.Join("|", courses)
            + "#" + links + "#" + string.Join("|", tokens) + "#" + await AssignmentsSamples.FingerprintAsync(db, id);
    }
}
