using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Schoolbel.Server.Admission;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Planner;

/// <summary>The planner (schoolagenda): its services, its API under /api/v1 and the calendar feed.</summary>
internal static class PlannerEndpoints
{
    /// <summary>The feed's path inside a school; the token is the only credential.</summary>
    public const string FeedRoute = "/calendar/{token}.ics";

    /// <summary>Calendar apps poll far less often than this; a browser or app re-asks with If-None-Match after it.</summary>
    public const string FeedCacheControl = "private, max-age=300";

    public static IServiceCollection AddSchoolbelPlanner(this IServiceCollection services)
    {
        services.AddScoped<PlannerWeeks>();
        services.AddScoped<PlannerItems>();
        services.AddScoped<Timetables>();
        services.AddScoped<CalendarFeeds>();

        // The sources of planner entries, asked in this order. Another feature adds its own with one line.
        services.AddScoped<IPlannerSource, TimetablePlannerSource>();
        services.AddScoped<IPlannerSource, PlannerItemsSource>();
        services.AddScoped<IPlannerSource, PublishedLessonsSource>();
        return services;
    }

    /// <summary>The calendar feed: anonymous (the secret URL is the key), per school, and background work for admission control.</summary>
    public static void MapSchoolbelPlanner(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet(FeedRoute, Feed)
            .AllowAnonymous()
            .WithMetadata(new SchoolEndpointAttribute(), new AdmissionPriorityAttribute(RequestPriority.Sheddable))
            .ExcludeFromDescription();

    public static void MapPlannerApi(this IEndpointRouteBuilder api)
    {
        var planner = api.MapGroup("/planner").WithTags("Planner");
        planner.MapGet("/week", Week)
            .WithSummary("A week of the planner (Monday to Sunday around date; default this week, on weekends the coming one): timetable lessons, homework, tests, things to bring and published lessons. "
                + "Pupils: their own; parents: a child (pupilId, default the first); teachers: their courses, or one of their classes (classId).");
        planner.MapGet("/items/{plannerItemId:guid}", GetItem).WithSummary("A homework, test or bring item (teachers of its course).");
        planner.MapPost("/items", CreateItem).WithSummary("Add homework, a test or something to bring (kind Homework, Test or Bring) for a class of a course you teach, on a day (yyyy-MM-dd).");
        planner.MapPut("/items/{plannerItemId:guid}", UpdateItem).WithSummary("Change a planner item.");
        planner.MapDelete("/items/{plannerItemId:guid}", DeleteItem).WithSummary("Remove a planner item.");
        planner.MapPost("/feed", RenewFeed)
            .WithSummary("Make a new secret iCalendar feed URL for the caller (shown only in this answer); the previous URL stops working.");
        planner.MapDelete("/feed", RevokeFeed).WithSummary("Revoke the caller's iCalendar feed URL.");

        var timetable = api.MapGroup("/timetable").WithTags("Timetable").RequireAuthorization(SchoolbelPolicies.ApiAdmin);
        timetable.MapGet("/classes/{classId:guid}", ClassTimetable).WithSummary("A class's weekly timetable.");
        timetable.MapPost("/slots", AddSlot).WithSummary("Add a lesson to a class's timetable: weekday (maandag or Monday or 1), start and end as 08:30 (school-local), courseId, room.");
        timetable.MapDelete("/slots/{timetableSlotId:guid}", DeleteSlot).WithSummary("Remove a lesson from a timetable.");
        timetable.MapPost("/import", Import)
            .Accepts<string>("text/csv")
            .WithMetadata(new RequestSizeLimitAttribute(Timetables.MaxBytes))
            .WithSummary("Import timetables from CSV (columns class, weekday, start, end, course, room). All or nothing; each class in the file gets exactly the file's lessons.");
    }

    private static async Task<IResult> Feed(HttpContext context, string token, CalendarFeeds feeds, CancellationToken ct)
    {
        var request = context.Request;
        var document = await feeds.RenderAsync(token, $"{request.Scheme}://{request.Host}{request.PathBase}", ct);
        if (document is null)
        {
            return TypedResults.NotFound();
        }

        var headers = context.Response.Headers;
        headers.CacheControl = FeedCacheControl;
        headers.ETag = document.ETag;
        if (request.Headers.IfNoneMatch.Any(v => v is not null && v.Contains(document.ETag, StringComparison.Ordinal)))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        return TypedResults.Text(document.Ics, "text/calendar; charset=utf-8");
    }

    private static async Task<Results<Ok<PlannerWeek>, NotFound>> Week(HttpContext context, DateOnly? date, Guid? pupilId, Guid? classId, PlannerWeeks weeks, CancellationToken ct)
    {
        var user = context.User;
        var subject = await weeks.SubjectAsync(user.PersonId(), user.Role() ?? PersonRole.Pupil, pupilId, classId, ct);
        return subject is null ? TypedResults.NotFound() : TypedResults.Ok(await weeks.WeekAsync(subject.Audience, date ?? weeks.DefaultDay, ct));
    }

    private static async Task<Results<Ok<PlannerItemView>, NotFound>> GetItem(HttpContext context, Guid plannerItemId, PlannerItems items, CancellationToken ct) =>
        await items.GetAsync(plannerItemId, context.User.PersonId(), context.User.Role() ?? PersonRole.Pupil, ct) is { } item
            ? TypedResults.Ok(item)
            : TypedResults.NotFound();

    private static async Task<Results<Created<PlannerItemView>, ValidationProblem, ForbidHttpResult>> CreateItem(HttpContext context, PlannerItemInput input, PlannerItems items, CancellationToken ct)
    {
        if (context.User.Role() is not (PersonRole.Teacher or PersonRole.SchoolAdmin))
        {
            return TypedResults.Forbid();
        }

        var outcome = await items.CreateAsync(input, context.User.PersonId(), context.User.Role() ?? PersonRole.Pupil, ct);
        return outcome.Succeeded
            ? TypedResults.Created($"/api/v1/planner/items/{outcome.Value!.Id}", outcome.Value)
            : TypedResults.ValidationProblem(outcome.Errors!.ToDictionary());
    }

    private static async Task<Results<Ok<PlannerItemView>, ValidationProblem, NotFound>> UpdateItem(
        HttpContext context, Guid plannerItemId, PlannerItemInput input, PlannerItems items, CancellationToken ct)
    {
        var outcome = await items.UpdateAsync(plannerItemId, input, context.User.PersonId(), context.User.Role() ?? PersonRole.Pupil, ct);
        if (outcome is null)
        {
            return TypedResults.NotFound();
        }

        return outcome.Value.Succeeded ? TypedResults.Ok(outcome.Value.Value!) : TypedResults.ValidationProblem(outcome.Value.Errors!.ToDictionary());
    }

    private static async Task<Results<NoContent, NotFound>> DeleteItem(HttpContext context, Guid plannerItemId, PlannerItems items, CancellationToken ct) =>
        await items.DeleteAsync(plannerItemId, context.User.PersonId(), context.User.Role() ?? PersonRole.Pupil, ct) ? TypedResults.NoContent() : TypedResults.NotFound();

    private static async Task<Ok<CalendarFeedCreated>> RenewFeed(HttpContext context, CalendarFeeds feeds, SchoolScope scope, IOptions<TenancyOptions> tenancy, CancellationToken ct)
    {
        var token = await feeds.RenewAsync(context.User.PersonId(), ct);
        return TypedResults.Ok(new CalendarFeedCreated(FeedUrl(context.Request, scope.School!.Code, tenancy.Value.Domain, token)));
    }

    private static async Task<Results<NoContent, NotFound>> RevokeFeed(HttpContext context, CalendarFeeds feeds, CancellationToken ct) =>
        await feeds.RevokeAsync(context.User.PersonId(), ct) ? TypedResults.NoContent() : TypedResults.NotFound();

    private static async Task<Results<Ok<ClassTimetable>, NotFound>> ClassTimetable(Guid classId, Timetables timetables, CancellationToken ct) =>
        await timetables.ForClassAsync(classId, ct) is { } found ? TypedResults.Ok(found) : TypedResults.NotFound();

    private static async Task<Results<Created<TimetableSlotView>, ValidationProblem>> AddSlot(TimetableSlotInput input, Timetables timetables, CancellationToken ct)
    {
        var outcome = await timetables.AddAsync(input, ct);
        return outcome.Succeeded
            ? TypedResults.Created($"/api/v1/timetable/classes/{outcome.Value!.ClassId}", outcome.Value)
            : TypedResults.ValidationProblem(outcome.Errors!.ToDictionary());
    }

    private static async Task<Results<NoContent, NotFound>> DeleteSlot(Guid timetableSlotId, Timetables timetables, CancellationToken ct) =>
        await timetables.DeleteAsync(timetableSlotId, ct) ? TypedResults.NoContent() : TypedResults.NotFound();

    private static async Task<Results<Ok<TimetableImportSummary>, ProblemHttpResult>> Import(HttpRequest request, Timetables timetables, CancellationToken ct)
    {
        // Refuse early on the declared size; Kestrel also stops a longer chunked body at the limit.
        if (request.ContentLength > Timetables.MaxBytes)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status413PayloadTooLarge,
                title: "The CSV file is too large",
                detail: $"A CSV file may be at most {Timetables.MaxBytes / (1024 * 1024)} MB.");
        }

