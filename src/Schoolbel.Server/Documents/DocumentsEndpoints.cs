using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Schoolbel.Server.Courses;
using Schoolbel.Server.Jobs;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;
using Schoolbel.Server.Storage;

namespace Schoolbel.Server.Documents;

/// <summary>Course contents and documents: downloads and uploads for pages, and the same under /api/v1.</summary>
internal static class DocumentsEndpoints
{
    public static IServiceCollection AddSchoolbelDocuments(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => o.CollectInterval > TimeSpan.Zero, "Storage:CollectInterval must be positive.")
            .Validate(o => o.Provider != "S3" || !string.IsNullOrEmpty(o.S3.Bucket), "Storage:S3:Bucket is required for the S3 store.")
            .ValidateOnStart();
        services.AddSingleton<UploadBandwidth>();
        services.AddSingleton(sp => BlobStores.Create(sp.GetRequiredService<IOptions<StorageOptions>>(), sp.GetRequiredService<UploadBandwidth>()));
        services.AddSingleton<ContentCache>();
        services.AddSingleton<StorageCollector>();
        services.AddSingleton<IJobHandler, StorageCollectionHandler>();
        // Retried: an hourly pass that failed (a full disk, a database restart) should not wait an hour.
        services.AddSingleton(sp => new RecurringJob(StorageCollectionHandler.JobKind, sp.GetRequiredService<IOptions<StorageOptions>>().Value.CollectInterval, MaxAttempts: 3));
        services.AddScoped<CourseContent>();
        services.AddScoped<StorageQuota>();
        services.AddScoped<DocumentUploads>();
        services.AddScoped<DocumentDownloads>();
        services.AddOptions<DownloadOptions>().Bind(configuration.GetSection(DownloadOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<DownloadResponder>();
        services.AddSingleton<SchoolCookieTickets>();
        services.AddSingleton<DownloadFastPathCounters>();
        services.AddSingleton<FastDocuments>();
        services.AddScoped<ResumableUploads>();
        return services;
    }

    /// <summary>
    /// The download fast path (<see cref="DownloadFastPath"/>): after tenancy (it needs the school),
    /// before routing, authentication and the pages. It runs admission control itself.
    /// </summary>
    public static IApplicationBuilder UseDownloadFastPath(this IApplicationBuilder app) => app.UseMiddleware<DownloadFastPath>();

    /// <summary>Page-side endpoints inside a school (<c>/{school}/…</c>), signed in with the school cookie.</summary>
    public static void MapSchoolbelDocuments(this IEndpointRouteBuilder endpoints)
    {
        var maxBody = endpoints.ServiceProvider.GetRequiredService<IOptions<StorageOptions>>().Value.MaxFileBytes;
        var pages = endpoints.MapGroup("").WithMetadata(new SchoolEndpointAttribute()).RequireAuthorization(SchoolbelPolicies.SchoolMember).ExcludeFromDescription();
        // HEAD too (size and type without the bytes), as the fast path answers it for the same URLs.
        string[] getOrHead = [HttpMethods.Get, HttpMethods.Head];
        pages.MapMethods("/documents/{itemId:guid}", getOrHead, (HttpContext context, Guid itemId, DocumentDownloads downloads, CancellationToken ct) =>
            downloads.ServeAsync(context, itemId, null, ct));
        pages.MapMethods("/documents/{itemId:guid}/versions/{versionId:guid}", getOrHead, (HttpContext context, Guid itemId, Guid versionId, DocumentDownloads downloads, CancellationToken ct) =>
            downloads.ServeAsync(context, itemId, versionId, ct));
        pages.MapPost("/courses/{courseId:guid}/upload", UploadFromPage)
            // One more byte than a file may have: our own check answers first, with our message.
            .WithMetadata(new RequestSizeLimitAttribute(maxBody + 1));
    }

    public static void MapDocumentsApi(this IEndpointRouteBuilder api)
    {
        var maxBody = api.ServiceProvider.GetRequiredService<IOptions<StorageOptions>>().Value.MaxFileBytes;
        var courses = api.MapGroup("/courses/{courseId:guid}").WithTags("Course content");
        courses.MapGet("/items", Tree).WithSummary("The course's folders, documents, links and notes that the caller may see, as a tree.");
        courses.MapPost("/folders", AddFolder).WithSummary("Add a folder (teachers of the course).");
        courses.MapPost("/links", AddLink).WithSummary("Add a link, e.g. a video or a Teams, Meet or Jitsi meeting (https only).");
        courses.MapPost("/notes", AddNote).WithSummary("Add a text note in Markdown (rendered without HTML).");
        courses.MapPatch("/items/{itemId:guid}", UpdateItem).WithSummary("Rename, move (folderId, or moveToRoot), hide or show an item.");
        courses.MapDelete("/items/{itemId:guid}", DeleteItem).WithSummary("Move an item (a folder with its contents) to the recycle bin for 30 days.");
        courses.MapPost("/items/{itemId:guid}/restore", RestoreItem).WithSummary("Take an item out of the recycle bin.");
        courses.MapPost("/documents", UploadFromApi)
            .Accepts<Stream>("application/octet-stream")
            .WithMetadata(new RequestSizeLimitAttribute(maxBody + 1))
            .WithSummary("Upload a document: the request body is the file's bytes; name (the file name) in the query. "
                + "folderId or lessonId put it in a folder or lesson; itemId adds a new version to an existing document. "
                + "The type is sniffed from the bytes. 413 over the file limit or school quota, 415 for programs.");

        var documents = api.MapGroup("/documents/{itemId:guid}").WithTags("Course content");
        documents.MapGet("/", (HttpContext context, Guid itemId, DocumentDownloads downloads, CancellationToken ct) => downloads.ServeAsync(context, itemId, null, ct))
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream").Produces(StatusCodes.Status304NotModified).Produces(StatusCodes.Status404NotFound)
            .WithSummary("Download the newest version (revalidate with If-None-Match).");
        documents.MapGet("/versions/{versionId:guid}", (HttpContext context, Guid itemId, Guid versionId, DocumentDownloads downloads, CancellationToken ct) => downloads.ServeAsync(context, itemId, versionId, ct))
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream").Produces(StatusCodes.Status206PartialContent)
            .Produces(StatusCodes.Status304NotModified).Produces(StatusCodes.Status404NotFound).Produces(StatusCodes.Status416RangeNotSatisfiable)
            .WithSummary("Download one version: immutable (cache for a year), ETag = SHA-256, Range requests supported.");

        var uploads = api.MapGroup("/uploads").WithTags("Resumable uploads");
        uploads.MapPost("/", StartResumable).WithSummary("Declare a resumable upload (course, fileName, exact length). Limits and permission are checked here.");
        uploads.MapGet("/{uploadId:guid}", GetResumable).WithSummary("Where to go on: offset = bytes received so far (also in the Upload-Offset header).");
        uploads.MapPatch("/{uploadId:guid}", AppendResumable)
            .Accepts<Stream>("application/offset+octet-stream")
            .WithMetadata(new RequestSizeLimitAttribute(maxBody + 1))
            .WithSummary("Send the bytes from Upload-Offset on (header required; 409 with the right offset when it is wrong). "
                + "204 while incomplete; 201 with the document when the last byte arrived.");
        uploads.MapDelete("/{uploadId:guid}", CancelResumable).WithSummary("Abandon a resumable upload; its bytes are deleted.");
    }

    private static async Task<IResult> UploadFromPage(
        HttpContext context, Guid courseId, Guid? folderId, Guid? lessonId, Guid? itemId, string? name, IAntiforgery antiforgery, DocumentUploads uploads, CancellationToken ct)
    {
        // Cookie-authenticated, so a forged cross-site request must fail: the token comes in the X-CSRF-TOKEN header.
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad request", detail: "The anti-forgery token is missing or invalid; reload the page.");
        }

        return ToHttp(await uploads.UploadAsync(new UploadTarget(courseId, folderId, lessonId, itemId), name, context.Request.ContentLength, context.Request.Body,
            context.User.PersonId(), context.User.Role() ?? PersonRole.Pupil, ct), created: false);
    }

