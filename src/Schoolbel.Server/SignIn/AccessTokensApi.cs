using Microsoft.AspNetCore.Http.HttpResults;

namespace Schoolbel.Server.SignIn;

/// <summary>Personal access tokens under /api/v1/access-tokens; school admins only.</summary>
internal static class AccessTokensApi
{
    public static void MapAccessTokensApi(this IEndpointRouteBuilder api)
    {
        var tokens = api.MapGroup("/access-tokens").WithTags("Access tokens").RequireAuthorization(SchoolbelPolicies.ApiAdmin);
        tokens.MapGet("/", List);
        tokens.MapPost("/", Create).WithSummary("Create a token; the secret is in this answer only.");
        tokens.MapDelete("/{tokenId:guid}", Revoke).WithSummary("Revoke a token; it stops working at once.");
    }

    private static async Task<Ok<IReadOnlyList<AccessTokenView>>> List(AccessTokens tokens, CancellationToken ct) =>
        TypedResults.Ok(await tokens.ListAsync(ct));

    private static async Task<Results<Created<CreatedAccessToken>, ValidationProblem>> Create(NewAccessToken body, HttpContext context, AccessTokens tokens, CancellationToken ct)
    {
        var outcome = await tokens.CreateAsync(context.User.PersonId(), body.Name, body.ExpiresAt, ct);
        return outcome.Succeeded
            ? TypedResults.Created($"/api/v1/access-tokens/{outcome.Value!.Id}", outcome.Value)
            : TypedResults.ValidationProblem(outcome.Errors!.ToDictionary());
    }

    private static async Task<Results<NoContent, NotFound>> Revoke(Guid tokenId, AccessTokens tokens, CancellationToken ct) =>
        await tokens.RevokeAsync(tokenId, ct) ? TypedResults.NoContent() : TypedResults.NotFound();
}

public sealed record NewAccessToken(string? Name, DateTime? ExpiresAt);
