using System.Collections.Concurrent;
using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Schoolbel.Server.Data;
using Schoolbel.Server.Schools;

namespace Schoolbel.Server.Jobs;

/// <summary>
/// Claims due jobs from the shared table and runs them, one at a time, on this node.
/// <para>
/// A claim sets the job Running, with this node's name and a lease, and raises
/// <see cref="Job.Attempts"/>. On PostgreSQL the row is picked with <c>FOR UPDATE SKIP LOCKED</c>,
/// so nodes polling at the same moment each get a different job and never wait on each other;
/// on SQLite (one node) a conditional UPDATE does the same. Every later write about the job
/// (renewing the lease, done, retry, failed) is conditional on the attempt number of the claim:
/// a node that lost its lease (a long GC pause, a network split) cannot overwrite what the node
/// that took over wrote. A job whose lease ran out (its node was killed) is claimed again.
/// </para>
/// <para>
/// Recurring jobs are rows too: each node inserts the current occurrence under a unique key,
/// the unique index keeps one, and that one is claimed like any other job.
/// </para>
/// </summary>
public sealed partial class JobRunner
{
    private readonly IServiceScopeFactory _scopes;
    private readonly Dictionary<string, IJobHandler> _handlers;
    private readonly string[] _kinds;
    private readonly IReadOnlyList<RecurringJob> _recurring;
    private readonly JobsOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<JobRunner> _logger;
    private readonly ConcurrentDictionary<string, DateTime> _scheduled = new(StringComparer.Ordinal);

    public JobRunner(
        IServiceScopeFactory scopes,
        IEnumerable<IJobHandler> handlers,
        IEnumerable<RecurringJob> recurring,
        IOptions<JobsOptions> options,
        TimeProvider time,
        ILogger<JobRunner> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _scopes = scopes;
        _handlers = handlers.ToDictionary(h => h.Kind, StringComparer.Ordinal);
        // A node only claims what it can run: during a rolling update an older node leaves a new kind alone.
        _kinds = [.. _handlers.Keys];
        _recurring = [.. recurring];
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    public string Node => _options.ResolvedNodeName;

    /// <summary>Schedules due occurrences of recurring jobs, then runs due jobs until none is left. Returns how many ran.</summary>
    public async Task<int> RunDueAsync(CancellationToken cancellationToken)
    {
        await ScheduleRecurringAsync(cancellationToken);
        var ran = 0;
        while (!cancellationToken.IsCancellationRequested && await ClaimAsync(cancellationToken) is { } job)
        {
            await RunAsync(job, cancellationToken);
            ran++;
        }

        return ran;
    }

    /// <summary>Inserts the current occurrence of each recurring job, once per occurrence per node (the unique key makes it once overall).</summary>
    public async Task ScheduleRecurringAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        foreach (var recurring in _recurring)
        {
            var slot = new DateTime(now.Ticks - (now.Ticks % recurring.Interval.Ticks), DateTimeKind.Utc);
            if (_scheduled.TryGetValue(recurring.Kind, out var last) && last == slot)
            {
                continue;
            }

            await using var scope = _scopes.CreateAsyncScope();
            var queue = scope.ServiceProvider.GetRequiredService<JobQueue>();
            var key = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{recurring.Kind}@{slot:yyyy-MM-ddTHH:mm:ssZ}");
            await queue.EnqueueAsync(recurring.Kind, new { }, key, runAfter: slot, maxAttempts: recurring.MaxAttempts, cancellationToken: cancellationToken);
            _scheduled[recurring.Kind] = slot;
        }
    }

