using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Schoolbel.Server.Courses;
using Schoolbel.Server.Lessons;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;
using Schoolbel.Server.Storage;

namespace Schoolbel.Server.Documents;

public enum CourseItemKind
{
    Folder = 1,
    Document = 2,
    Link = 3,
    Note = 4,
}

/// <summary>
/// One entry of a course's contents: a folder, a document (with versions), a link or a
/// Markdown note. Items of a lesson carry its id and are seen only once the lesson is
/// published for the pupil's class.
/// </summary>
public sealed class CourseItem : ISchoolOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }
    public Guid CourseId { get; set; }

    /// <summary>The folder it sits in; null at the top of the course.</summary>
    public Guid? FolderId { get; set; }

    /// <summary>The lesson it belongs to; null for the course's own contents.</summary>
    public Guid? LessonId { get; set; }

    public CourseItemKind Kind { get; set; }
    public required string Title { get; set; }

    /// <summary>The address of a link (https only).</summary>
    public string? Url { get; set; }

    /// <summary>Markdown of a note, or the instructions that go with an item in a lesson.</summary>
    public string? Text { get; set; }

    public int Position { get; set; }

    /// <summary>Hidden items are seen by the course's teachers only.</summary>
    public bool Hidden { get; set; }

    /// <summary>Set when put in the recycle bin; removed for good after the retention period.</summary>
    public DateTime? DeletedAt { get; set; }

    /// <summary>The newest version of a document.</summary>
    public Guid? CurrentVersionId { get; set; }

    public DateTime CreatedAt { get; set; }
    public Guid CreatedBy { get; set; }
}

/// <summary>One upload of a document; immutable, pointing at a content-addressed blob.</summary>
public sealed class DocumentVersion : ISchoolOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }
    public Guid ItemId { get; set; }
    public int Number { get; set; }
    public required string BlobHash { get; set; }
    public long Length { get; set; }
    public required string ContentType { get; set; }
    public required string FileName { get; set; }
    public DateTime CreatedAt { get; set; }
    public Guid CreatedBy { get; set; }
}

internal sealed class CourseItemConfiguration : IEntityTypeConfiguration<CourseItem>
{
    public void Configure(EntityTypeBuilder<CourseItem> builder)
    {
        builder.HasIndex(i => new { i.CourseId, i.FolderId, i.Position });
        builder.HasIndex(i => i.LessonId);
        builder.HasIndex(i => new { i.SchoolId, i.DeletedAt });
        builder.Property(i => i.Title).HasMaxLength(200);
        builder.Property(i => i.Url).HasMaxLength(2000);
        builder.Property(i => i.Text).Metadata.SetMaxLength(null);
        builder.HasOne<Course>().WithMany().HasForeignKey(i => i.CourseId).OnDelete(DeleteBehavior.Cascade);
        // NoAction (checked at the end of the statement), not Restrict: deleting a course
        // cascades to a folder and its contents in one statement.
        builder.HasOne<CourseItem>().WithMany().HasForeignKey(i => i.FolderId).OnDelete(DeleteBehavior.NoAction);
        builder.HasOne<Lesson>().WithMany().HasForeignKey(i => i.LessonId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class DocumentVersionConfiguration : IEntityTypeConfiguration<DocumentVersion>
{
    public void Configure(EntityTypeBuilder<DocumentVersion> builder)
    {
        builder.HasIndex(v => new { v.ItemId, v.Number }).IsUnique();
        builder.HasIndex(v => v.BlobHash);
        builder.HasIndex(v => v.SchoolId);
        builder.Property(v => v.BlobHash).HasMaxLength(64);
        builder.Property(v => v.ContentType).HasMaxLength(120);
        builder.Property(v => v.FileName).HasMaxLength(255);
        builder.HasOne<CourseItem>().WithMany().HasForeignKey(v => v.ItemId).OnDelete(DeleteBehavior.Cascade);
        // Restrict: a blob row goes only when no version points at it (the collector checks).
        builder.HasOne<Blob>().WithMany().HasForeignKey(v => v.BlobHash).OnDelete(DeleteBehavior.Restrict);
    }
}

/// <summary>A resumable upload in progress: its bytes grow in a temp file until complete.</summary>
public sealed class ResumableUpload : ISchoolOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }
    public Guid CourseId { get; set; }
    public Guid? FolderId { get; set; }
    public Guid? LessonId { get; set; }

    /// <summary>Set when the upload is a new version of an existing document.</summary>
    public Guid? ItemId { get; set; }

    public required string FileName { get; set; }
    public long Length { get; set; }
    public long Received { get; set; }
    public DateTime CreatedAt { get; set; }
    public Guid CreatedBy { get; set; }
}

internal sealed class ResumableUploadConfiguration : IEntityTypeConfiguration<ResumableUpload>
{
    public void Configure(EntityTypeBuilder<ResumableUpload> builder)
    {
        builder.HasIndex(u => u.SchoolId);
        builder.HasIndex(u => u.CreatedAt);
        builder.Property(u => u.FileName).HasMaxLength(255);
        builder.HasOne<Course>().WithMany().HasForeignKey(u => u.CourseId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Person>().WithMany().HasForeignKey(u => u.CreatedBy).OnDelete(DeleteBehavior.Cascade);
    }
}
