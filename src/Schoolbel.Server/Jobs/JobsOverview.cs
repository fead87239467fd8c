using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Data;

namespace Schoolbel.Server.Jobs;

public sealed record JobCount(string Kind, JobState State, int Count);

public sealed record JobRow(Guid Id, string Kind, Guid? SchoolId, JobState State, int Attempts, int MaxAttempts, DateTime RunAfter, string? ClaimedBy, DateTime? LeaseUntil, string? LastError, DateTime CreatedAt, DateTime? FinishedAt);

public sealed record JobsSnapshot(IReadOnlyList<JobCount> Counts, IReadOnlyList<JobRow> Active, IReadOnlyList<JobRow> Failures);

/// <summary>What the operator page shows of the queue, and running a failed job again.</summary>
public sealed class JobsOverview(SchoolbelDb db, TimeProvider time)
{
    public const int MaxRows = 50;

    public async Task<JobsSnapshot> GetAsync(CancellationToken cancellationToken)
    {
        var jobs = db.Set<Job>().AsNoTracking();
        var counts = await jobs.GroupBy(j => new { j.Kind, j.State })
            .Select(g => new JobCount(g.Key.Kind, g.Key.State, g.Count()))
            .ToListAsync(cancellationToken);
        var active = await Rows(jobs.Where(j => j.State == JobState.Running || j.State == JobState.Queued)
            .OrderByDescending(j => j.State == JobState.Running).ThenBy(j => j.RunAfter)).ToListAsync(cancellationToken);
        // Failed for good, and failed once and waiting for a retry.
        var failures = await Rows(jobs.Where(j => j.State == JobState.Failed || (j.State == JobState.Queued && j.LastError != null))
            .OrderByDescending(j => j.FinishedAt ?? j.RunAfter)).ToListAsync(cancellationToken);
        return new JobsSnapshot(
            [.. counts.OrderBy(c => c.Kind, StringComparer.Ordinal).ThenBy(c => c.State)],
            active,
            failures);
    }

    /// <summary>Queues a failed job again with all its attempts; false when it is not (or no longer) failed.</summary>
    public async Task<bool> RetryAsync(Guid id, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return await db.Set<Job>().Where(j => j.Id == id && j.State == JobState.Failed)
            .ExecuteUpdateAsync(
                s => s.SetProperty(j => j.State, JobState.Queued)
                    .SetProperty(j => j.Attempts, 0)
                    .SetProperty(j => j.RunAfter, now)
                    .SetProperty(j => j.FinishedAt, (DateTime?)null),
                cancellationToken) == 1;
    }

    private static IQueryable<JobRow> Rows(IQueryable<Job> jobs) => jobs.Take(MaxRows)
        .Select(j => new JobRow(j.Id, j.Kind, j.SchoolId, j.State, j.Attempts, j.MaxAttempts, j.RunAfter, j.ClaimedBy, j.LeaseUntil, j.LastError, j.CreatedAt, j.FinishedAt));
}
