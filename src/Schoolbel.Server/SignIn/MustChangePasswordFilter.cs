using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace Schoolbel.Server.SignIn;

/// <summary>After a reset to a temporary password, every page leads to "choose your own password" first.</summary>
internal sealed class MustChangePasswordFilter : IAsyncPageFilter
{
    private static readonly HashSet<string> Allowed = new(StringComparer.OrdinalIgnoreCase)
    {
        "/Account/ChangePassword", "/SignIn/SignOut", "/SignIn/SignIn", "/Web/Language",
    };

    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (context.HttpContext.User.HasClaim(CookieSessions.MustChangePasswordClaim, "1")
            && !Allowed.Contains(context.ActionDescriptor.ViewEnginePath))
        {
            context.Result = new LocalRedirectResult(context.HttpContext.Request.PathBase + "/account/password");
            return Task.CompletedTask;
        }

        return next();
    }
}
