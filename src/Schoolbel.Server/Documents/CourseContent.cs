using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Courses;
using Schoolbel.Server.Data;
using Schoolbel.Server.HotReads;
using Schoolbel.Server.Lessons;
using Schoolbel.Server.Web;

namespace Schoolbel.Server.Documents;

/// <summary>
/// A course's folders, documents, links and notes: what each viewer sees, and the teachers'
/// changes (add, rename, move, hide, delete to the recycle bin, restore). The tree is cached
/// per course (tag <see cref="HotTags.Course"/>), and every change here invalidates it.
/// </summary>
public sealed partial class CourseContent(SchoolbelDb db, HotCache cache, TimeProvider time, ILogger<CourseContent> logger)
{
    public const int MaxTitleLength = 200;
    public const int MaxTextLength = 100_000;

    /// <summary>The visible, not deleted items of a course (lesson items excluded), as a tree.</summary>
    public async Task<IReadOnlyList<ItemNode>> TreeAsync(Guid courseId, CourseViewer viewer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(viewer);
        var tree = await FullTreeAsync(courseId, cancellationToken);
        return viewer.CanEdit ? tree : WithoutHidden(tree);
    }

    /// <summary>The course's whole tree, hidden items included (cached; pupils get it through <see cref="TreeAsync"/>).</summary>
    public async Task<IReadOnlyList<ItemNode>> FullTreeAsync(Guid courseId, CancellationToken cancellationToken)
    {
        var school = SchoolId;
        return await cache.GetOrLoadAsync(
            HotKinds.Tree,
            TreeKey(school, courseId),
            [HotTags.Course(courseId)],
            async () => (await LoadTreesAsync([courseId], CancellationToken.None))[courseId]);
    }

    internal static string TreeKey(Guid schoolId, Guid courseId) => HotKeys.Of(HotKinds.Tree, schoolId, courseId);

    /// <summary>The whole trees of some courses in three queries (the warm-up loads many at once).</summary>
    internal async Task<Dictionary<Guid, IReadOnlyList<ItemNode>>> LoadTreesAsync(IReadOnlyCollection<Guid> courseIds, CancellationToken cancellationToken)
    {
        var ids = courseIds.ToList();
        var items = await db.Set<CourseItem>().AsNoTracking()
            .Where(i => ids.Contains(i.CourseId) && i.DeletedAt == null && i.LessonId == null)
            .ToListAsync(cancellationToken);
        var versions = await VersionsOfAsync(items.Where(i => i.CurrentVersionId != null).Select(i => i.CurrentVersionId!.Value).ToList(), cancellationToken);
        var byFolder = items.ToLookup(i => (i.CourseId, i.FolderId));

        IReadOnlyList<ItemNode> Children(Guid courseId, Guid? folderId) =>
            byFolder[(courseId, folderId)]
                .OrderBy(i => i.Kind == CourseItemKind.Folder ? 0 : 1).ThenBy(i => i.Position).ThenBy(i => i.Title, StringComparer.CurrentCultureIgnoreCase)
                .Select(i => ItemNode.From(i, i.CurrentVersionId is { } v ? versions.GetValueOrDefault(v) : null, i.Kind == CourseItemKind.Folder ? Children(courseId, i.Id) : []))
                .ToList();

        return ids.Distinct().ToDictionary(id => id, id => Children(id, null));
    }

    /// <summary>The not deleted items (hidden ones too) of some lessons, each lesson's in order.</summary>
    internal async Task<Dictionary<Guid, IReadOnlyList<ItemNode>>> LoadLessonItemsAsync(IReadOnlyCollection<Guid> lessonIds, CancellationToken cancellationToken)
    {
        var ids = lessonIds.ToList();
        var items = await db.Set<CourseItem>().AsNoTracking()
            .Where(i => i.LessonId != null && ids.Contains(i.LessonId.Value) && i.DeletedAt == null)
            .OrderBy(i => i.Position).ThenBy(i => i.CreatedAt)
            .ToListAsync(cancellationToken);
        var versions = await VersionsOfAsync(items.Where(i => i.CurrentVersionId != null).Select(i => i.CurrentVersionId!.Value).ToList(), cancellationToken);
        var byLesson = items.ToLookup(i => i.LessonId!.Value);
        return ids.Distinct().ToDictionary(
            id => id,
            id => (IReadOnlyList<ItemNode>)byLesson[id].Select(i => ItemNode.From(i, i.CurrentVersionId is { } v ? versions.GetValueOrDefault(v) : null, [])).ToList());
    }

