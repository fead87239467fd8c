using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Schoolbel.Server.Courses;
using Schoolbel.Server.Documents;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;

namespace Schoolbel.Server.Lessons;

/// <summary>
/// A lesson prepared ahead: instructions and an ordered list of items (course items with this
/// lesson's id), published per class at a chosen time.
/// </summary>
public sealed class Lesson : ISchoolOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }
    public Guid CourseId { get; set; }
    public required string Title { get; set; }

    /// <summary>Markdown.</summary>
    public string? Instructions { get; set; }

    /// <summary>The time the teacher asked for; each class's exact time is on <see cref="LessonClass"/>.</summary>
    public DateTime? RequestedPublishAt { get; set; }

    public DateTime CreatedAt { get; set; }
    public Guid CreatedBy { get; set; }
}

/// <summary>When a lesson becomes visible to one class: the requested time, or a slot in the school's spreading window.</summary>
public sealed class LessonClass : ISchoolOwned
{
    public Guid SchoolId { get; set; }
    public Guid LessonId { get; set; }
    public Guid ClassId { get; set; }
    public DateTime PublishAt { get; set; }
}

/// <summary>A pupil marked a lesson item done.</summary>
public sealed class ItemProgress : ISchoolOwned
{
    public Guid SchoolId { get; set; }
    public Guid ItemId { get; set; }
    public Guid PupilId { get; set; }
    public DateTime DoneAt { get; set; }
}

/// <summary>
/// A school's choices about lessons. Publishing: when many lessons are due at the same minute,
/// spread them over the <see cref="SpreadMinutes"/> minutes before it, one slot per class
/// (0 = off). Timetable: when the first lesson of the day starts (<see cref="FirstLessonAt"/>),
/// which the warm-up and the operator's morning view go by. A school without a row has the defaults.
/// </summary>
public sealed class LessonSettings : ISchoolOwned
{
    public static readonly TimeOnly DefaultFirstLessonAt = new(8, 30);
    public static readonly TimeOnly EarliestFirstLessonAt = new(6, 0);
    public static readonly TimeOnly LatestFirstLessonAt = new(12, 0);

    public Guid SchoolId { get; set; }
    public int SpreadMinutes { get; set; }

    /// <summary>School-local start of the first lesson of the day.</summary>
    public TimeOnly FirstLessonAt { get; set; } = DefaultFirstLessonAt;
}

internal sealed class LessonConfiguration : IEntityTypeConfiguration<Lesson>
{
    public void Configure(EntityTypeBuilder<Lesson> builder)
    {
        builder.HasIndex(l => new { l.CourseId, l.RequestedPublishAt });
        builder.Property(l => l.Title).HasMaxLength(200);
        builder.Property(l => l.Instructions).Metadata.SetMaxLength(null);
        builder.HasOne<Course>().WithMany().HasForeignKey(l => l.CourseId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class LessonClassConfiguration : IEntityTypeConfiguration<LessonClass>
{
    public void Configure(EntityTypeBuilder<LessonClass> builder)
    {
        builder.HasKey(l => new { l.LessonId, l.ClassId });
        builder.HasIndex(l => new { l.ClassId, l.PublishAt });
        builder.HasIndex(l => new { l.SchoolId, l.PublishAt });
        builder.HasOne<Lesson>().WithMany().HasForeignKey(l => l.LessonId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<SchoolClass>().WithMany().HasForeignKey(l => l.ClassId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ItemProgressConfiguration : IEntityTypeConfiguration<ItemProgress>
{
    public void Configure(EntityTypeBuilder<ItemProgress> builder)
    {
        builder.HasKey(p => new { p.ItemId, p.PupilId });
        builder.HasIndex(p => p.PupilId);
        builder.HasOne<CourseItem>().WithMany().HasForeignKey(p => p.ItemId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Person>().WithMany().HasForeignKey(p => p.PupilId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class LessonSettingsConfiguration : IEntityTypeConfiguration<LessonSettings>
{
    public void Configure(EntityTypeBuilder<LessonSettings> builder)
    {
        builder.HasKey(s => s.SchoolId);
        builder.HasOne<School>().WithMany().HasForeignKey(s => s.SchoolId).OnDelete(DeleteBehavior.Cascade);
    }
}