        var result = await timetables.ImportAsync(request.Body, ct);
        if (result.Succeeded)
        {
            return TypedResults.Ok(result.Summary!);
        }

        var first = result.Errors[0];
        return TypedResults.Problem(
            statusCode: StatusCodes.Status400BadRequest,
            title: "The CSV file was not imported",
            detail: $"Line {first.Line}{(first.Column is null ? "" : ", " + first.Column)}: {first.Message} Nothing of this file was stored.",
            extensions: new Dictionary<string, object?> { ["errors"] = result.Errors });
    }

    /// <summary>The feed's absolute URL: under the school's host name or path prefix, as the school is reached.</summary>
    public static string FeedUrl(HttpRequest request, string schoolCode, string? domain, string token)
    {
        ArgumentNullException.ThrowIfNull(request);
        var path = FeedRoute.Replace("{token}", token, StringComparison.Ordinal);
        if (!string.IsNullOrEmpty(domain))
        {
            var port = request.Host.Port is { } p ? ":" + p.ToString(System.Globalization.CultureInfo.InvariantCulture) : "";
            return $"{request.Scheme}://{schoolCode}.{domain}{port}{path}";
        }

        return $"{request.Scheme}://{request.Host}/{schoolCode}{path}";
    }
}

public sealed record CalendarFeedCreated(string Url);
