using Microsoft.AspNetCore.Http.HttpResults;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Courses;

/// <summary>Courses under /api/v1; school admins only.</summary>
internal static class CoursesApi
{
    public static IServiceCollection AddSchoolbelCourses(this IServiceCollection services) =>
        services.AddScoped<CoursesAdmin>().AddScoped<CourseAccess>().AddScoped<Today.TodayQueries>();

    public static void MapCoursesApi(this IEndpointRouteBuilder api)
    {
        var courses = api.MapGroup("/courses").WithTags("Courses").RequireAuthorization(SchoolbelPolicies.ApiAdmin);
        courses.MapGet("/", List);
        courses.MapGet("/{courseId:guid}", Get);
        courses.MapPost("/", Create).WithSummary("Create a course with its teachers, classes and chosen pupils.");
        courses.MapPut("/{courseId:guid}", Update).WithSummary("Rename a course or change its teachers, classes or pupils (a null list leaves it as it is).");
        courses.MapDelete("/{courseId:guid}", Delete);
    }

    private static async Task<Ok<IReadOnlyList<CourseSummary>>> List(CoursesAdmin courses, CancellationToken ct) =>
        TypedResults.Ok(await courses.ListAsync(ct));

    private static async Task<Results<Ok<CourseDetails>, NotFound>> Get(Guid courseId, CoursesAdmin courses, CancellationToken ct) =>
        await courses.GetAsync(courseId, ct) is { } found ? TypedResults.Ok(found) : TypedResults.NotFound();

    private static async Task<Results<Created<CourseDetails>, ValidationProblem>> Create(CourseInput input, CoursesAdmin courses, CancellationToken ct)
    {
        var outcome = await courses.CreateAsync(input, ct);
        return outcome.Succeeded
            ? TypedResults.Created($"/api/v1/courses/{outcome.Value!.Id}", outcome.Value)
            : TypedResults.ValidationProblem(outcome.Errors!.ToDictionary());
    }

    private static async Task<Results<Ok<CourseDetails>, ValidationProblem, NotFound>> Update(Guid courseId, CourseInput input, CoursesAdmin courses, CancellationToken ct)
    {
        var outcome = await courses.UpdateAsync(courseId, input, ct);
        if (outcome is null)
        {
            return TypedResults.NotFound();
        }

        return outcome.Value.Succeeded
            ? TypedResults.Ok(outcome.Value.Value!)
            : TypedResults.ValidationProblem(outcome.Value.Errors!.ToDictionary());
    }

    private static async Task<Results<NoContent, NotFound>> Delete(Guid courseId, CoursesAdmin courses, CancellationToken ct) =>
        await courses.DeleteAsync(courseId, ct) ? TypedResults.NoContent() : TypedResults.NotFound();
}
