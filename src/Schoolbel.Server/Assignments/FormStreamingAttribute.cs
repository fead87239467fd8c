using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace Schoolbel.Server.Assignments;

/// <summary>
/// For pages whose POST handlers read a multipart body as a stream themselves: MVC must not
/// read (and buffer) the form for model binding first. Their handlers take only route values,
/// and check the anti-forgery token themselves (see <see cref="AssignmentUploads"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
internal sealed class FormStreamingAttribute : Attribute, IResourceFilter
{
    public void OnResourceExecuting(ResourceExecutingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.ValueProviderFactories.RemoveType<FormValueProviderFactory>();
        context.ValueProviderFactories.RemoveType<FormFileValueProviderFactory>();
        context.ValueProviderFactories.RemoveType<JQueryFormValueProviderFactory>();
    }

    public void OnResourceExecuted(ResourceExecutedContext context)
    {
    }
}