    private static async Task<Results<Created<ItemNode>, ProblemHttpResult>> UploadFromApi(
        HttpContext context, Guid courseId, Guid? folderId, Guid? lessonId, Guid? itemId, string? name, DocumentUploads uploads, CancellationToken ct)
    {
        var result = await uploads.UploadAsync(new UploadTarget(courseId, folderId, lessonId, itemId), name, context.Request.ContentLength, context.Request.Body,
            context.User.PersonId(), context.User.Role() ?? PersonRole.Pupil, ct);
        return result.Status == UploadStatus.Created
            ? TypedResults.Created($"/api/v1/documents/{result.Item!.Id}/versions/{result.Item.Version!.Id}", result.Item)
            : Problem(result);
    }

    internal static IResult ToHttp(UploadResult result, bool created) =>
        result.Status == UploadStatus.Created
            ? created ? TypedResults.Created((string?)null, result.Item) : TypedResults.Ok(result.Item)
            : Problem(result);

    internal static ProblemHttpResult Problem(UploadResult result) =>
        TypedResults.Problem(
            statusCode: result.Status switch
            {
                UploadStatus.NotFound => StatusCodes.Status404NotFound,
                UploadStatus.Forbidden => StatusCodes.Status403Forbidden,
                UploadStatus.TooLarge => StatusCodes.Status413PayloadTooLarge,
                UploadStatus.UnsupportedType => StatusCodes.Status415UnsupportedMediaType,
                _ => StatusCodes.Status400BadRequest,
            },
            title: result.Status switch
            {
                UploadStatus.NotFound => "Not found",
                UploadStatus.Forbidden => "Not allowed",
                UploadStatus.TooLarge => "Too large",
                UploadStatus.UnsupportedType => "Unsupported file type",
                _ => "Bad request",
            },
            detail: result.Message);

