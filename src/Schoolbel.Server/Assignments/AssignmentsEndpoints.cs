using Microsoft.AspNetCore.Http.HttpResults;
using Schoolbel.Server.Courses;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;
using Schoolbel.Server.Web;

namespace Schoolbel.Server.Assignments;

/// <summary>Assignments: file downloads and the zip for pages, and the same plus the main operations under /api/v1.</summary>
internal static class AssignmentsEndpoints
{
    public static IServiceCollection AddSchoolbelAssignments(this IServiceCollection services) =>
        services.AddScoped<AssignmentBook>()
            .AddScoped<AssignmentUploads>()
            .AddScoped<AssignmentFiles>()
            .AddScoped<AssignmentDueDates>()
            .AddScoped<Planner.IPlannerSource, AssignmentPlannerSource>();

    /// <summary>Page-side endpoints inside a school, signed in with the school cookie.</summary>
    public static void MapSchoolbelAssignments(this IEndpointRouteBuilder endpoints)
    {
        var pages = endpoints.MapGroup("").WithMetadata(new SchoolEndpointAttribute()).RequireAuthorization(SchoolbelPolicies.SchoolMember).ExcludeFromDescription();
        pages.MapGet("/assignment-files/{assignmentId:guid}/{fileId:guid}", (HttpContext context, Guid assignmentId, Guid fileId, AssignmentFiles files, CancellationToken ct) =>
            files.ServeAsync(context, assignmentId, fileId, ct));
        pages.MapGet("/courses/{courseId:guid}/assignments/{assignmentId:guid}/submissions.zip", (HttpContext context, Guid courseId, Guid assignmentId, AssignmentFiles files, CancellationToken ct) =>
            files.ZipAsync(context, courseId, assignmentId, ct));
    }

    public static void MapAssignmentsApi(this IEndpointRouteBuilder api)
    {
        var assignments = api.MapGroup("/courses/{courseId:guid}/assignments").WithTags("Assignments");
        assignments.MapGet("/", List).WithSummary("The course's assignments: all for its teachers, their own for pupils, their children's for parents.");
        assignments.MapPost("/", Create).WithSummary("Create an assignment (teachers of the course): title, instructions (Markdown), dueAt, acceptsLate, graded with maxScore "
            + "(and the gradebook weight and category), for classIds and/or pupilIds of the course (none: the whole course).");
        assignments.MapGet("/{assignmentId:guid}", Get).WithSummary("An assignment with its attachments and the work the caller may see (staff: every pupil; a pupil: their own; a parent: their children's).");
        assignments.MapPut("/{assignmentId:guid}", Update)
            .WithSummary("Change an assignment (teachers of the course); the body is the whole assignment as on create (classIds and pupilIds both empty: the whole course). "
                + "400 naming the field for bad input, for a maxScore below a score already given, or for graded false once scores are given. "
                + "Hand-ins keep their late flag; a new dueAt moves the deadline in the planner and the calendar feeds.");
        assignments.MapDelete("/{assignmentId:guid}", Delete)
            .WithSummary("Delete an assignment (teachers of the course). A soft delete: the assignment disappears for everyone (pages, today, planner, feeds, API), "
                + "but the pupils' submissions, receipts and files stay stored; nothing of their work is destroyed. Its gradebook evaluation and scores are deleted.");
        assignments.MapDelete("/{assignmentId:guid}/attachments/{fileId:guid}", Detach)
            .WithSummary("Remove one of the teacher's attachments (not a pupil's handed-in file).");
        assignments.MapPost("/{assignmentId:guid}/attachments", Attach)
            .Accepts<IFormFileCollection>("multipart/form-data")
            .WithSummary("Add files to an assignment (teachers; multipart/form-data). Same limits and type checks as documents.");
        assignments.MapPost("/{assignmentId:guid}/submissions", Submit)
            .Accepts<SubmissionText>("application/json", "multipart/form-data")
            .WithSummary("Hand in work (pupils): JSON {\"text\"} or multipart/form-data with a text field and files. The Idempotency-Key header is required: "
                + "the same key again creates nothing and answers 200 with the first receipt. 409 after the deadline when late work is not accepted (nothing is stored); "
                + "resubmitting before the deadline adds to the history. The receipt lists the time, the late flag and each file's SHA-256.");
        assignments.MapGet("/{assignmentId:guid}/submissions", Submissions).WithSummary("Who has and has not handed in, with every hand-in (history) and the review the caller may see.");
        assignments.MapGet("/{assignmentId:guid}/submissions/{submissionId:guid}", GetReceipt).WithSummary("The receipt of one hand-in.");
        assignments.MapGet("/{assignmentId:guid}/submissions.zip", (HttpContext context, Guid courseId, Guid assignmentId, AssignmentFiles files, CancellationToken ct) =>
                files.ZipAsync(context, courseId, assignmentId, ct))
            .Produces(StatusCodes.Status200OK, contentType: "application/zip")
            .WithSummary("Every hand-in as one zip (teachers), streamed: a folder per pupil and per hand-in.");
        assignments.MapPut("/{assignmentId:guid}/reviews/{personId:guid}", Review)
            .WithSummary("Feedback and score for a pupil (teachers). action: Save (draft), Release (the pupil and parents see it; the score flows into the gradebook) "
                + "or Return (for revision: the pupil may hand in again, also after the deadline). 400 naming the field for a score below 0 or above the maximum.");
        api.MapGet("/assignment-files/{assignmentId:guid}/{fileId:guid}", (HttpContext context, Guid assignmentId, Guid fileId, AssignmentFiles files, CancellationToken ct) =>
                files.ServeAsync(context, assignmentId, fileId, ct))
            .WithTags("Assignments")
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream")
            .WithSummary("Download an attachment or a handed-in file.");
    }

