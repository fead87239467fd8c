using Microsoft.AspNetCore.Http.HttpResults;
using Schoolbel.Server.Admission;
using Schoolbel.Server.Courses;
using Schoolbel.Server.People;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Exercises;

/// <summary>Exercises under /api/v1: sets and items for teachers, next question and answers for pupils.</summary>
internal static class ExercisesEndpoints
{
    public static IServiceCollection AddSchoolbelExercises(this IServiceCollection services) =>
        services.AddScoped<ExerciseService>().AddScoped<ExerciseTasks>().AddScoped<ExerciseDashboard>()
            .AddSingleton<ItemCalibration>().AddHostedService<ItemCalibrationService>();

    public static void MapExercisesApi(this IEndpointRouteBuilder api)
    {
        var course = api.MapGroup("/courses/{courseId:guid}").WithTags("Exercises");
        course.MapGet("/exercise-sets", ListSets).WithSummary("The course's exercise sets, with their skills.");
        course.MapPost("/exercise-sets", CreateSet).WithSummary("Create an exercise set (the course's teachers).");
        course.MapGet("/exercise-sets/{setId:guid}/items", ListItems).WithSummary("A set's items with their answer keys (the course's teachers).");
        course.MapPost("/exercise-sets/{setId:guid}/items", AddItem)
            .WithSummary("Add an item: skill, difficulty 1–5 and spec (kind Choice, Numeric, ShortText, FillBlanks, Matching, Ordering or TrueFalse with its fields).");
        course.MapPost("/exercise-sets/{setId:guid}/next", Next)
            .WithSummary("A pupil's current question in the set (the open one, or a new one picked for about 75% expected success). "
                + "The item comes without its answer key; answer it with its attemptId.");
        course.MapPost("/exercise-answers", Answer)
            .WithMetadata(new AdmissionPriorityAttribute(RequestPriority.Critical))
            .WithSummary("Answer a question: values are the chosen option ids, one number or text, one text per blank, per left entry the chosen right id, "
                + "the entry ids in order, or \"true\"/\"false\". 400 for an attempt the pupil was not given or a malformed answer, 409 for a second answer.");
    }

    private static async Task<CourseViewer?> ViewerAsync(HttpContext context, Guid courseId, CourseAccess access, CancellationToken ct) =>
        await access.ViewerAsync(courseId, context.User.PersonId(), context.User.Role() ?? PersonRole.Pupil, ct);

    private static async Task<Results<Ok<IReadOnlyList<SetSummary>>, NotFound>> ListSets(HttpContext context, Guid courseId, CourseAccess access, ExerciseService exercises, CancellationToken ct) =>
        await ViewerAsync(context, courseId, access, ct) is not null ? TypedResults.Ok(await exercises.SetsAsync(courseId, ct)) : TypedResults.NotFound();

    private static async Task<Results<Created<SetSummary>, ValidationProblem, NotFound, ForbidHttpResult>> CreateSet(
        HttpContext context, Guid courseId, SetInput input, CourseAccess access, ExerciseService exercises, CancellationToken ct)
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

        var outcome = await exercises.CreateSetAsync(courseId, input?.Title, viewer.PersonId, ct);
        return outcome.Succeeded
            ? TypedResults.Created($"/api/v1/courses/{courseId}/exercise-sets/{outcome.Value!.Id}", outcome.Value)
            : TypedResults.ValidationProblem(outcome.Errors!.ToDictionary());
    }

    private static async Task<Results<Ok<IReadOnlyList<ItemDetails>>, NotFound>> ListItems(
        HttpContext context, Guid courseId, Guid setId, CourseAccess access, ExerciseService exercises, CancellationToken ct) =>
        await ViewerAsync(context, courseId, access, ct) is { CanEdit: true } && await exercises.SetAsync(courseId, setId, ct) is not null
            ? TypedResults.Ok(await exercises.ItemsAsync(courseId, setId, ct))
            : TypedResults.NotFound();

    private static async Task<Results<Created<IdResponse>, ValidationProblem, NotFound>> AddItem(
        HttpContext context, Guid courseId, Guid setId, ItemInput input, CourseAccess access, ExerciseService exercises, CancellationToken ct)
    {
        if (await ViewerAsync(context, courseId, access, ct) is not { CanEdit: true } || await exercises.SetAsync(courseId, setId, ct) is null)
        {
            return TypedResults.NotFound();
        }

        var outcome = await exercises.AddItemsAsync(courseId, setId, [input], ct);
        return outcome.Succeeded
            ? TypedResults.Created($"/api/v1/courses/{courseId}/exercise-sets/{setId}/items", new IdResponse(outcome.Value![0]))
            : TypedResults.ValidationProblem(outcome.Errors!.ToDictionary());
    }

    private static async Task<Results<Ok<Served>, NotFound, ProblemHttpResult>> Next(
        HttpContext context, Guid courseId, Guid setId, CourseAccess access, ExerciseService exercises, CancellationToken ct)
    {
        if (await ViewerAsync(context, courseId, access, ct) is not { Role: PersonRole.Pupil } viewer || await exercises.SetAsync(courseId, setId, ct) is null)
        {
            return TypedResults.NotFound();
        }

        return await exercises.NextAsync(courseId, new PracticeScope(setId, null), viewer.PersonId, fresh: false, ct) is { } served
            ? TypedResults.Ok(served)
            : TypedResults.Problem("Deze reeks heeft nog geen vragen.", statusCode: StatusCodes.Status409Conflict);
    }

    private static async Task<Results<Ok<AnswerResult>, NotFound, ProblemHttpResult>> Answer(
        HttpContext context, Guid courseId, AnswerInput input, CourseAccess access, ExerciseService exercises, CancellationToken ct)
    {
        if (await ViewerAsync(context, courseId, access, ct) is not { Role: PersonRole.Pupil } viewer)
        {
            return TypedResults.NotFound();
        }

        if (input is null || input.AttemptId == Guid.Empty)
        {
            return TypedResults.Problem("Zeg op welke vraag dit het antwoord is (attemptId).", statusCode: StatusCodes.Status400BadRequest);
        }

        var outcome = await exercises.AnswerAsync(courseId, input.AttemptId, viewer.PersonId, input.Values, ct);
        return outcome.Status switch
        {
            AnswerStatus.Marked => TypedResults.Ok(outcome.Result!),
            AnswerStatus.AlreadyAnswered => TypedResults.Problem(outcome.Problem, statusCode: StatusCodes.Status409Conflict),
            _ => TypedResults.Problem(outcome.Problem, statusCode: StatusCodes.Status400BadRequest),
        };
    }
}

public sealed record SetInput(string? Title);

public sealed record AnswerInput(Guid AttemptId, IReadOnlyList<string>? Values);

public sealed record IdResponse(Guid Id);
