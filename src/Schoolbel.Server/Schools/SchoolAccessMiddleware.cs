using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Schools;

/// <summary>Marks an endpoint (page) that only exists inside a school, under <c>/{code}/</c>.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class SchoolEndpointAttribute : Attribute;

/// <summary>Marks an endpoint that belongs to the platform (operator pages, the welcome page), never to a school.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class PlatformEndpointAttribute : Attribute;

/// <summary>
/// Runs after authentication. API calls carry no school in the URL, so their school is the
/// token's; a page or token of one school never acts in another.
/// </summary>
internal sealed class SchoolAccessMiddleware(RequestDelegate next, SchoolDirectory directory)
{
    public async Task InvokeAsync(HttpContext context, SchoolScope scope)
    {
        // Where the request was sent (path prefix or host name), before a token names its school:
        // a platform endpoint such as /health/live is misplaced under a school's address, not
        // when a school's API client calls it with its token.
        var addressedToSchool = scope.SchoolId is not null;
        var principalSchool = context.User.SchoolId();
        if (principalSchool is { } schoolId)
        {
            var school = scope.SchoolId is null ? await directory.FindByIdAsync(schoolId, context.RequestAborted) : null;
            if (school is not null)
            {
                scope.Enter(school);
            }
            else if (scope.SchoolId != schoolId)
            {
                // A token of another (or a deleted) school. Answered here rather than by clearing
                // context.User: an endpoint whose policy names the bearer scheme authenticates
                // again after this middleware and would get the principal back, then act in a
                // school the token does not belong to (or in none at all).
                context.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
                await Results.Problem(
                    statusCode: StatusCodes.Status401Unauthorized,
                    title: "Unauthorized",
                    detail: "This token or session does not belong to this school.").ExecuteAsync(context);
                return;
            }
        }

        var endpoint = context.GetEndpoint();
        var wantsSchool = endpoint?.Metadata.GetMetadata<SchoolEndpointAttribute>() is not null;
        var wantsPlatform = endpoint?.Metadata.GetMetadata<PlatformEndpointAttribute>() is not null;
        var misplaced = (wantsSchool && scope.SchoolId is null) || (wantsPlatform && addressedToSchool);
        if (misplaced)
        {
            // e.g. /ops under a school prefix, or a school page without one.
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        await next(context);
    }
}
