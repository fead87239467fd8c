using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;
using Schoolbel.Server.Web;

namespace Schoolbel.Server.Messages;

/// <summary>Messages: send, list, read and mark read under /api/v1, and attachment downloads for pages.</summary>
internal static class MessagesEndpoints
{
    public static IServiceCollection AddSchoolbelMessages(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MessagesOptions>().Bind(configuration.GetSection(MessagesOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => o.UnsentAttachmentRetention > TimeSpan.Zero, "Messages:UnsentAttachmentRetention must be positive.")
            .ValidateOnStart();
        services.AddScoped<MessagingRules>();
        services.AddScoped<Mailbox>();
        services.AddScoped<MessageAttachments>();
        services.AddScoped<MessagingSettings>();
        return services;
    }

    /// <summary>Page-side endpoints inside a school, signed in with the school cookie.</summary>
    public static void MapSchoolbelMessages(this IEndpointRouteBuilder endpoints)
    {
        var pages = endpoints.MapGroup("").WithMetadata(new SchoolEndpointAttribute()).RequireAuthorization(SchoolbelPolicies.SchoolMember).ExcludeFromDescription();
        pages.MapGet("/messages/{messageId:guid}/attachments/{attachmentId:guid}", Download);
    }

    public static void MapMessagesApi(this IEndpointRouteBuilder api)
    {
        var maxBody = api.ServiceProvider.GetRequiredService<IOptions<MessagesOptions>>().Value.MaxAttachmentBytes;
        var messages = api.MapGroup("/messages").WithTags("Messages");
        messages.MapGet("/", List).WithSummary("A page (50) of the caller's mailbox: box = inbox (default), sent, trash or a folder id; q searches subjects, bodies and senders.");
        messages.MapPost("/", Send).WithSummary("Send a message to people, classes, courses' pupils, parents of classes or all staff. "
            + "The body is Markdown (HTML is shown as text). 403 with the reason when the school's messaging policy does not allow a recipient. "
            + "In the school's quiet hours it is stored at once and delivered the next school morning (releaseAt). "
            + "413 when forwarded attachments do not fit in the school's storage quota.");
        messages.MapGet("/{messageId:guid}", Get).WithSummary("A message of the caller's (bodyHtml is sanitized). Does not mark it read.");
        messages.MapPut("/{messageId:guid}/read", (HttpContext c, Guid messageId, Mailbox m, CancellationToken ct) => MarkRead(c, messageId, true, m, ct))
            .WithSummary("Mark a received message read.");
        messages.MapDelete("/{messageId:guid}/read", (HttpContext c, Guid messageId, Mailbox m, CancellationToken ct) => MarkRead(c, messageId, false, m, ct))
            .WithSummary("Mark a received message unread.");
        messages.MapPatch("/{messageId:guid}", Move).WithSummary("Move a message to one of the caller's folders (folderId), back to the inbox (toInbox), or into or out of the trash (trash).");
        messages.MapPost("/attachments", Upload)
            .Accepts<Stream>("application/octet-stream")
            .WithMetadata(new RequestSizeLimitAttribute(maxBody + 1))
            .WithSummary("Upload an attachment (the body is the file; name in the query), then send it with attachmentIds. 413 over the file limit or the school's storage quota, 415 for programs.");
        messages.MapGet("/{messageId:guid}/attachments/{attachmentId:guid}", Download)
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream").Produces(StatusCodes.Status404NotFound)
            .WithSummary("Download an attachment of a message the caller may read.");

        var folders = api.MapGroup("/message-folders").WithTags("Messages");
        folders.MapGet("/", async (HttpContext c, Mailbox m, CancellationToken ct) => TypedResults.Ok(await m.FoldersAsync(c.User.PersonId(), ct)))
            .WithSummary("The caller's message folders.");
        folders.MapPost("/", CreateFolder).WithSummary("Make a message folder.");

        api.MapGet("/children/{personId:guid}/messages", ChildMessages).WithTags("Messages")
            .WithSummary("Parents' co-view: the child's messages from the school's staff (and from pupils when the school allows it).");
        api.MapGet("/children/{personId:guid}/messages/{messageId:guid}", ChildMessage).WithTags("Messages")
            .WithSummary("Parents' co-view of one of the child's messages.");

        var settings = api.MapGroup("/messaging-settings").WithTags("Messages").RequireAuthorization(SchoolbelPolicies.ApiAdmin);
        settings.MapGet("/", async (MessagingSettings s, CancellationToken ct) => TypedResults.Ok(await s.GetAsync(ct)))
            .WithSummary("The school's messaging policy and quiet hours.");
        settings.MapPut("/", PutSettings).WithSummary("Change the messaging policy and quiet hours (school admins).");
    }

    internal static MessageSender SenderOf(HttpContext context) => new(context.User.PersonId(), context.User.Role() ?? PersonRole.Pupil);

    private static async Task<Results<Ok<MailboxPage>, NotFound>> List(HttpContext context, string? box, string? q, int? page, Mailbox mailbox, CancellationToken ct) =>
        await mailbox.ListAsync(context.User.PersonId(), box, q, page ?? 1, ct) is { } found ? TypedResults.Ok(found) : TypedResults.NotFound();

    private static async Task<Results<Created<MessageSummary>, ValidationProblem, ProblemHttpResult>> Send(HttpContext context, SendInput input, Mailbox mailbox, CancellationToken ct)
    {
        var result = await mailbox.SendAsync(SenderOf(context), input, ct);
        return result.Status switch
        {
            SendStatus.Sent => TypedResults.Created($"/api/v1/messages/{result.Message!.Id}", result.Message),
            SendStatus.Forbidden => TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not allowed by the school's messaging policy", detail: result.Reason),
            SendStatus.OverQuota => TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Over the school's storage quota", detail: result.Reason),
            _ => TypedResults.ValidationProblem(result.Errors!.ToDictionary()),
        };
    }

    private static async Task<Results<Ok<MessageDetails>, NotFound>> Get(HttpContext context, Guid messageId, Mailbox mailbox, CancellationToken ct) =>
        await mailbox.GetAsync(messageId, context.User.PersonId(), null, markRead: false, ct) is { } found ? TypedResults.Ok(found) : TypedResults.NotFound();

    private static async Task<Results<NoContent, NotFound>> MarkRead(HttpContext context, Guid messageId, bool read, Mailbox mailbox, CancellationToken ct) =>
        await mailbox.MarkReadAsync(messageId, context.User.PersonId(), read, ct) ? TypedResults.NoContent() : TypedResults.NotFound();

    private static async Task<Results<NoContent, NotFound, ValidationProblem>> Move(HttpContext context, Guid messageId, MoveInput input, Mailbox mailbox, CancellationToken ct)
    {
        var outcome = await mailbox.MoveAsync(messageId, context.User.PersonId(), input, ct);
        if (outcome is null)
        {
            return TypedResults.NotFound();
        }

        return outcome.Value.Succeeded ? TypedResults.NoContent() : TypedResults.ValidationProblem(outcome.Value.Errors!.ToDictionary());
    }

    private static async Task<Results<Created<AttachmentView>, ProblemHttpResult>> Upload(HttpContext context, string? name, MessageAttachments attachments, CancellationToken ct)
    {
        var result = await attachments.UploadAsync(name, context.Request.ContentLength, context.Request.Body, context.User.PersonId(), ct);
        return result.Status == AttachmentStatus.Created ? TypedResults.Created((string?)null, result.Attachment) : Problem(result);
    }

    internal static ProblemHttpResult Problem(AttachmentResult result) => TypedResults.Problem(
        statusCode: result.Status switch
        {
            AttachmentStatus.TooLarge => StatusCodes.Status413PayloadTooLarge,
            AttachmentStatus.UnsupportedType => StatusCodes.Status415UnsupportedMediaType,
            _ => StatusCodes.Status400BadRequest,
        },
        title: result.Status switch
        {
            AttachmentStatus.TooLarge => "Too large",
            AttachmentStatus.UnsupportedType => "Unsupported file type",
            _ => "Bad request",
        },
        detail: result.Message);

    private static async Task<IResult> Download(HttpContext context, Guid messageId, Guid attachmentId, Mailbox mailbox, MessageAttachments attachments, CancellationToken ct) =>
        await mailbox.AttachmentAsync(messageId, attachmentId, context.User.PersonId(), ct) is { } found
            ? await attachments.ServeAsync(context, found, ct)
            : TypedResults.NotFound();

    private static async Task<Results<Created<FolderView>, ValidationProblem>> CreateFolder(HttpContext context, FolderInput input, Mailbox mailbox, CancellationToken ct)
    {
        var outcome = await mailbox.CreateFolderAsync(context.User.PersonId(), input, ct);
        return outcome.Succeeded ? TypedResults.Created((string?)null, outcome.Value) : TypedResults.ValidationProblem(outcome.Errors!.ToDictionary());
    }

    private static async Task<Results<Ok<MailboxPage>, NotFound>> ChildMessages(HttpContext context, Guid personId, string? q, int? page, Mailbox mailbox, CancellationToken ct) =>
        await mailbox.ChildListAsync(context.User.PersonId(), personId, q, page ?? 1, ct) is { } found ? TypedResults.Ok(found) : TypedResults.NotFound();

    private static async Task<Results<Ok<MessageDetails>, NotFound>> ChildMessage(HttpContext context, Guid personId, Guid messageId, Mailbox mailbox, CancellationToken ct) =>
        await mailbox.GetAsync(messageId, context.User.PersonId(), personId, markRead: false, ct) is { } found ? TypedResults.Ok(found) : TypedResults.NotFound();

    private static async Task<Results<Ok<MessagingSettingsView>, ValidationProblem>> PutSettings(MessagingSettingsView input, MessagingSettings settings, CancellationToken ct)
    {
        var outcome = await settings.SetAsync(input, ct);
        return outcome.Succeeded ? TypedResults.Ok(outcome.Value!) : TypedResults.ValidationProblem(outcome.Errors!.ToDictionary());
    }
}
