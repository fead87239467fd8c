using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Data;
using Schoolbel.Server.Notifications;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Messages;

/// <summary>The mailbox: inbox, sent, trash and folders, with search; parents also see their children's messages from the school.</summary>
[Authorize(Policy = SchoolbelPolicies.SchoolMember)]
[SchoolEndpoint]
public sealed class InboxModel(Mailbox mailbox, SchoolbelDb db, UnreadCounters counters) : PageModel
{
    public MailboxPage Messages { get; private set; } = new([], 1, false);
    public IReadOnlyList<FolderView> Folders { get; private set; } = [];
    public IReadOnlyList<(Guid Id, string Name)> Children { get; private set; } = [];
    public string Box { get; private set; } = "inbox";
    public string? Search { get; private set; }
    public Guid? Child { get; private set; }
    public string? ChildName { get; private set; }
    public string? FolderError { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? box, string? q, int? page, Guid? child, CancellationToken cancellationToken)
    {
        var me = User.PersonId();
        Box = string.IsNullOrEmpty(box) ? "inbox" : box;
        Search = q;
        Folders = await mailbox.FoldersAsync(me, cancellationToken);
        if (User.Role() == PersonRole.Parent)
        {
            Children = (await db.ParentLinks.Where(l => l.ParentId == me).Join(db.People, l => l.PupilId, p => p.Id, (l, p) => new { p.Id, p.FirstName, p.LastName })
                .OrderBy(p => p.FirstName).ToListAsync(cancellationToken)).Select(p => (p.Id, p.FirstName + " " + p.LastName)).ToList();
        }

        if (child is { } childId)
        {
            var found = await mailbox.ChildListAsync(me, childId, q, page ?? 1, cancellationToken);
            if (found is null)
            {
                return NotFound();
            }

            Child = childId;
            ChildName = Children.FirstOrDefault(c => c.Id == childId).Name;
            Messages = found;
            return Page();
        }

        var list = await mailbox.ListAsync(me, Box, q, page ?? 1, cancellationToken);
        if (list is null)
        {
            return NotFound();
        }

        Messages = list;
        if (Box == "inbox" && string.IsNullOrEmpty(q) && (page ?? 1) == 1)
        {
            // Opening the inbox is the moment to heal a counter that drifted (a page about these rows anyway).
            await counters.RecountAsync(me, cancellationToken);
        }

        return Page();
    }

    public async Task<IActionResult> OnPostFolderAsync(string? name, CancellationToken cancellationToken)
    {
        var outcome = await mailbox.CreateFolderAsync(User.PersonId(), new FolderInput(name), cancellationToken);
        if (outcome.Succeeded)
        {
            return RedirectToPage(new { box = outcome.Value!.Id.ToString() });
        }

        FolderError = string.Join(" ", outcome.Errors!.ToDictionary().Values.SelectMany(m => m));
        await OnGetAsync(null, null, 1, null, cancellationToken);
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    public string BoxName => Box switch
    {
        "inbox" => "Postvak in",
        "sent" => "Verzonden",
        "trash" => "Prullenbak",
        _ => Folders.FirstOrDefault(f => f.Id.ToString() == Box)?.Name ?? "Map",
    };
}