    internal async Task<Job?> ClaimAsync(CancellationToken cancellationToken)
    {
        if (_kinds.Length == 0)
        {
            return null;
        }

        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
        var now = _time.GetUtcNow().UtcDateTime;
        var kinds = _kinds;
        if (db is PostgresSchoolbelDb)
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            // The row lock lives until commit; SKIP LOCKED passes over rows another node is claiming right now.
            var ids = await db.Database.SqlQuery<Guid>($"""
                SELECT "Id" AS "Value" FROM "Jobs"
                WHERE "Kind" = ANY({kinds})
                  AND (("State" = 'Queued' AND "RunAfter" <= {now})
                    OR ("State" = 'Running' AND "LeaseUntil" < {now} AND "Attempts" < "MaxAttempts"))
                ORDER BY "RunAfter"
                LIMIT 1
                FOR UPDATE SKIP LOCKED
                """).ToListAsync(cancellationToken);
            if (ids.Count == 0)
            {
                return null;
            }

            var id = ids[0];
            await ClaimRowsAsync(db.Set<Job>().Where(j => j.Id == id), now, cancellationToken);
            var claimed = await db.Set<Job>().AsNoTracking().SingleAsync(j => j.Id == id, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return claimed;
        }

        // SQLite serialises writers, so "update it if it is still due" claims it for exactly one runner.
        for (var tries = 0; tries < 10; tries++)
        {
            var candidate = await db.Set<Job>().AsNoTracking().Where(Due(kinds, now)).OrderBy(j => j.RunAfter).Select(j => (Guid?)j.Id).FirstOrDefaultAsync(cancellationToken);
            if (candidate is not { } id)
            {
                return null;
            }

            if (await ClaimRowsAsync(db.Set<Job>().Where(j => j.Id == id).Where(Due(kinds, now)), now, cancellationToken) == 1)
            {
                return await db.Set<Job>().AsNoTracking().SingleAsync(j => j.Id == id, cancellationToken);
            }
        }

        return null;
    }

    private static Expression<Func<Job, bool>> Due(string[] kinds, DateTime now) => j =>
        kinds.Contains(j.Kind)
        && ((j.State == JobState.Queued && j.RunAfter <= now)
            || (j.State == JobState.Running && j.LeaseUntil < now && j.Attempts < j.MaxAttempts));

    private Task<int> ClaimRowsAsync(IQueryable<Job> rows, DateTime now, CancellationToken cancellationToken)
    {
        var node = Node;
        var lease = now + _options.Lease;
        return rows.ExecuteUpdateAsync(
            s => s.SetProperty(j => j.State, JobState.Running)
                .SetProperty(j => j.ClaimedBy, node)
                .SetProperty(j => j.LeaseUntil, lease)
                .SetProperty(j => j.Attempts, j => j.Attempts + 1),
            cancellationToken);
    }