    /// <summary>What pupils and parents see of a tree: hidden items (and what hidden folders hold) left out.</summary>
    public static IReadOnlyList<ItemNode> WithoutHidden(IReadOnlyList<ItemNode> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        return nodes.Where(n => !n.Hidden)
            .Select(n => n.Children.Count > 0 ? n with { Children = WithoutHidden(n.Children) } : n)
            .ToList();
    }

    /// <summary>The folders of a course, for "move to" choices (teachers).</summary>
    public async Task<IReadOnlyList<FolderChoice>> FoldersAsync(Guid courseId, CancellationToken cancellationToken) =>
        await db.Set<CourseItem>().AsNoTracking()
            .Where(i => i.CourseId == courseId && i.Kind == CourseItemKind.Folder && i.DeletedAt == null && i.LessonId == null)
            .OrderBy(i => i.Title)
            .Select(i => new FolderChoice(i.Id, i.Title))
            .ToListAsync(cancellationToken);

    /// <summary>Items in the recycle bin (teachers).</summary>
    public async Task<IReadOnlyList<BinEntry>> RecycleBinAsync(Guid courseId, CancellationToken cancellationToken) =>
        await db.Set<CourseItem>().AsNoTracking()
            .Where(i => i.CourseId == courseId && i.DeletedAt != null)
            .OrderByDescending(i => i.DeletedAt)
            .Select(i => new BinEntry(i.Id, i.Kind, i.Title, i.DeletedAt!.Value))
            .ToListAsync(cancellationToken);

    /// <summary>Whether the item or a folder above it is hidden, or in the recycle bin.</summary>
    public async Task<(bool Hidden, bool Deleted)> ChainStateAsync(CourseItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        var hidden = false;
        var current = item;
        for (var depth = 0; depth < 32; depth++)
        {
            if (current.DeletedAt is not null)
            {
                return (hidden, true);
            }

            hidden |= current.Hidden;
            if (current.FolderId is not { } folderId)
            {
                return (hidden, false);
            }

            var parent = await db.Set<CourseItem>().AsNoTracking().FirstOrDefaultAsync(i => i.Id == folderId, cancellationToken);
            if (parent is null)
            {
                return (hidden, true);
            }

            current = parent;
        }

        return (hidden, true);
    }

    public async Task<Outcome<ItemNode>> AddFolderAsync(Guid courseId, Guid? folderId, string? title, CourseViewer editor, CancellationToken cancellationToken) =>
        await AddAsync(courseId, folderId, null, CourseItemKind.Folder, title, null, null, editor, cancellationToken);

    public async Task<Outcome<ItemNode>> AddLinkAsync(Guid courseId, Guid? folderId, Guid? lessonId, string? title, string? url, string? text, CourseViewer editor, CancellationToken cancellationToken) =>
        await AddAsync(courseId, folderId, lessonId, CourseItemKind.Link, title, url, text, editor, cancellationToken);

    public async Task<Outcome<ItemNode>> AddNoteAsync(Guid courseId, Guid? folderId, Guid? lessonId, string? title, string? text, CourseViewer editor, CancellationToken cancellationToken) =>
        await AddAsync(courseId, folderId, lessonId, CourseItemKind.Note, title, null, text, editor, cancellationToken);

