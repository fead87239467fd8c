using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Messages;

/// <summary>One message: read it (which marks it read), answer, forward, file it in a folder, trash or restore it.</summary>
[Authorize(Policy = SchoolbelPolicies.SchoolMember)]
[SchoolEndpoint]
public sealed class ReadModel(Mailbox mailbox) : PageModel
{
    public MessageDetails Message { get; private set; } = null!;
    public IReadOnlyList<FolderView> Folders { get; private set; } = [];
    public Guid? Child { get; private set; }
    public bool Sent { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid messageId, Guid? child, bool sent, CancellationToken cancellationToken)
    {
        var found = await mailbox.GetAsync(messageId, User.PersonId(), child, markRead: true, cancellationToken);
        if (found is null)
        {
            return NotFound();
        }

        Message = found;
        Child = child;
        Sent = sent;
        Folders = await mailbox.FoldersAsync(User.PersonId(), cancellationToken);
        return Page();
    }

    public Task<IActionResult> OnPostMoveAsync(Guid messageId, Guid? folderId, CancellationToken cancellationToken) =>
        MoveAsync(messageId, folderId is null ? new MoveInput(ToInbox: true) : new MoveInput(FolderId: folderId), cancellationToken);

    public Task<IActionResult> OnPostTrashAsync(Guid messageId, bool trash, CancellationToken cancellationToken) =>
        MoveAsync(messageId, new MoveInput(Trash: trash), cancellationToken);

    public async Task<IActionResult> OnPostUnreadAsync(Guid messageId, CancellationToken cancellationToken) =>
        await mailbox.MarkReadAsync(messageId, User.PersonId(), false, cancellationToken) ? Redirect(Url.Content("~/messages")) : NotFound();

    private async Task<IActionResult> MoveAsync(Guid messageId, MoveInput input, CancellationToken cancellationToken)
    {
        var outcome = await mailbox.MoveAsync(messageId, User.PersonId(), input, cancellationToken);
        if (outcome is null || !outcome.Value.Succeeded)
        {
            // A folder that is not theirs is as unknown as a message that is not theirs.
            return NotFound();
        }

        return Redirect(Url.Content($"~/messages/{messageId}"));
    }
}
