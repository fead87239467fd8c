using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Schoolbel.Server.Courses;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;

namespace Schoolbel.Server.Exercises;

/// <summary>A set of auto-corrected exercises in a course.</summary>
public sealed class ExerciseSet : ISchoolOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }
    public Guid CourseId { get; set; }
    public required string Title { get; set; }
    public DateTime CreatedAt { get; set; }
    public Guid CreatedBy { get; set; }
}

/// <summary>One item of a set. The answer key lives in <see cref="Spec"/> (JSON of <see cref="ItemSpec"/>).</summary>
public sealed class ExerciseItem : ISchoolOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }
    public Guid CourseId { get; set; }
    public Guid SetId { get; set; }
    public ItemKind Kind { get; set; }

    /// <summary>What it practises, e.g. "tafels van 7"; abilities are kept per pupil, course and skill.</summary>
    public required string Skill { get; set; }

    /// <summary>
    /// The item's rating on the logit scale (see <see cref="Elo"/>): the teacher's 1–5 at first,
    /// then re-estimated from the answers in batches by <see cref="ItemCalibration"/>, never per answer.
    /// </summary>
    public double Difficulty { get; set; }

    /// <summary>How many answers the calibration has taken into <see cref="Difficulty"/> (its K shrinks with them).</summary>
    public int CalibratedAnswers { get; set; }

    public required string Spec { get; set; }
    public int Position { get; set; }

    /// <summary>Removed from practice; kept because answers refer to it.</summary>
    public bool Retired { get; set; }

    public DateTime CreatedAt { get; set; }
}

/// <summary>
/// An item served to a pupil. Answers must name an attempt of their own, so an answer to an
/// item the pupil was not given is recognised; the shuffle of the item's entries comes from
/// <see cref="Seed"/>.
/// </summary>
public sealed class ExerciseAttempt : ISchoolOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }
    public Guid PupilId { get; set; }
    public Guid CourseId { get; set; }
    public Guid SetId { get; set; }
    public Guid ItemId { get; set; }
    public required string Skill { get; set; }
    public DateTime ServedAt { get; set; }
    public long Seed { get; set; }

    /// <summary>How many hints were shown with the item (a stuck pupil gets them at once).</summary>
    public int HintsShown { get; set; }
}

/// <summary>
/// One answer: the single insert an answer costs. Its key is the attempt, so a second answer
/// to the same attempt is refused by the database, whatever the timing.
/// </summary>
public sealed class ExerciseAnswer : ISchoolOwned
{
    public Guid AttemptId { get; set; }
    public Guid SchoolId { get; set; }
    public Guid PupilId { get; set; }
    public Guid CourseId { get; set; }
    public Guid SetId { get; set; }
    public Guid ItemId { get; set; }
    public required string Skill { get; set; }
    public bool Correct { get; set; }

    /// <summary>The answer as given (JSON array of strings), for the teacher's drill-down.</summary>
    public required string Given { get; set; }

    /// <summary>The expected chance of success and the ability change it caused (the rating history).</summary>
    public double Expected { get; set; }
    public double Delta { get; set; }
    public int Milliseconds { get; set; }
    public DateTime AnsweredAt { get; set; }

    /// <summary>
    /// The calibration batch that took this answer into its item's difficulty; null while it
    /// waits. Claimed by key in one update, so an answer counts exactly once, however many
    /// batches run and however many answers arrive meanwhile.
    /// </summary>
    public Guid? CalibrationBatch { get; set; }
}

/// <summary>
/// A pupil's ability in one skill of a course, with the running counts the dashboard shows.
/// Answers change it with one atomic <c>UPDATE ... SET Rating = Rating + delta</c>, never by
/// reading and writing it back, so concurrent answers never lose an update.
/// </summary>
public sealed class ExerciseAbility : ISchoolOwned
{
    public Guid SchoolId { get; set; }
    public Guid PupilId { get; set; }
    public Guid CourseId { get; set; }
    public required string Skill { get; set; }
    public double Rating { get; set; }
    public int Answers { get; set; }
    public int Correct { get; set; }
    public int WrongInARow { get; set; }
    public int RightInARow { get; set; }
    public long Milliseconds { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>A teacher's task: practise a set, or a skill of the course, for a class or one pupil, in a period.</summary>
public sealed class ExerciseTask : ISchoolOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }
    public Guid CourseId { get; set; }
    public Guid? SetId { get; set; }
    public string? Skill { get; set; }
    public Guid? ClassId { get; set; }
    public Guid? PupilId { get; set; }
    public DateTime From { get; set; }
    public DateTime Until { get; set; }
    public DateTime CreatedAt { get; set; }
    public Guid CreatedBy { get; set; }
}