    /// <summary>Renames, moves (to another folder of the same course, never into itself), hides or shows an item.</summary>
    public async Task<Outcome<ItemNode>?> UpdateAsync(Guid courseId, Guid itemId, ItemChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        var item = await db.Set<CourseItem>().FirstOrDefaultAsync(i => i.Id == itemId && i.CourseId == courseId && i.DeletedAt == null, cancellationToken);
        if (item is null)
        {
            return null;
        }

        var errors = new FieldErrors();
        if (change.Title is not null)
        {
            var title = change.Title.Trim();
            if (title.Length is 0 or > MaxTitleLength)
            {
                errors.Add("title", $"Geef een titel van 1 tot {MaxTitleLength} tekens.");
            }

            item.Title = title;
        }

        if (change.MoveToRoot)
        {
            item.FolderId = null;
        }
        else if (change.FolderId is { } folderId && folderId != item.FolderId)
        {
            if (item.LessonId is not null)
            {
                errors.Add("folderId", "Een onderdeel van een les kan niet naar een map.");
            }
            else if (!await IsFolderOfAsync(courseId, folderId, cancellationToken) || await IsSelfOrDescendantAsync(folderId, item.Id, cancellationToken))
            {
                errors.Add("folderId", "Die map bestaat niet in dit vak.");
            }

            item.FolderId = folderId;
        }

        if (change.Hidden is { } hidden)
        {
            item.Hidden = hidden;
        }

        if (change.Text is not null && item.Kind is CourseItemKind.Note or CourseItemKind.Link)
        {
            item.Text = change.Text.Length > MaxTextLength ? null : change.Text;
        }

        if (errors.Any)
        {
            return errors;
        }

        await db.SaveChangesAsync(cancellationToken);
        cache.Invalidate(HotTags.Course(courseId));
        return await NodeAsync(item, cancellationToken);
    }

