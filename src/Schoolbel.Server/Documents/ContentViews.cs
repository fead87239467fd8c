namespace Schoolbel.Server.Documents;

/// <summary>Model of the item list partial: the items, whether the viewer edits, and the "move to" choices.</summary>
public sealed record ItemList(IReadOnlyList<ItemNode> Items, bool CanEdit, Guid CourseId, IReadOnlyList<FolderChoice> Folders, bool InLesson, IReadOnlyList<Guid>? DoneItemIds = null, Guid? LessonId = null);

/// <summary>Model of the upload partial: where files go.</summary>
public sealed record UploadForm(Guid CourseId, Guid? LessonId, IReadOnlyList<FolderChoice> Folders);

/// <summary>Model of the folder select partial.</summary>
public sealed record FolderSelect(IReadOnlyList<FolderChoice> Folders, Guid? Selected, string Id);