    private static async Task<CourseViewer?> ViewerAsync(HttpContext context, Guid courseId, CourseAccess access, CancellationToken ct) =>
        await access.ViewerAsync(courseId, context.User.PersonId(), context.User.Role() ?? PersonRole.Pupil, ct);

    private static async Task<Results<Ok<IReadOnlyList<ItemNode>>, NotFound>> Tree(HttpContext context, Guid courseId, CourseAccess access, CourseContent content, CancellationToken ct) =>
        await ViewerAsync(context, courseId, access, ct) is { } viewer
            ? TypedResults.Ok(await content.TreeAsync(courseId, viewer, ct))
            : TypedResults.NotFound();

    private static async Task<Results<Created<ItemNode>, ValidationProblem, NotFound, ForbidHttpResult>> AddFolder(
        HttpContext context, Guid courseId, FolderInput input, CourseAccess access, CourseContent content, CancellationToken ct)
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

        return Created(await content.AddFolderAsync(courseId, input.FolderId, input.Title, viewer, ct));
    }

    private static async Task<Results<Created<ItemNode>, ValidationProblem, NotFound, ForbidHttpResult>> AddLink(
        HttpContext context, Guid courseId, LinkInput input, CourseAccess access, CourseContent content, CancellationToken ct)
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

        return Created(await content.AddLinkAsync(courseId, input.FolderId, input.LessonId, input.Title, input.Url, input.Text, viewer, ct));
    }

    private static async Task<Results<Created<ItemNode>, ValidationProblem, NotFound, ForbidHttpResult>> AddNote(
        HttpContext context, Guid courseId, NoteInput input, CourseAccess access, CourseContent content, CancellationToken ct)
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

        return Created(await content.AddNoteAsync(courseId, input.FolderId, input.LessonId, input.Title, input.Text, viewer, ct));
    }

    private static async Task<Results<Ok<ItemNode>, ValidationProblem, NotFound, ForbidHttpResult>> UpdateItem(
        HttpContext context, Guid courseId, Guid itemId, ItemChange change, CourseAccess access, CourseContent content, CancellationToken ct)
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

        var outcome = await content.UpdateAsync(courseId, itemId, change, ct);
        if (outcome is null)
        {
            return TypedResults.NotFound();
        }

        return outcome.Value.Succeeded ? TypedResults.Ok(outcome.Value.Value!) : TypedResults.ValidationProblem(outcome.Value.Errors!.ToDictionary());
    }

    private static async Task<Results<NoContent, NotFound, ForbidHttpResult>> DeleteItem(
        HttpContext context, Guid courseId, Guid itemId, CourseAccess access, CourseContent content, CancellationToken ct)
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

        return await content.DeleteAsync(courseId, itemId, ct) ? TypedResults.NoContent() : TypedResults.NotFound();
    }

    private static async Task<Results<NoContent, NotFound, ForbidHttpResult>> RestoreItem(
        HttpContext context, Guid courseId, Guid itemId, CourseAccess access, CourseContent content, CancellationToken ct)
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

        return await content.RestoreAsync(courseId, itemId, ct) ? TypedResults.NoContent() : TypedResults.NotFound();
    }

    private static async Task<Results<Created<ResumableUploadState>, ProblemHttpResult>> StartResumable(
        HttpContext context, ResumableUploadInput input, ResumableUploads uploads, CancellationToken ct)
    {
        var (refusal, state) = await uploads.StartAsync(input, context.User.PersonId(), context.User.Role() ?? PersonRole.Pupil, ct);
        if (refusal is not null)
        {
            return Problem(refusal);
        }

        context.Response.Headers["Upload-Offset"] = "0";
        return TypedResults.Created($"/api/v1/uploads/{state!.Id}", state);
    }

    private static async Task<Results<Ok<ResumableUploadState>, NotFound>> GetResumable(HttpContext context, Guid uploadId, ResumableUploads uploads, CancellationToken ct)
    {
        var state = await uploads.GetAsync(uploadId, context.User.PersonId(), ct);
        if (state is null)
        {
            return TypedResults.NotFound();
        }

        context.Response.Headers["Upload-Offset"] = state.Offset.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Ok(state);
    }

    private static async Task<Results<NoContent, Created<ItemNode>, Conflict<ResumableUploadState>, ProblemHttpResult>> AppendResumable(
        HttpContext context, Guid uploadId, ResumableUploads uploads, CancellationToken ct)
    {
        if (!long.TryParse(context.Request.Headers["Upload-Offset"], System.Globalization.CultureInfo.InvariantCulture, out var offset) || offset < 0)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad request", detail: "The Upload-Offset header (bytes already sent) is required.");
        }

        var result = await uploads.AppendAsync(uploadId, offset, context.Request.Body, context.User.PersonId(), context.User.Role() ?? PersonRole.Pupil, ct);
        if (result.State is { } state)
        {
            context.Response.Headers["Upload-Offset"] = state.Offset.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (result.OffsetMismatch)
        {
            return TypedResults.Conflict(result.State);
        }

        if (result.Result is { } final)
        {
            return final.Status == UploadStatus.Created
                ? TypedResults.Created($"/api/v1/documents/{final.Item!.Id}/versions/{final.Item.Version!.Id}", final.Item)
                : Problem(final);
        }

        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, NotFound>> CancelResumable(HttpContext context, Guid uploadId, ResumableUploads uploads, CancellationToken ct) =>
        await uploads.CancelAsync(uploadId, context.User.PersonId(), ct) ? TypedResults.NoContent() : TypedResults.NotFound();

    private static Results<Created<ItemNode>, ValidationProblem, NotFound, ForbidHttpResult> Created(Web.Outcome<ItemNode> outcome) =>
        outcome.Succeeded
            ? TypedResults.Created((string?)null, outcome.Value!)
            : TypedResults.ValidationProblem(outcome.Errors!.ToDictionary());
}

public sealed record FolderInput(string? Title, Guid? FolderId = null);

public sealed record LinkInput(string? Title, string? Url, string? Text = null, Guid? FolderId = null, Guid? LessonId = null);

public sealed record NoteInput(string? Title, string? Text, Guid? FolderId = null, Guid? LessonId = null);
