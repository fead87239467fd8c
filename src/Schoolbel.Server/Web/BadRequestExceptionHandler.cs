using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Schoolbel.Server.Web;

/// <summary>
/// Turns a body that could not be read (malformed JSON, a broken form, too large) into a
/// 4xx problem+json that names the field, instead of a 500.
/// </summary>
internal sealed partial class BadRequestExceptionHandler(IProblemDetailsService problems, ILogger<BadRequestExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        int status;
        string detail;
        switch (exception)
        {
            case BadHttpRequestException bad:
                status = bad.StatusCode;
                detail = bad.InnerException is JsonException json
                    ? $"The JSON body is not valid at '{json.Path ?? "$"}': {FirstSentence(json.Message)}"
                    : bad.Message;
                break;
            case InvalidDataException invalid:
                // Thrown by the form reader for broken multipart bodies and too many or too long values.
                status = invalid.Message.Contains("limit", StringComparison.OrdinalIgnoreCase)
                    ? StatusCodes.Status413PayloadTooLarge
                    : StatusCodes.Status400BadRequest;
                detail = invalid.Message;
                break;
            default:
                return false;
        }

        if (httpContext.Response.HasStarted)
        {
            return false;
        }

        LogBadRequest(logger, status, httpContext.Request.Path, detail);
        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = status,
                Title = status == StatusCodes.Status413PayloadTooLarge ? "Request too large" : "Bad request",
                Detail = detail,
            },
        });
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..(end + 1)];
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Answered {Status} for {Path}: {Detail}")]
    private static partial void LogBadRequest(ILogger logger, int status, PathString path, string detail);
}
