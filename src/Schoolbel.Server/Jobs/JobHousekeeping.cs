using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Schoolbel.Server.Jobs;

/// <summary>
/// A recurring job of the queue itself: removes finished and old failed jobs, and marks failed
/// the jobs whose last allowed attempt died with its node (their lease ran out and no attempt
/// is left to claim them again).
/// </summary>
internal sealed class JobHousekeeping(IOptions<JobsOptions> options, TimeProvider time) : IJobHandler
{
    public const string JobKind = "jobs.housekeeping";
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(10);

    public string Kind => JobKind;

    public async Task RunAsync(JobContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var jobs = context.Db.Set<Job>();
        var now = time.GetUtcNow().UtcDateTime;
        var doneBefore = now - options.Value.KeepDone;
        var failedBefore = now - options.Value.KeepFailed;
        await jobs.Where(j => j.State == JobState.Done && j.FinishedAt < doneBefore).ExecuteDeleteAsync(cancellationToken);
        await jobs.Where(j => j.State == JobState.Failed && j.FinishedAt < failedBefore).ExecuteDeleteAsync(cancellationToken);
        await jobs.Where(j => j.State == JobState.Running && j.LeaseUntil < now && j.Attempts >= j.MaxAttempts)
            .ExecuteUpdateAsync(
                s => s.SetProperty(j => j.State, JobState.Failed)
                    .SetProperty(j => j.FinishedAt, now)
                    .SetProperty(j => j.LastError, "Lease ran out on the last attempt: the node stopped in the middle of the job."),
                cancellationToken);
    }
}
