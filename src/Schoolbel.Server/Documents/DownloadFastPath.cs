using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Schoolbel.Server.Admission;
using Schoolbel.Server.Courses;
using Schoolbel.Server.HotReads;
using Schoolbel.Server.Lessons;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Documents;

/// <summary>
/// Document downloads (<c>GET|HEAD /{school}/documents/{item}[/versions/{version}]</c> with the
/// school cookie) answered before tenancy and routing, from what this node already holds: the
/// decrypted cookie (<see cref="SchoolCookieTickets"/>), the cached "session still open"
/// (<see cref="SessionStore.IsCachedActive"/>) and the hot-read entries that
/// <see cref="DocumentDownloads.FindAsync"/> fills, judged by the same rules
/// (<see cref="DocumentDownloads.MayServe"/>) on the same clock. That skips what a download cost
/// before: routing, the cookie handler (a decryption, and a scoped DbContext to check the
/// session), authorization, and the DbContext and services of the endpoint.
/// <para>
/// The request still goes through admission control (the very same middleware and limiter,
/// so downloads stay "normal" priority and are shed like everything else under overload), and
/// the security headers were set before. Anything this path is not sure of goes on to the full
/// pipeline unchanged, which decides and fills the caches: no or an undecryptable cookie, a
/// bearer token, a cookie of another school or due for renewal, a session not cached here or due
/// for its "last seen" write, any cache miss, and every refusal (so a 404 is always the full
/// path's). The fast path therefore never says no; it only says yes sooner.
/// </para>
/// </summary>
internal sealed class DownloadFastPath
{
    private readonly RequestDelegate _next;
    private readonly AdmissionMiddleware _admission;
    private readonly SchoolDirectory _directory;
    private readonly string? _domain;
    private readonly SchoolCookieTickets _tickets;
    private readonly IMemoryCache _sessions;
    private readonly BrownOut _brownOut;
    private readonly HotCache _cache;
    private readonly FastDocuments _documents;
    private readonly DownloadResponder _responder;
    private readonly DownloadFastPathCounters _counters;
    private readonly TimeProvider _time;
    private readonly bool _enabled;

    public DownloadFastPath(
        RequestDelegate next,
        IServiceProvider services,
        SchoolDirectory directory,
        IOptions<TenancyOptions> tenancy,
        SchoolCookieTickets tickets,
        IMemoryCache sessions,
        BrownOut brownOut,
        HotCache cache,
        FastDocuments documents,
        DownloadResponder responder,
        DownloadFastPathCounters counters,
        IOptions<DownloadOptions> options,
        TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _next = next;
        // Our own instance of the admission middleware, in front of the answer instead of the
        // rest of the pipeline; its limiter, budgets and waiting room are the shared singletons.
        _admission = ActivatorUtilities.CreateInstance<AdmissionMiddleware>(services, (RequestDelegate)SendAsync);
        ArgumentNullException.ThrowIfNull(tenancy);
        _directory = directory;
        _domain = string.IsNullOrEmpty(tenancy.Value.Domain) ? null : "." + tenancy.Value.Domain;
        _tickets = tickets;
        _sessions = sessions;
        _brownOut = brownOut;
        _cache = cache;
        _documents = documents;
        _responder = responder;
        _counters = counters;
        _time = time;
        _enabled = options.Value.FastPath;
    }

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (!_enabled
            || !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
            || request.Headers.Authorization.Count > 0
            || !TrySplitSchool(request, out var code, out var rest)
            || !TryParse(rest, out var itemId, out var versionId))
        {
            return _next(context);
        }