    /// <summary>Puts an item (a folder with all it holds) in the recycle bin.</summary>
    public async Task<bool> DeleteAsync(Guid courseId, Guid itemId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var changed = await db.Set<CourseItem>()
            .Where(i => i.Id == itemId && i.CourseId == courseId && i.DeletedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.DeletedAt, now), cancellationToken);
        cache.Invalidate(HotTags.Course(courseId));
        return changed == 1;
    }

    /// <summary>Takes an item out of the recycle bin (back to the top level if its folder is gone).</summary>
    public async Task<bool> RestoreAsync(Guid courseId, Guid itemId, CancellationToken cancellationToken)
    {
        var item = await db.Set<CourseItem>().FirstOrDefaultAsync(i => i.Id == itemId && i.CourseId == courseId && i.DeletedAt != null, cancellationToken);
        if (item is null)
        {
            return false;
        }

        item.DeletedAt = null;
        if (item.FolderId is { } folderId && !await db.Set<CourseItem>().AnyAsync(f => f.Id == folderId && f.DeletedAt == null, cancellationToken))
        {
            item.FolderId = null;
        }

        await db.SaveChangesAsync(cancellationToken);
        cache.Invalidate(HotTags.Course(courseId));
        return true;
    }

    internal async Task<bool> IsFolderOfAsync(Guid courseId, Guid folderId, CancellationToken cancellationToken) =>
        await db.Set<CourseItem>().AnyAsync(
            f => f.Id == folderId && f.CourseId == courseId && f.Kind == CourseItemKind.Folder && f.DeletedAt == null && f.LessonId == null,
            cancellationToken);

    internal async Task<bool> IsLessonOfAsync(Guid courseId, Guid lessonId, CancellationToken cancellationToken) =>
        await db.Set<Lesson>().AnyAsync(l => l.Id == lessonId && l.CourseId == courseId, cancellationToken);

    internal async Task<int> NextPositionAsync(Guid courseId, Guid? folderId, Guid? lessonId, CancellationToken cancellationToken) =>
        1 + (await db.Set<CourseItem>()
            .Where(i => i.CourseId == courseId && i.FolderId == folderId && i.LessonId == lessonId)
            .MaxAsync(i => (int?)i.Position, cancellationToken) ?? 0);

    private async Task<bool> IsSelfOrDescendantAsync(Guid folderId, Guid itemId, CancellationToken cancellationToken)
    {
        Guid? current = folderId;
        for (var depth = 0; current is { } id && depth < 32; depth++)
        {
            if (id == itemId)
            {
                return true;
            }

            current = await db.Set<CourseItem>().Where(i => i.Id == id).Select(i => i.FolderId).FirstOrDefaultAsync(cancellationToken);
        }

        return false;
    }

    private async Task<Dictionary<Guid, DocumentVersion>> VersionsOfAsync(List<Guid> ids, CancellationToken cancellationToken) =>
        ids.Count == 0
            ? []
            : await db.Set<DocumentVersion>().AsNoTracking().Where(v => ids.Contains(v.Id)).ToDictionaryAsync(v => v.Id, cancellationToken);

    private async Task<ItemNode> NodeAsync(CourseItem item, CancellationToken cancellationToken)
    {
        var version = item.CurrentVersionId is { } v
            ? await db.Set<DocumentVersion>().AsNoTracking().FirstOrDefaultAsync(x => x.Id == v, cancellationToken)
            : null;
        return ItemNode.From(item, version, []);
    }

    private async Task<Outcome<ItemNode>> AddAsync(
        Guid courseId, Guid? folderId, Guid? lessonId, CourseItemKind kind, string? title, string? url, string? text, CourseViewer editor, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        title = title?.Trim() ?? "";
        if (kind == CourseItemKind.Link && title.Length == 0 && url is not null)
        {
            title = url.Trim();
        }

        if (title.Length is 0 or > MaxTitleLength)
        {
            errors.Add("title", $"Geef een titel van 1 tot {MaxTitleLength} tekens.");
        }

        if (kind == CourseItemKind.Link)
        {
            if (!Uri.TryCreate(url?.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
            {
                LogRejectedLink(logger, courseId, url);
                errors.Add("url", "Geef een webadres dat met https:// begint.");
            }
            else
            {
                url = uri.AbsoluteUri;
            }
        }

        if (text is { Length: > MaxTextLength })
        {
            errors.Add("text", $"De tekst mag hoogstens {MaxTextLength} tekens lang zijn.");
        }

        if (folderId is { } f && (lessonId is not null || !await IsFolderOfAsync(courseId, f, cancellationToken)))
        {
            errors.Add("folderId", "Die map bestaat niet in dit vak.");
        }

        if (lessonId is { } l && !await IsLessonOfAsync(courseId, l, cancellationToken))
        {
            errors.Add("lessonId", "Die les bestaat niet in dit vak.");
        }

        if (errors.Any)
        {
            return errors;
        }

        var item = new CourseItem
        {
            SchoolId = db.CurrentSchoolId ?? throw new InvalidOperationException("No school in scope."),
            CourseId = courseId,
            FolderId = folderId,
            LessonId = lessonId,
            Kind = kind,
            Title = title,
            Url = kind == CourseItemKind.Link ? url : null,
            Text = string.IsNullOrWhiteSpace(text) ? null : text,
            Position = await NextPositionAsync(courseId, folderId, lessonId, cancellationToken),
            CreatedAt = time.GetUtcNow().UtcDateTime,
            CreatedBy = editor.PersonId,
        };
        db.Add(item);
        await db.SaveChangesAsync(cancellationToken);
        cache.Invalidate(HotTags.Course(courseId));
        return ItemNode.From(item, null, []);
    }

    private Guid SchoolId => db.CurrentSchoolId ?? throw new InvalidOperationException("No school in scope.");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a link in course {CourseId}: {Url}")]
    private static partial void LogRejectedLink(ILogger logger, Guid courseId, string? url);
}

/// <summary>An item as shown in a course tree or a lesson; <see cref="Children"/> only for folders.</summary>
public sealed record ItemNode(
    Guid Id,
    Guid? FolderId,
    Guid? LessonId,
    CourseItemKind Kind,
    string Title,
    string? Url,
    string? Text,
    bool Hidden,
    int Position,
    DocumentVersionView? Version,
    IReadOnlyList<ItemNode> Children)
{
    internal static ItemNode From(CourseItem item, DocumentVersion? version, IReadOnlyList<ItemNode> children) =>
        new(item.Id, item.FolderId, item.LessonId, item.Kind, item.Title, item.Url, item.Text, item.Hidden, item.Position,
            version is null ? null : DocumentVersionView.From(version), children);
}

/// <summary>A document version; <see cref="Path"/> is the versioned download path inside the school (append to <c>/{school}</c>).</summary>
public sealed record DocumentVersionView(Guid Id, int Number, string FileName, string ContentType, long Length, string Sha256, DateTime CreatedAt, string Path)
{
    internal static DocumentVersionView From(DocumentVersion v) =>
        new(v.Id, v.Number, v.FileName, v.ContentType, v.Length, v.BlobHash, v.CreatedAt, $"/documents/{v.ItemId}/versions/{v.Id}");
}

public sealed record FolderChoice(Guid Id, string Title);

public sealed record BinEntry(Guid Id, CourseItemKind Kind, string Title, DateTime DeletedAt);

/// <summary>A change to an item; null fields stay as they are.</summary>
public sealed record ItemChange(string? Title = null, Guid? FolderId = null, bool MoveToRoot = false, bool? Hidden = null, string? Text = null);