internal sealed class ExerciseSetConfiguration : IEntityTypeConfiguration<ExerciseSet>
{
    public void Configure(EntityTypeBuilder<ExerciseSet> builder)
    {
        builder.HasIndex(s => s.CourseId);
        builder.Property(s => s.Title).HasMaxLength(200);
        builder.HasOne<Course>().WithMany().HasForeignKey(s => s.CourseId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ExerciseItemConfiguration : IEntityTypeConfiguration<ExerciseItem>
{
    public void Configure(EntityTypeBuilder<ExerciseItem> builder)
    {
        builder.HasIndex(i => new { i.SetId, i.Position });
        builder.HasIndex(i => new { i.CourseId, i.Skill });
        builder.Property(i => i.Skill).HasMaxLength(100);
        builder.Property(i => i.Spec).Metadata.SetMaxLength(null);
        builder.HasOne<ExerciseSet>().WithMany().HasForeignKey(i => i.SetId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ExerciseAttemptConfiguration : IEntityTypeConfiguration<ExerciseAttempt>
{
    public void Configure(EntityTypeBuilder<ExerciseAttempt> builder)
    {
        builder.HasIndex(a => new { a.PupilId, a.SetId, a.ServedAt });
        builder.HasIndex(a => new { a.PupilId, a.CourseId, a.Skill, a.ServedAt });
        builder.Property(a => a.Skill).HasMaxLength(100);
        builder.HasOne<ExerciseItem>().WithMany().HasForeignKey(a => a.ItemId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Person>().WithMany().HasForeignKey(a => a.PupilId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ExerciseAnswerConfiguration : IEntityTypeConfiguration<ExerciseAnswer>
{
    public void Configure(EntityTypeBuilder<ExerciseAnswer> builder)
    {
        builder.HasKey(a => a.AttemptId);
        builder.HasIndex(a => new { a.PupilId, a.SetId });
        builder.HasIndex(a => new { a.CourseId, a.AnsweredAt });
        // Only the answers still waiting for calibration: small, however many answers there are.
        // Double-quoted identifiers read the same in SQLite and PostgreSQL.
        builder.HasIndex(a => a.AnsweredAt, "IX_ExerciseAnswer_Uncalibrated").HasFilter("\"CalibrationBatch\" IS NULL");
        builder.HasIndex(a => a.CalibrationBatch);
        builder.Property(a => a.Skill).HasMaxLength(100);
        builder.Property(a => a.Given).HasMaxLength(4000);
        builder.HasOne<ExerciseAttempt>().WithOne().HasForeignKey<ExerciseAnswer>(a => a.AttemptId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ExerciseAbilityConfiguration : IEntityTypeConfiguration<ExerciseAbility>
{
    public void Configure(EntityTypeBuilder<ExerciseAbility> builder)
    {
        builder.HasKey(a => new { a.PupilId, a.CourseId, a.Skill });
        builder.HasIndex(a => new { a.CourseId, a.Skill });
        builder.Property(a => a.Skill).HasMaxLength(100);
        builder.HasOne<Person>().WithMany().HasForeignKey(a => a.PupilId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Course>().WithMany().HasForeignKey(a => a.CourseId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ExerciseTaskConfiguration : IEntityTypeConfiguration<ExerciseTask>
{
    public void Configure(EntityTypeBuilder<ExerciseTask> builder)
    {
        builder.HasIndex(t => new { t.ClassId, t.Until });
        builder.HasIndex(t => new { t.PupilId, t.Until });
        builder.HasIndex(t => t.CourseId);
        builder.Property(t => t.Skill).HasMaxLength(100);
        builder.HasOne<Course>().WithMany().HasForeignKey(t => t.CourseId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<ExerciseSet>().WithMany().HasForeignKey(t => t.SetId).OnDelete(DeleteBehavior.Cascade);
    }
}
