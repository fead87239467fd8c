using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Schoolbel.Server.Courses;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;

namespace Schoolbel.Server.Planner;

/// <summary>One lesson in a class's weekly timetable: every <see cref="Weekday"/> from <see cref="Start"/> to <see cref="End"/> (school-local).</summary>
public sealed class TimetableSlot : ISchoolOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }
    public Guid ClassId { get; set; }
    public Guid CourseId { get; set; }
    public DayOfWeek Weekday { get; set; }
    public TimeOnly Start { get; set; }
    public TimeOnly End { get; set; }
    public string? Room { get; set; }
}

public enum PlannerItemKind
{
    Homework = 1,
    Test = 2,
    Bring = 3,
}

/// <summary>Homework, a test or something to bring, set by a teacher of the course for one of its classes on one day.</summary>
public sealed class PlannerItem : ISchoolOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }
    public Guid CourseId { get; set; }
    public Guid ClassId { get; set; }
    public PlannerItemKind Kind { get; set; }

    /// <summary>The school day it is due (homework), held (test) or needed (bring).</summary>
    public DateOnly Day { get; set; }
    public required string Title { get; set; }
    public string? Details { get; set; }
    public Guid CreatedBy { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>
/// A person's calendar subscription. Only the SHA-256 of the secret in the URL is kept, so the
/// URL is shown once; making a new one replaces the hash, which revokes the old URL.
/// </summary>
public sealed class CalendarFeed : ISchoolOwned
{
    public Guid PersonId { get; set; }
    public Guid SchoolId { get; set; }
    public required string TokenHash { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class TimetableSlotConfiguration : IEntityTypeConfiguration<TimetableSlot>
{
    public void Configure(EntityTypeBuilder<TimetableSlot> builder)
    {
        builder.HasIndex(s => new { s.ClassId, s.Weekday, s.Start });
        builder.HasIndex(s => s.CourseId);
        builder.Property(s => s.Room).HasMaxLength(40);
        builder.HasOne<SchoolClass>().WithMany().HasForeignKey(s => s.ClassId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Course>().WithMany().HasForeignKey(s => s.CourseId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class PlannerItemConfiguration : IEntityTypeConfiguration<PlannerItem>
{
    public void Configure(EntityTypeBuilder<PlannerItem> builder)
    {
        builder.HasIndex(i => new { i.ClassId, i.Day });
        builder.HasIndex(i => new { i.CourseId, i.Day });
        builder.Property(i => i.Title).HasMaxLength(PlannerItems.MaxTitleLength);
        builder.Property(i => i.Details).HasMaxLength(PlannerItems.MaxDetailsLength);
        builder.HasOne<Course>().WithMany().HasForeignKey(i => i.CourseId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<SchoolClass>().WithMany().HasForeignKey(i => i.ClassId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class CalendarFeedConfiguration : IEntityTypeConfiguration<CalendarFeed>
{
    public void Configure(EntityTypeBuilder<CalendarFeed> builder)
    {
        builder.HasKey(f => f.PersonId);
        builder.HasIndex(f => f.TokenHash).IsUnique();
        builder.Property(f => f.TokenHash).HasMaxLength(64);
        builder.HasOne<Person>().WithMany().HasForeignKey(f => f.PersonId).OnDelete(DeleteBehavior.Cascade);
    }
}