    internal async Task RunAsync(Job job, CancellationToken cancellationToken)
    {
        using var renewal = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var renewing = RenewLeaseAsync(job, renewal.Token);
        try
        {
            await using var scope = _scopes.CreateAsyncScope();
            var services = scope.ServiceProvider;
            if (job.SchoolId is { } schoolId)
            {
                var school = await services.GetRequiredService<SchoolDirectory>().FindByIdAsync(schoolId, cancellationToken)
                    ?? throw new InvalidOperationException($"School {schoolId} does not exist.");
                services.GetRequiredService<SchoolScope>().Enter(school);
            }

            var db = services.GetRequiredService<SchoolbelDb>();
            var context = new JobContext(job, services, db, this);
            await _handlers[job.Kind].RunAsync(context, cancellationToken);
            if (!context.Completed && !await CompleteAsync(db, job, cancellationToken))
            {
                LogLostClaim(_logger, job.Kind, job.Id, job.Attempts);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The node is stopping: hand the job back now rather than after the lease.
            await ReleaseAsync(job);
            throw;
        }
        catch (Exception e)
        {
            await FailAsync(job, e, cancellationToken);
        }
        finally
        {
            await renewal.CancelAsync();
            await renewing;
        }
    }

    internal async Task<bool> CompleteAsync(SchoolbelDb db, Job job, CancellationToken cancellationToken)
    {
        var (id, attempt) = (job.Id, job.Attempts);
        var now = _time.GetUtcNow().UtcDateTime;
        return await Claimed(db, id, attempt).ExecuteUpdateAsync(
            s => s.SetProperty(j => j.State, JobState.Done)
                .SetProperty(j => j.FinishedAt, now)
                .SetProperty(j => j.LeaseUntil, (DateTime?)null),
            cancellationToken) == 1;
    }

    private static IQueryable<Job> Claimed(SchoolbelDb db, Guid id, int attempt) =>
        db.Set<Job>().Where(j => j.Id == id && j.State == JobState.Running && j.Attempts == attempt);

    private async Task FailAsync(Job job, Exception exception, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var error = $"{exception.GetType().Name}: {exception.Message}";
        error = error.Length > Job.MaxErrorLength ? error[..Job.MaxErrorLength] : error;
        var (id, attempt) = (job.Id, job.Attempts);
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
        if (attempt >= job.MaxAttempts)
        {
            await Claimed(db, id, attempt).ExecuteUpdateAsync(
                s => s.SetProperty(j => j.State, JobState.Failed)
                    .SetProperty(j => j.FinishedAt, now)
                    .SetProperty(j => j.LeaseUntil, (DateTime?)null)
                    .SetProperty(j => j.LastError, error),
                cancellationToken);
            LogGaveUp(_logger, exception, job.Kind, job.Id, attempt);
            return;
        }

        var retryAt = now + Backoff(attempt, _options, Random.Shared.NextDouble());
        await Claimed(db, id, attempt).ExecuteUpdateAsync(
            s => s.SetProperty(j => j.State, JobState.Queued)
                .SetProperty(j => j.RunAfter, retryAt)
                .SetProperty(j => j.LeaseUntil, (DateTime?)null)
                .SetProperty(j => j.LastError, error),
            cancellationToken);
        LogRetrying(_logger, exception, job.Kind, job.Id, attempt, retryAt);
    }

    /// <summary>
    /// Exponential: <see cref="JobsOptions.RetryDelay"/> after the first attempt, doubled after
    /// each next one, at most <see cref="JobsOptions.MaxRetryDelay"/>; plus up to a quarter more
    /// at random (<paramref name="random"/> in [0, 1)), so jobs that failed together (a database
    /// restart) do not all come back in the same second.
    /// </summary>
    internal static TimeSpan Backoff(int attempts, JobsOptions options, double random)
    {
        var exponent = Math.Min(Math.Max(attempts, 1) - 1, 30);
        var delay = Math.Min(options.RetryDelay.TotalMilliseconds * Math.Pow(2, exponent), options.MaxRetryDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(delay * (1 + (0.25 * random)));
    }

    private async Task ReleaseAsync(Job job)
    {
        try
        {
            await using var scope = _scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
            var (id, attempt) = (job.Id, job.Attempts);
            var now = _time.GetUtcNow().UtcDateTime;
            // Not counted as an attempt: the job did not fail, the node left.
            await Claimed(db, id, attempt).ExecuteUpdateAsync(
                s => s.SetProperty(j => j.State, JobState.Queued)
                    .SetProperty(j => j.RunAfter, now)
                    .SetProperty(j => j.LeaseUntil, (DateTime?)null)
                    .SetProperty(j => j.Attempts, j => j.Attempts - 1),
                CancellationToken.None);
        }
        catch (Exception e) when (e is DbUpdateException or InvalidOperationException or System.Data.Common.DbException)
        {
            // The lease runs out by itself and another node takes the job then.
            LogReleaseFailed(_logger, e, job.Kind, job.Id);
        }
    }

    private async Task RenewLeaseAsync(Job job, CancellationToken cancellationToken)
    {
        var every = _options.Lease / 3;
        var (id, attempt) = (job.Id, job.Attempts);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(every, _time, cancellationToken);
                await using var scope = _scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
                var until = _time.GetUtcNow().UtcDateTime + _options.Lease;
                if (await Claimed(db, id, attempt).ExecuteUpdateAsync(s => s.SetProperty(j => j.LeaseUntil, until), cancellationToken) == 0)
                {
                    // Another node holds it now; its writes win (see CompleteAsync).
                    return;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is DbUpdateException or InvalidOperationException or System.Data.Common.DbException)
            {
                // A database hiccup: try again at the next beat; the lease has slack for two misses.
                LogRenewFailed(_logger, e, job.Kind, job.Id);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Kind} {JobId} attempt {Attempt} failed; retrying at {RetryAt:O}")]
    private static partial void LogRetrying(ILogger logger, Exception exception, string kind, Guid jobId, int attempt, DateTime retryAt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {Kind} {JobId} failed for good after {Attempts} attempt(s)")]
    private static partial void LogGaveUp(ILogger logger, Exception exception, string kind, Guid jobId, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Kind} {JobId} attempt {Attempt} finished after its lease was taken over by another node")]
    private static partial void LogLostClaim(ILogger logger, string kind, Guid jobId, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not hand job {Kind} {JobId} back at shutdown; it is claimed again when its lease ends")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception, string kind, Guid jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not renew the lease of job {Kind} {JobId}")]
    private static partial void LogRenewFailed(ILogger logger, Exception exception, string kind, Guid jobId);
}
