using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.People;

/// <summary>People, classes and the CSV import under /api/v1; school admins only.</summary>
internal static class PeopleApi
{
    public static void MapPeopleApi(this IEndpointRouteBuilder api)
    {
        api.MapGet("/me", GetMe).WithTags("People").WithSummary("The person the token belongs to.");

        var people = api.MapGroup("/people").WithTags("People").RequireAuthorization(SchoolbelPolicies.ApiAdmin);
        people.MapGet("/", ListPeople).WithSummary("List people, filtered by role and a search term, 50 per page.");
        people.MapGet("/{personId:guid}", GetPerson);
        people.MapPost("/", CreatePerson);
        people.MapPut("/{personId:guid}", UpdatePerson).WithSummary("Change names, e-mail, external id, classes (pupils) or children (parents).");
        people.MapDelete("/{personId:guid}", DeletePerson);
        people.MapPut("/{personId:guid}/password", SetPassword).WithSummary("Set a new password for a person.");
        people.MapPost("/import", ImportPeople)
            .Accepts<string>("text/csv")
            .WithMetadata(new RequestSizeLimitAttribute(PeopleCsvImport.MaxBytes))
            .WithSummary("Import people from CSV (columns role, username, first_name, last_name, class, parent_of, email, external_id). All or nothing; matched by username.");

        var classes = api.MapGroup("/classes").WithTags("Classes").RequireAuthorization(SchoolbelPolicies.ApiAdmin);
        classes.MapGet("/", ListClasses);
        classes.MapGet("/{classId:guid}", GetClass);
        classes.MapPost("/", CreateClass);
        classes.MapPut("/{classId:guid}", UpdateClass);
        classes.MapDelete("/{classId:guid}", DeleteClass);
    }

    private static async Task<Results<Ok<PersonDetails>, NotFound>> GetMe(HttpContext context, PeopleAdmin people, CancellationToken ct) =>
        await people.GetAsync(context.User.PersonId(), ct) is { } me ? TypedResults.Ok(me) : TypedResults.NotFound();

    private static async Task<Ok<PeoplePage>> ListPeople(PeopleAdmin people, PersonRole? role, string? search, int? page, CancellationToken ct) =>
        TypedResults.Ok(await people.ListAsync(role, search, page ?? 1, ct));

    private static async Task<Results<Ok<PersonDetails>, NotFound>> GetPerson(Guid personId, PeopleAdmin people, CancellationToken ct) =>
        await people.GetAsync(personId, ct) is { } person ? TypedResults.Ok(person) : TypedResults.NotFound();

    private static async Task<Results<Created<PersonDetails>, ValidationProblem>> CreatePerson(PersonInput input, PeopleAdmin people, CancellationToken ct)
    {
        var outcome = await people.CreateAsync(input, ct);
        return outcome.Succeeded
            ? TypedResults.Created($"/api/v1/people/{outcome.Value!.Id}", outcome.Value)
            : TypedResults.ValidationProblem(outcome.Errors!.ToDictionary());
    }

    private static async Task<Results<Ok<PersonDetails>, ValidationProblem, NotFound>> UpdatePerson(Guid personId, PersonInput input, PeopleAdmin people, CancellationToken ct)
    {
        var outcome = await people.UpdateAsync(personId, input, ct);
        if (outcome is null)
        {
            return TypedResults.NotFound();
        }

        return outcome.Value.Succeeded
            ? TypedResults.Ok(outcome.Value.Value!)
            : TypedResults.ValidationProblem(outcome.Value.Errors!.ToDictionary());
    }

    private static async Task<Results<NoContent, NotFound, ValidationProblem>> DeletePerson(Guid personId, HttpContext context, PeopleAdmin people, CancellationToken ct)
    {
        if (personId == context.User.PersonId())
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["personId"] = ["Je kunt jezelf niet verwijderen."] });
        }

        return await people.DeleteAsync(personId, ct) ? TypedResults.NoContent() : TypedResults.NotFound();
    }

    private static async Task<Results<NoContent, NotFound, ValidationProblem>> SetPassword(Guid personId, NewPassword body, PeopleAdmin people, CancellationToken ct)
    {
        var errors = await people.SetPasswordAsync(personId, body.Password, ct);
        if (errors is null)
        {
            return TypedResults.NotFound();
        }

        return errors.Any ? TypedResults.ValidationProblem(errors.ToDictionary()) : TypedResults.NoContent();
    }

    private static async Task<Results<Ok<CsvImportSummary>, ProblemHttpResult>> ImportPeople(HttpRequest request, PeopleCsvImport import, CancellationToken ct)
    {
        // Refuse early on the declared size; Kestrel also stops a longer chunked body at the limit.
        if (request.ContentLength > PeopleCsvImport.MaxBytes)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status413PayloadTooLarge,
                title: "The CSV file is too large",
                detail: $"A CSV file may be at most {PeopleCsvImport.MaxBytes / (1024 * 1024)} MB.");
        }

        var result = await import.ImportAsync(request.Body, ct);
        if (result.Succeeded)
        {
            return TypedResults.Ok(result.Summary!);
        }

        var first = result.Errors[0];
        return TypedResults.Problem(
            statusCode: StatusCodes.Status400BadRequest,
            title: "The CSV file was not imported",
            detail: $"Line {first.Line}: {first.Message} Nothing of this file was stored.",
            extensions: new Dictionary<string, object?> { ["errors"] = result.Errors });
    }

    private static async Task<Ok<IReadOnlyList<ClassSummary>>> ListClasses(ClassesAdmin classes, CancellationToken ct) =>
        TypedResults.Ok(await classes.ListAsync(ct));

    private static async Task<Results<Ok<ClassDetails>, NotFound>> GetClass(Guid classId, ClassesAdmin classes, CancellationToken ct) =>
        await classes.GetAsync(classId, ct) is { } found ? TypedResults.Ok(found) : TypedResults.NotFound();

    private static async Task<Results<Created<ClassDetails>, ValidationProblem>> CreateClass(ClassInput input, ClassesAdmin classes, CancellationToken ct)
    {
        var outcome = await classes.CreateAsync(input, ct);
        return outcome.Succeeded
            ? TypedResults.Created($"/api/v1/classes/{outcome.Value!.Id}", outcome.Value)
            : TypedResults.ValidationProblem(outcome.Errors!.ToDictionary());
    }

    private static async Task<Results<Ok<ClassDetails>, ValidationProblem, NotFound>> UpdateClass(Guid classId, ClassInput input, ClassesAdmin classes, CancellationToken ct)
    {
        var outcome = await classes.UpdateAsync(classId, input, ct);
        if (outcome is null)
        {
            return TypedResults.NotFound();
        }

        return outcome.Value.Succeeded
            ? TypedResults.Ok(outcome.Value.Value!)
            : TypedResults.ValidationProblem(outcome.Value.Errors!.ToDictionary());
    }

    private static async Task<Results<NoContent, NotFound>> DeleteClass(Guid classId, ClassesAdmin classes, CancellationToken ct) =>
        await classes.DeleteAsync(classId, ct) ? TypedResults.NoContent() : TypedResults.NotFound();
}

public sealed record NewPassword(string? Password);
