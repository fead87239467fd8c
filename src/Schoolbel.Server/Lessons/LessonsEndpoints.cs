using Microsoft.AspNetCore.Http.HttpResults;
using Schoolbel.Server.Courses;
using Schoolbel.Server.People;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Lessons;

/// <summary>Lessons under /api/v1: build, schedule (publish ahead), read and mark done.</summary>
internal static class LessonsEndpoints
{
    public static IServiceCollection AddSchoolbelLessons(this IServiceCollection services) =>
        services.AddScoped<LessonPlanner>();

    public static void MapLessonsApi(this IEndpointRouteBuilder api)
    {
        var lessons = api.MapGroup("/courses/{courseId:guid}/lessons").WithTags("Lessons");
        lessons.MapGet("/", List).WithSummary("The course's lessons: all for its teachers, the published ones for pupils and parents.");
        lessons.MapPost("/", Create).WithSummary("Create a lesson (not yet published). Add items with lessonId on the links, notes and documents endpoints.");
        lessons.MapGet("/{lessonId:guid}", Get).WithSummary("A lesson with its ordered items; for teachers also each pupil's progress.");
        lessons.MapPut("/{lessonId:guid}/schedule", Schedule)
            .WithSummary("Publish a lesson now (publishAt null) or at a time, for some or all classes of the course. "
                + "With the school's spreading window on, each class gets its own minute before that time; the answer shows the exact times.");
        lessons.MapPut("/{lessonId:guid}/items/{itemId:guid}/done", (HttpContext c, Guid courseId, Guid lessonId, Guid itemId, CourseAccess a, LessonPlanner p, CancellationToken ct) => Mark(c, courseId, lessonId, itemId, true, a, p, ct))
            .WithSummary("A pupil marks an item done.");
        lessons.MapDelete("/{lessonId:guid}/items/{itemId:guid}/done", (HttpContext c, Guid courseId, Guid lessonId, Guid itemId, CourseAccess a, LessonPlanner p, CancellationToken ct) => Mark(c, courseId, lessonId, itemId, false, a, p, ct))
            .WithSummary("A pupil marks an item not done.");

        var settings = api.MapGroup("/lesson-settings").WithTags("Lessons").RequireAuthorization(SchoolbelPolicies.ApiAdmin);
        settings.MapGet("/", async (LessonPlanner planner, CancellationToken ct) => TypedResults.Ok(await planner.SettingsAsync(ct)))
            .WithSummary("The school's publication spreading window in minutes (0 = off) and the start of its first lesson (school-local, e.g. 08:30).");
        settings.MapPut("/", PutSettings).WithSummary("spreadMinutes: spread lessons due at the same minute over this many minutes before it, one slot per class (0 = off, at most 60). "
            + "firstLessonAt: when the first lesson of the day starts (06:00 to 12:00); the cache is warmed before it. Left out: unchanged.");
    }

    private static async Task<CourseViewer?> ViewerAsync(HttpContext context, Guid courseId, CourseAccess access, CancellationToken ct) =>
        await access.ViewerAsync(courseId, context.User.PersonId(), context.User.Role() ?? PersonRole.Pupil, ct);

    private static async Task<Results<Ok<IReadOnlyList<LessonSummary>>, NotFound>> List(HttpContext context, Guid courseId, CourseAccess access, LessonPlanner planner, CancellationToken ct) =>
        await ViewerAsync(context, courseId, access, ct) is { } viewer ? TypedResults.Ok(await planner.ForCourseAsync(courseId, viewer, ct)) : TypedResults.NotFound();

    private static async Task<Results<Created<LessonSummary>, ValidationProblem, NotFound, ForbidHttpResult>> Create(
        HttpContext context, Guid courseId, LessonInput input, CourseAccess access, LessonPlanner planner, CancellationToken ct)
    {
        var viewer = await ViewerAsync(context, courseId, access, ct);
        if (viewer is null)
        {
            return TypedResults.NotFound();
        }

        if (!viewer.CanEdit)
        {
            return TypedResults.Forbid();
        }

        var outcome = await planner.CreateAsync(courseId, input, viewer, ct);
        return outcome.Succeeded
            ? TypedResults.Created($"/api/v1/courses/{courseId}/lessons/{outcome.Value!.Id}", outcome.Value)
            : TypedResults.ValidationProblem(outcome.Errors!.ToDictionary());
    }

    private static async Task<Results<Ok<LessonDetails>, NotFound>> Get(HttpContext context, Guid courseId, Guid lessonId, CourseAccess access, LessonPlanner planner, CancellationToken ct) =>
        await ViewerAsync(context, courseId, access, ct) is { } viewer && await planner.GetAsync(courseId, lessonId, viewer, ct) is { } lesson
            ? TypedResults.Ok(lesson)
            : TypedResults.NotFound();

    private static async Task<Results<Ok<LessonSummary>, ValidationProblem, NotFound, ForbidHttpResult>> Schedule(
        HttpContext context, Guid courseId, Guid lessonId, ScheduleInput input, CourseAccess access, LessonPlanner planner, CancellationToken ct)
    {
        var viewer = await ViewerAsync(context, courseId, access, ct);
        if (viewer is null)
        {
            return TypedResults.NotFound();
        }

        if (!viewer.CanEdit)
        {
            return TypedResults.Forbid();
        }

        var outcome = await planner.ScheduleAsync(courseId, lessonId, input, ct);
        if (outcome is null)
        {
            return TypedResults.NotFound();
        }

        return outcome.Value.Succeeded ? TypedResults.Ok(outcome.Value.Value!) : TypedResults.ValidationProblem(outcome.Value.Errors!.ToDictionary());
    }

    private static async Task<Results<NoContent, NotFound>> Mark(
        HttpContext context, Guid courseId, Guid lessonId, Guid itemId, bool done, CourseAccess access, LessonPlanner planner, CancellationToken ct) =>
        await ViewerAsync(context, courseId, access, ct) is { } viewer && await planner.MarkAsync(courseId, lessonId, itemId, viewer, done, ct)
            ? TypedResults.NoContent()
            : TypedResults.NotFound();

    private static async Task<Results<Ok<LessonSettingsView>, ValidationProblem>> PutSettings(LessonSettingsInput input, LessonPlanner planner, CancellationToken ct)
    {
        var outcome = await planner.SetSettingsAsync(input, ct);
        return outcome.Succeeded ? TypedResults.Ok(outcome.Value!) : TypedResults.ValidationProblem(outcome.Errors!.ToDictionary());
    }
}
