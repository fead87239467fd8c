using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Schoolbel.Server.Courses;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;

namespace Schoolbel.Server.Grades;

/// <summary>
/// Something a course scores (a test, daily work, a graded assignment): out of
/// <see cref="MaxScore"/>, counting <see cref="Weight"/> times in the course total.
/// </summary>
public sealed class Evaluation : ISchoolOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }
    public Guid CourseId { get; set; }
    public required string Name { get; set; }
    public DateOnly Date { get; set; }
    public decimal MaxScore { get; set; }
    public decimal Weight { get; set; } = 1;

    /// <summary>Free text such as "dagelijks werk" or "toets".</summary>
    public required string Category { get; set; }

    /// <summary>Set for the evaluation of a graded assignment: its scores come from released reviews.</summary>
    public Guid? AssignmentId { get; set; }

    /// <summary>When the teacher released the scores; scores recorded after that are released at once.</summary>
    public DateTime? ReleasedAt { get; set; }

    public DateTime CreatedAt { get; set; }
    public Guid CreatedBy { get; set; }
}

public enum ScoreCode
{
    /// <summary>A score in points.</summary>
    Points = 1,

    /// <summary>Afwezig: left out of the total, which is then marked provisional until caught up.</summary>
    Absent = 2,

    /// <summary>Vrijgesteld: left out of the total for good.</summary>
    Exempt = 3,
}

/// <summary>A pupil's result on an evaluation. Pupils and parents see it once <see cref="ReleasedAt"/> is set.</summary>
public sealed class Score : ISchoolOwned
{
    public Guid SchoolId { get; set; }
    public Guid EvaluationId { get; set; }
    public Guid PupilId { get; set; }

    /// <summary>Set when <see cref="Code"/> is <see cref="ScoreCode.Points"/>.</summary>
    public decimal? Points { get; set; }

    public ScoreCode Code { get; set; } = ScoreCode.Points;
    public string? Comment { get; set; }
    public DateTime RecordedAt { get; set; }
    public Guid RecordedBy { get; set; }
    public DateTime? ReleasedAt { get; set; }
}

internal sealed class EvaluationConfiguration : IEntityTypeConfiguration<Evaluation>
{
    public void Configure(EntityTypeBuilder<Evaluation> builder)
    {
        builder.HasIndex(e => new { e.CourseId, e.Date });
        builder.HasIndex(e => e.AssignmentId).IsUnique();
        builder.Property(e => e.Name).HasMaxLength(200);
        builder.Property(e => e.Category).HasMaxLength(60);
        builder.Property(e => e.MaxScore).HasPrecision(9, 2);
        builder.Property(e => e.Weight).HasPrecision(9, 2);
        builder.HasOne<Course>().WithMany().HasForeignKey(e => e.CourseId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ScoreConfiguration : IEntityTypeConfiguration<Score>
{
    public void Configure(EntityTypeBuilder<Score> builder)
    {
        builder.HasKey(s => new { s.EvaluationId, s.PupilId });
        builder.HasIndex(s => new { s.PupilId, s.ReleasedAt });
        builder.Property(s => s.Points).HasPrecision(9, 2);
        builder.HasOne<Evaluation>().WithMany().HasForeignKey(s => s.EvaluationId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Person>().WithMany().HasForeignKey(s => s.PupilId).OnDelete(DeleteBehavior.Cascade);
    }
}
