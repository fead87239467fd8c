using System.Security.Claims;
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
            if (scope.SchoolId is null)
            {
                var school = await directory.FindByIdAsync(schoolId, context.RequestAborted);
                if (school is null)
                {
                    context.User = new ClaimsPrincipal(new ClaimsIdentity());
                }
                else
                {
                    scope.Enter(school);
                }
            }
            else if (scope.SchoolId != schoolId)
            {
                context.User = new ClaimsPrincipal(new ClaimsIdentity());
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