        return TryServeAsync(context, code, itemId, versionId);
    }

    /// <summary>
    /// The school code and the path inside the school, read as <see cref="TenancyMiddleware"/>
    /// reads them (which runs after this and decides everything this path leaves alone): the
    /// host name <c>{code}.{domain}</c> when a domain is set, else the first path segment.
    /// </summary>
    private bool TrySplitSchool(HttpRequest request, out string code, out PathString rest)
    {
        var path = request.Path.Value ?? "/";
        if (_domain is not null)
        {
            var host = request.Host.Host;
            code = host.EndsWith(_domain, StringComparison.OrdinalIgnoreCase) ? host[..^_domain.Length].ToLowerInvariant() : "";
            rest = new PathString(path);
            return code.Length > 0;
        }

        var segmentEnd = path.IndexOf('/', 1);
        code = segmentEnd > 1 ? path[1..segmentEnd] : "";
        rest = segmentEnd > 1 ? new PathString(path[segmentEnd..]) : default;
        return code.Length > 0;
    }

    /// <summary>
    /// <c>/documents/{guid}</c> or <c>/documents/{guid}/versions/{guid}</c> (the path after the
    /// school prefix), as the endpoints' routes match them; anything else is not ours.
    /// </summary>
    internal static bool TryParse(PathString path, out Guid itemId, out Guid? versionId)
    {
        itemId = Guid.Empty;
        versionId = null;
        var rest = path.Value.AsSpan();
        const string documents = "/documents/";
        if (!rest.StartsWith(documents, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        rest = rest[documents.Length..];
        var slash = rest.IndexOf('/');
        if (!Guid.TryParse(slash < 0 ? rest : rest[..slash], out itemId))
        {
            return false;
        }

        if (slash < 0)
        {
            return true;
        }

        rest = rest[slash..];
        const string versions = "/versions/";
        if (!rest.StartsWith(versions, StringComparison.OrdinalIgnoreCase) || !Guid.TryParse(rest[versions.Length..], out var version))
        {
            return false;
        }

        versionId = version;
        return true;
    }

    private async Task TryServeAsync(HttpContext context, string code, Guid itemId, Guid? versionId)
    {
        // Platform segments (api, health, …) are never school codes, so they find nothing here.
        if (await _directory.FindByCodeAsync(code, context.RequestAborted) is not { } found)
        {
            await _next(context);
            return;
        }

        var school = found.Id;
        var now = _time.GetUtcNow();
        var ticket = _tickets.Find(context);
        // As CookieSessions.ValidateAsync and the SchoolMember policy: this school's cookie, session still open.
        var target = ticket is not null && ticket.SchoolId == school && ticket.IsQuietAt(now, _tickets.SlidingExpiration)
            && SessionStore.IsCachedActive(_sessions, ticket.SessionId, now.UtcDateTime, _brownOut.IsActive)
                ? await FindCachedAsync(school, itemId, versionId, ticket.PersonId, ticket.Role, now)
                : null;
        if (target is null)
        {
            _counters.CountFallback();
            await _next(context);
            return;
        }

        context.User = ticket!.Principal;
        context.Features.Set(new FastDownload(target, Versioned: versionId is not null));
        // A scope of our own: the request's services (and their DI scope) are never created on
        // this path. Admission only reads the school from it.
        var scope = new SchoolScope();
        scope.Enter(found);
        await _admission.InvokeAsync(context, scope);
    }

    /// <summary>Runs once admission let the request in.</summary>
    private Task SendAsync(HttpContext context)
    {
        var download = context.Features.Get<FastDownload>()!;
        _counters.CountServed();
        return _responder.WriteAsync(context, download.Target, download.Versioned);
    }

    /// <summary>
    /// <see cref="DocumentDownloads.FindAsync"/> over cached entries only: null when it would
    /// refuse, or when any entry it needs is not on this node (then the full path loads it).
    /// The document's part is shared by everyone (<see cref="FastDocuments"/>); what depends on
    /// the person is read for each download.
    /// </summary>
    private async ValueTask<DownloadTarget?> FindCachedAsync(Guid school, Guid itemId, Guid? versionId, Guid personId, PersonRole role, DateTimeOffset now)
    {
        if (await _documents.FindAsync(school, itemId, versionId, now) is not { } document)
        {
            return null;
        }

        var course = document.Course;
        var viewer = (await _cache.PeekAsync<CourseViewer>(HotKinds.Viewer, CourseAccess.ViewerKey(school, course, personId, role), [HotTags.Directory(school)]))?.Value;
        if (viewer is null)
        {
            return null;
        }

        var item = document.Item;
        var lesson = DocumentDownloads.NeedsLesson(item, viewer)
            ? (await _cache.PeekAsync<LessonContent>(HotKinds.Lesson, LessonPlanner.LessonKey(school, course, item.LessonId!.Value), document.Tags))?.Value
            : null;
        return DocumentDownloads.MayServe(item, viewer, lesson, now.UtcDateTime) ? document.Target : null;
    }

    private sealed record FastDownload(DownloadTarget Target, bool Versioned);
}

/// <summary>How many downloads the fast path answered, and how many it left to the full path (tests, diagnosis).</summary>
internal sealed class DownloadFastPathCounters
{
    private long _served;
    private long _fellBack;

    public long Served => Interlocked.Read(ref _served);

    public long FellBack => Interlocked.Read(ref _fellBack);

    public void CountServed() => Interlocked.Increment(ref _served);

    public void CountFallback() => Interlocked.Increment(ref _fellBack);
}
