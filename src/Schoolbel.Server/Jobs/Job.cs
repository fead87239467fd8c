using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Schoolbel.Server.Jobs;

/// <summary>Where a job is in its life.</summary>
public enum JobState
{
    /// <summary>Waiting for <see cref="Job.RunAfter"/>, for its first run or a retry.</summary>
    Queued,

    /// <summary>Claimed by a node until <see cref="Job.LeaseUntil"/>; after that any node may claim it again.</summary>
    Running,

    Done,

    /// <summary>Gave up after <see cref="Job.MaxAttempts"/>; stays for the operator to see or run again.</summary>
    Failed,
}

/// <summary>
/// One piece of background work, in the database so that every node sees the same queue and
/// exactly one node runs it at a time (see <see cref="JobRunner"/>). Platform-wide: not
/// school-owned, so it has no query filter; <see cref="SchoolId"/> says which school a job
/// works for, if any (the runner enters that school's scope for the handler).
/// </summary>
public sealed class Job
{
    public const int MaxKindLength = 64;
    public const int MaxKeyLength = 200;
    public const int MaxErrorLength = 2000;

    public Guid Id { get; set; } = Guid.CreateVersion7();

    /// <summary>Which <see cref="IJobHandler"/> runs it, e.g. <c>notifications.delivery</c>.</summary>
    public required string Kind { get; set; }

    /// <summary>The handler's input as JSON.</summary>
    public string Payload { get; set; } = "{}";

    public Guid? SchoolId { get; set; }

    /// <summary>
    /// Unique when set: enqueuing a job with a key that is already there adds nothing. Recurring
    /// jobs use kind and occurrence (<c>storage.collect@2026-12-01T09:00:00Z</c>), so however
    /// many nodes schedule an occurrence, there is one row.
    /// </summary>
    public string? DedupeKey { get; set; }

    public JobState State { get; set; } = JobState.Queued;

    /// <summary>How often it was claimed; also the fencing token of the current claim (see <see cref="JobRunner"/>).</summary>
    public int Attempts { get; set; }

    public int MaxAttempts { get; set; } = 5;

    public DateTime RunAfter { get; set; }

    /// <summary>The node that holds (or last held) the claim.</summary>
    public string? ClaimedBy { get; set; }

    public DateTime? LeaseUntil { get; set; }

    public string? LastError { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? FinishedAt { get; set; }
}

internal sealed class JobConfiguration : IEntityTypeConfiguration<Job>
{
    public void Configure(EntityTypeBuilder<Job> builder)
    {
        // Named here: PostgreSQL claims jobs with hand-written SQL (JobRunner).
        builder.ToTable("Jobs");
        builder.Property(j => j.Kind).HasMaxLength(Job.MaxKindLength);
        builder.Property(j => j.Payload).Metadata.SetMaxLength(null);
        builder.Property(j => j.DedupeKey).HasMaxLength(Job.MaxKeyLength);
        builder.Property(j => j.ClaimedBy).HasMaxLength(200);
        builder.Property(j => j.LastError).HasMaxLength(Job.MaxErrorLength);
        // Several NULL keys are allowed by a unique index on both SQLite and PostgreSQL.
        builder.HasIndex(j => j.DedupeKey).IsUnique();
        // The claim: due queued jobs and expired leases, oldest first.
        builder.HasIndex(j => new { j.State, j.RunAfter });
        builder.HasIndex(j => new { j.Kind, j.State });
    }
}
