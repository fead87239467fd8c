using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Schoolbel.Server.Admission;
using Schoolbel.Server.Jobs;
using Schoolbel.Server.Messages;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Notifications;

/// <summary>Notifications, unread counts, preferences, push subscriptions and announcements under /api/v1, and the push subscription for pages.</summary>
internal static class NotificationsEndpoints
{
    public static IServiceCollection AddSchoolbelNotifications(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<NotificationsOptions>().Bind(configuration.GetSection(NotificationsOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => o.DeliveryInterval > TimeSpan.Zero, "Notifications:DeliveryInterval must be positive.")
            .Validate(o => string.IsNullOrEmpty(o.PushPublicKey) == string.IsNullOrEmpty(o.PushPrivateKey), "Notifications:PushPublicKey and PushPrivateKey go together.")
            .Validate(o => o.PublicUrl is null || Uri.TryCreate(o.PublicUrl, UriKind.Absolute, out _), "Notifications:PublicUrl must be an absolute URL.")
            .ValidateOnStart();
        services.AddMemoryCache();
        services.AddScoped<UnreadCounters>();
        services.AddSingleton<UnreadCounterGenerations>();
        services.AddScoped<Notifier>();
        services.AddScoped<NotificationCenter>();
        // The delivery job sends pushes one after another: a push service that hangs must not hold the round for long.
        services.AddHttpClient(PushSender.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(30))
            .AddHttpMessageHandler(sp => new VapidAudienceHandler(sp.GetRequiredService<PushSender>()));
        services.AddSingleton<PushSender>();
        services.AddSingleton<DeliveryJob>();
        services.AddSingleton<IJobHandler, DeliveryRoundHandler>();
        services.AddSingleton(sp => new RecurringJob(DeliveryRoundHandler.JobKind, sp.GetRequiredService<IOptions<NotificationsOptions>>().Value.DeliveryInterval));
        return services;
    }

    /// <summary>Page-side: the browser's push subscription (anti-forgery token in the X-CSRF-TOKEN header).</summary>
    public static void MapSchoolbelNotifications(this IEndpointRouteBuilder endpoints)
    {
        var pages = endpoints.MapGroup("").WithMetadata(new SchoolEndpointAttribute()).RequireAuthorization(SchoolbelPolicies.SchoolMember).ExcludeFromDescription();
        pages.MapPost("/push/subscriptions", SubscribeFromPage);
    }

    public static void MapNotificationsApi(this IEndpointRouteBuilder api)
    {
        var notifications = api.MapGroup("/notifications").WithTags("Notifications");
        notifications.MapGet("/", async (HttpContext c, int? page, NotificationCenter center, CancellationToken ct) => TypedResults.Ok(await center.ListAsync(c.User.PersonId(), page ?? 1, ct)))
            .WithSummary("The caller's notifications (grades, digests, messages, announcements), newest first, 50 a page.");
        notifications.MapPut("/{notificationId:guid}/read", MarkRead).WithSummary("Mark a notification read.");
        notifications.MapPost("/read", async (HttpContext c, NotificationCenter center, CancellationToken ct) =>
        {
            await center.MarkAllReadAsync(c.User.PersonId(), ct);
            return TypedResults.NoContent();
        }).WithSummary("Mark all notifications read.");

        api.MapGet("/unread", Unread).WithTags("Notifications")
            // A counter nobody waits for: the first thing to go when the server is overloaded.
            .WithMetadata(new AdmissionPriorityAttribute(RequestPriority.Sheddable))
            .WithSummary("Unread messages and notifications (cached counters; during overload the last known value or 503).");

        var preferences = api.MapGroup("/notification-preferences").WithTags("Notifications");
        preferences.MapGet("/", async (HttpContext c, NotificationCenter center, CancellationToken ct) => TypedResults.Ok(await center.PreferencesAsync(c.User.PersonId(), ct)))
            .WithSummary("E-mail and push on or off, and the grade digest (Off, Daily, Weekly).");
        preferences.MapPut("/", PutPreferences).WithSummary("Change e-mail, push or the grade digest; left out: unchanged.");

        api.MapPost("/push-subscriptions", async (HttpContext c, PushSubscriptionInput input, NotificationCenter center, CancellationToken ct) =>
            ToResult(await center.SubscribeAsync(c.User.PersonId(), input, ct)))
            .WithTags("Notifications").WithSummary("Register a browser's Push API subscription (endpoint and keys p256dh, auth).");

        var announcements = api.MapGroup("/announcements").WithTags("Announcements");
        announcements.MapGet("/", async (NotificationCenter center, CancellationToken ct) => TypedResults.Ok(await center.CurrentAsync(ct)))
            .WithSummary("The school's announcements on show now.");
        announcements.MapPost("/", Announce).WithSummary("Post an announcement on everyone's today page (staff), shown for days (1 to 60, default 7).");
    }

    private static async Task<Results<Ok<UnreadCounts>, ProblemHttpResult>> Unread(HttpContext context, UnreadCounters counters, CancellationToken ct) =>
        await counters.GetAsync(context.User.PersonId(), ct) is { } counts
            ? TypedResults.Ok(counts)
            : TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Busy", detail: "Counters are paused while the server is busy; try again later.");

    private static async Task<Results<NoContent, NotFound>> MarkRead(HttpContext context, Guid notificationId, NotificationCenter center, CancellationToken ct) =>
        await center.MarkReadAsync(notificationId, context.User.PersonId(), ct) ? TypedResults.NoContent() : TypedResults.NotFound();

    private static async Task<Results<Ok<PreferencesView>, ValidationProblem>> PutPreferences(HttpContext context, PreferencesInput input, NotificationCenter center, CancellationToken ct)
    {
        var outcome = await center.SetPreferencesAsync(context.User.PersonId(), input, ct);
        return outcome.Succeeded ? TypedResults.Ok(outcome.Value!) : TypedResults.ValidationProblem(outcome.Errors!.ToDictionary());
    }

    private static async Task<Results<Created<AnnouncementView>, ValidationProblem, ForbidHttpResult>> Announce(HttpContext context, AnnouncementInput input, NotificationCenter center, CancellationToken ct)
    {
        if (!MessagingRules.IsStaff(context.User.Role() ?? People.PersonRole.Pupil))
        {
            return TypedResults.Forbid();
        }

        var outcome = await center.AnnounceAsync(context.User.PersonId(), input, ct);
        return outcome.Succeeded ? TypedResults.Created((string?)null, outcome.Value) : TypedResults.ValidationProblem(outcome.Errors!.ToDictionary());
    }

    private static async Task<IResult> SubscribeFromPage(HttpContext context, PushSubscriptionInput input, IAntiforgery antiforgery, NotificationCenter center, CancellationToken ct)
    {
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad request", detail: "The anti-forgery token is missing or invalid; reload the page.");
        }

        return ToResult(await center.SubscribeAsync(context.User.PersonId(), input, ct));
    }

    private static Results<NoContent, ValidationProblem> ToResult(Web.Outcome<bool> outcome) =>
        outcome.Succeeded ? TypedResults.NoContent() : TypedResults.ValidationProblem(outcome.Errors!.ToDictionary());
}
