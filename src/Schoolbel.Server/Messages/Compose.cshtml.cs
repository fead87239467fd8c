using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Data;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Messages;

/// <summary>
/// Writing a message: people (those the school's policy allows), and for staff whole classes,
/// courses' pupils, parents of classes and all staff; attachments go through the blob store.
/// </summary>
[Authorize(Policy = SchoolbelPolicies.SchoolMember)]
[SchoolEndpoint]
// Room for the attachments of one message; each file is checked against its own limit while it streams in.
[RequestSizeLimit(210L * 1024 * 1024)]
[RequestFormLimits(MultipartBodyLengthLimit = 210L * 1024 * 1024)]
public sealed class ComposeModel(Mailbox mailbox, MessageAttachments attachments, MessagingRules rules, SchoolbelDb db) : PageModel
{
    public sealed record Choice(Guid Id, string Name, string Group);

    public IReadOnlyList<Choice> People { get; private set; } = [];
    public IReadOnlyList<Choice> Classes { get; private set; } = [];
    public IReadOnlyList<Choice> Courses { get; private set; } = [];
    public bool IsStaff { get; private set; }
    public string Subject { get; private set; } = "";
    public string Body { get; private set; } = "";
    public HashSet<Guid> Chosen { get; private set; } = [];
    public Guid? ReplyTo { get; private set; }
    public Guid? ForwardOf { get; private set; }
    public IReadOnlyList<AttachmentView> Forwarded { get; private set; } = [];
    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid? reply, Guid? forward, Guid? to, CancellationToken cancellationToken)
    {
        var me = User.PersonId();
        if (reply is { } replyId)
        {
            var original = await mailbox.GetAsync(replyId, me, null, markRead: false, cancellationToken);
            if (original is null)
            {
                return NotFound();
            }

            ReplyTo = replyId;
            Subject = original.Subject.StartsWith("Re: ", StringComparison.Ordinal) ? original.Subject : "Re: " + original.Subject;
            Body = Quote(original);
            Chosen.Add(original.SenderId == me ? Guid.Empty : original.SenderId);
        }
        else if (forward is { } forwardId)
        {
            var original = await mailbox.GetAsync(forwardId, me, null, markRead: false, cancellationToken);
            if (original is null)
            {
                return NotFound();
            }

            ForwardOf = forwardId;
            Subject = "Fw: " + original.Subject;
            Body = Quote(original);
            Forwarded = original.Attachments;
        }
        else if (to is { } person)
        {
            Chosen.Add(person);
        }

        await LoadOptionsAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(
        List<Guid>? personIds, List<Guid>? classIds, List<Guid>? courseIds, List<Guid>? parentsOfClassIds, bool staff,
        string? subject, string? body, Guid? replyTo, Guid? forwardOf, List<IFormFile>? files, CancellationToken cancellationToken)
    {
        var me = User.PersonId();
        var uploaded = new List<Guid>();
        foreach (var file in files ?? [])
        {
            if (file.Length == 0 && string.IsNullOrEmpty(file.FileName))
            {
                continue;
            }

            await using var stream = file.OpenReadStream();
            var result = await attachments.UploadAsync(file.FileName, file.Length, stream, me, cancellationToken);
            if (result.Status != AttachmentStatus.Created)
            {
                return await RefuseAsync(result.Message!, result.Status == AttachmentStatus.TooLarge ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest);
            }

            uploaded.Add(result.Attachment!.Id);
        }

        var sent = await mailbox.SendAsync(MessagesEndpoints.SenderOf(HttpContext),
            new SendInput(new RecipientsInput(personIds, classIds, courseIds, parentsOfClassIds, staff), subject, body, uploaded, replyTo, forwardOf), cancellationToken);
        switch (sent.Status)
        {
            case SendStatus.Sent:
                return Redirect(Url.Content($"~/messages/{sent.Message!.Id}?sent=true"));
            case SendStatus.Forbidden:
                return await RefuseAsync(sent.Reason!, StatusCodes.Status403Forbidden);
            case SendStatus.OverQuota:
                return await RefuseAsync(sent.Reason!, StatusCodes.Status413PayloadTooLarge);
            default:
                return await RefuseAsync(string.Join(" ", sent.Errors!.ToDictionary().Values.SelectMany(m => m)), StatusCodes.Status400BadRequest);
        }

        async Task<IActionResult> RefuseAsync(string message, int status)
        {
            // Nothing was sent; uploads of this attempt are dropped with the unsent ones later.
            Error = message;
            Subject = subject ?? "";
            Body = body ?? "";
            ReplyTo = replyTo;
            ForwardOf = forwardOf;
            Chosen = [.. personIds ?? [], .. classIds ?? [], .. courseIds ?? [], .. (parentsOfClassIds ?? []).Select(Parents)];
            await LoadOptionsAsync(cancellationToken);
            Response.StatusCode = status;
            return Page();
        }
    }

    /// <summary>The option value of "parents of class X" differs from "class X" so both can be chosen.</summary>
    public static Guid Parents(Guid classId)
    {
        var bytes = classId.ToByteArray();
        bytes[0] ^= 0xFF;
        return new Guid(bytes);
    }

    private async Task LoadOptionsAsync(CancellationToken cancellationToken)
    {
        var me = User.PersonId();
        var role = User.Role() ?? PersonRole.Pupil;
        IsStaff = MessagingRules.IsStaff(role);
        var reachable = await rules.ReachableAsync(me, role, cancellationToken);
        var replyTarget = Chosen.ToList();
        var people = db.People.AsNoTracking().Where(p => p.Id != me);
        if (reachable is not null)
        {
            var ids = reachable.Concat(replyTarget).ToList();
            people = people.Where(p => ids.Contains(p.Id));
        }

        People = (await people.OrderBy(p => p.Role).ThenBy(p => p.LastName).ThenBy(p => p.FirstName)
                .Select(p => new { p.Id, p.FirstName, p.LastName, p.Role }).Take(5000).ToListAsync(cancellationToken))
            .Select(p => new Choice(p.Id, p.FirstName + " " + p.LastName, p.Role switch
            {
                PersonRole.Pupil => "Leerlingen",
                PersonRole.Parent => "Ouders",
                _ => "Personeel",
            }))
            .ToList();
        if (IsStaff)
        {
            Classes = await db.Classes.AsNoTracking().OrderBy(c => c.Name).Select(c => new Choice(c.Id, c.Name, "")).ToListAsync(cancellationToken);
            Courses = await db.Courses.AsNoTracking().OrderBy(c => c.Name).Select(c => new Choice(c.Id, c.Name, "")).ToListAsync(cancellationToken);
        }
    }

    private static string Quote(MessageDetails original) =>
        "\n\n" + string.Join('\n', $"{original.SenderName} schreef:\n{original.Body}".Split('\n').Select(l => "> " + l));
}
