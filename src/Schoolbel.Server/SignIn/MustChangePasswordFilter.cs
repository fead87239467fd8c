using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace Schoolbel.Server.SignIn;

/// <summary>
/// Steps a person must take before anything else: choose their own password after a reset,
/// and set up two-factor when their school requires it for staff.
/// </summary>
internal sealed class MustChangePasswordFilter : IAsyncPageFilter
{
    private static readonly HashSet<string> Allowed = new(StringComparer.OrdinalIgnoreCase)
    {
        "/Account/ChangePassword", "/Account/TwoFactorSettings", "/SignIn/SignOut", "/SignIn/SignIn", "/Web/Language",
    };

    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var user = context.HttpContext.User;
        var step = user.HasClaim(CookieSessions.MustChangePasswordClaim, "1") ? "/account/password"
            : user.HasClaim(CookieSessions.MustEnrolTwoFactorClaim, "1") ? "/account/two-factor"
            : null;
        if (step is not null && !Allowed.Contains(context.ActionDescriptor.ViewEnginePath))
        {
            context.Result = new LocalRedirectResult(context.HttpContext.Request.PathBase + step);
            return Task.CompletedTask;
        }

        return next();
    }
}