    private static async Task<CourseViewer?> ViewerAsync(HttpContext context, Guid courseId, CourseAccess access, CancellationToken ct) =>
        await access.ViewerAsync(courseId, context.User.PersonId(), context.User.Role() ?? PersonRole.Pupil, ct);

    private static async Task<Results<Ok<IReadOnlyList<AssignmentSummary>>, NotFound>> List(HttpContext context, Guid courseId, CourseAccess access, AssignmentBook book, CancellationToken ct) =>
        await ViewerAsync(context, courseId, access, ct) is { } viewer ? TypedResults.Ok(await book.ForCourseAsync(courseId, viewer, ct)) : TypedResults.NotFound();

    private static async Task<Results<Created<AssignmentSummary>, ValidationProblem, NotFound, ForbidHttpResult>> Create(
        HttpContext context, Guid courseId, AssignmentInput input, CourseAccess access, AssignmentBook book, CancellationToken ct)
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

        var outcome = await book.CreateAsync(courseId, input, viewer, ct);
        return outcome.Succeeded
            ? TypedResults.Created($"/api/v1/courses/{courseId}/assignments/{outcome.Value!.Id}", outcome.Value)
            : TypedResults.ValidationProblem(outcome.Errors!.ToDictionary());
    }

    private static async Task<Results<Ok<AssignmentDetails>, NotFound>> Get(HttpContext context, Guid courseId, Guid assignmentId, CourseAccess access, AssignmentBook book, CancellationToken ct) =>
        await ViewerAsync(context, courseId, access, ct) is { } viewer && await book.DetailsAsync(courseId, assignmentId, viewer, ct) is { } details
            ? TypedResults.Ok(details)
            : TypedResults.NotFound();

    private static async Task<Results<Ok<IReadOnlyList<PupilWork>>, NotFound>> Submissions(HttpContext context, Guid courseId, Guid assignmentId, CourseAccess access, AssignmentBook book, CancellationToken ct) =>
        await ViewerAsync(context, courseId, access, ct) is { } viewer && await book.DetailsAsync(courseId, assignmentId, viewer, ct) is { } details
            ? TypedResults.Ok(details.Work)
            : TypedResults.NotFound();

    private static async Task<Results<Ok<Receipt>, NotFound>> GetReceipt(
        HttpContext context, Guid courseId, Guid assignmentId, Guid submissionId, CourseAccess access, AssignmentUploads uploads, CancellationToken ct) =>
        await ViewerAsync(context, courseId, access, ct) is { } viewer && await uploads.ReceiptAsync(courseId, assignmentId, submissionId, viewer, ct) is { } receipt
            ? TypedResults.Ok(receipt)
            : TypedResults.NotFound();

    private static async Task<Results<Created<Receipt>, Ok<Receipt>, ProblemHttpResult>> Submit(
        HttpContext context, Guid courseId, Guid assignmentId, AssignmentUploads uploads, CancellationToken ct)
    {
        var result = await uploads.SubmitAsync(context, courseId, assignmentId, fromPage: false, ct);
        var location = $"/api/v1/courses/{courseId}/assignments/{assignmentId}/submissions/{result.Receipt?.SubmissionId}";
        return result.Status switch
        {
            IntakeStatus.Created => TypedResults.Created(location, result.Receipt!),
            IntakeStatus.Replayed => Replayed(context, result.Receipt!),
            _ => Problem(result),
        };
    }

    private static Ok<Receipt> Replayed(HttpContext context, Receipt receipt)
    {
        // As in the IETF idempotency-key draft's examples: tell the client this answer is a repeat.
        context.Response.Headers["Idempotent-Replayed"] = "true";
        return TypedResults.Ok(receipt);
    }

    private static async Task<Results<Ok<AssignmentSummary>, ValidationProblem, NotFound, ForbidHttpResult>> Update(
        HttpContext context, Guid courseId, Guid assignmentId, AssignmentInput input, CourseAccess access, AssignmentBook book, CancellationToken ct)
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

        var outcome = await book.UpdateAsync(courseId, assignmentId, input, viewer, ct);
        if (outcome is null)
        {
            return TypedResults.NotFound();
        }

        return outcome.Value.Succeeded ? TypedResults.Ok(outcome.Value.Value!) : TypedResults.ValidationProblem(outcome.Value.Errors!.ToDictionary());
    }

    private static async Task<Results<NoContent, NotFound, ForbidHttpResult>> Delete(
        HttpContext context, Guid courseId, Guid assignmentId, CourseAccess access, AssignmentBook book, CancellationToken ct)
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

        return await book.DeleteAsync(courseId, assignmentId, viewer, ct) ? TypedResults.NoContent() : TypedResults.NotFound();
    }

    private static async Task<Results<NoContent, NotFound, ForbidHttpResult>> Detach(
        HttpContext context, Guid courseId, Guid assignmentId, Guid fileId, CourseAccess access, AssignmentBook book, CancellationToken ct)
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

        return await book.RemoveAttachmentAsync(courseId, assignmentId, fileId, ct) ? TypedResults.NoContent() : TypedResults.NotFound();
    }

    private static async Task<Results<Created<IReadOnlyList<FileView>>, ProblemHttpResult>> Attach(
        HttpContext context, Guid courseId, Guid assignmentId, AssignmentUploads uploads, CancellationToken ct)
    {
        var result = await uploads.AttachAsync(context, courseId, assignmentId, fromPage: false, ct);
        return result.Status == IntakeStatus.Created ? TypedResults.Created((string?)null, result.Files!) : Problem(result);
    }

    private static async Task<Results<Ok<ReviewView>, ValidationProblem, NotFound, ForbidHttpResult>> Review(
        HttpContext context, Guid courseId, Guid assignmentId, Guid personId, ReviewInput input, CourseAccess access, AssignmentBook book, CancellationToken ct)
    {
        var viewer = await ViewerAsync(context, courseId, access, ct);
        if (viewer is null || await book.FindAsync(courseId, assignmentId, viewer, ct) is null)
        {
            return TypedResults.NotFound();
        }

        if (!viewer.CanEdit)
        {
            return TypedResults.Forbid();
        }

        var outcome = await book.ReviewAsync(courseId, assignmentId, personId, input, viewer, ct);
        if (outcome is null)
        {
            return TypedResults.NotFound();
        }

        return outcome.Value.Succeeded ? TypedResults.Ok(outcome.Value.Value!) : TypedResults.ValidationProblem(outcome.Value.Errors!.ToDictionary());
    }

    internal static int StatusOf(IntakeStatus status) => status switch
    {
        IntakeStatus.NotFound => StatusCodes.Status404NotFound,
        IntakeStatus.Forbidden => StatusCodes.Status403Forbidden,
        IntakeStatus.Closed => StatusCodes.Status409Conflict,
        IntakeStatus.TooLarge => StatusCodes.Status413PayloadTooLarge,
        IntakeStatus.UnsupportedType => StatusCodes.Status415UnsupportedMediaType,
        _ => StatusCodes.Status400BadRequest,
    };

    internal static ProblemHttpResult Problem(IntakeResult result)
    {
        var extensions = result.Field is null ? null : new Dictionary<string, object?> { ["field"] = result.Field };
        return TypedResults.Problem(
            statusCode: StatusOf(result.Status),
            title: result.Status switch
            {
                IntakeStatus.NotFound => "Not found",
                IntakeStatus.Forbidden => "Not allowed",
                IntakeStatus.Closed => "Deadline passed",
                IntakeStatus.TooLarge => "Too large",
                IntakeStatus.UnsupportedType => "Unsupported file type",
                _ => "Bad request",
            },
            detail: result.Message,
            extensions: extensions);
    }
}
