using System.Text.Json;
using Schoolbel.Server.Data;

namespace Schoolbel.Server.Jobs;

/// <summary>
/// Runs the jobs of one <see cref="Kind"/>. A handler runs at least once per job, and more than
/// once after a node dies mid-job or a retry, so it must be idempotent: either its work is
/// naturally repeatable (claiming rows by a flag, deleting what is gone), or it writes its
/// effects in one transaction with <see cref="JobContext.CompleteAsync"/>.
/// Handlers are singletons; scoped services come from <see cref="JobContext.Services"/>.
/// </summary>
public interface IJobHandler
{
    string Kind { get; }

    Task RunAsync(JobContext context, CancellationToken cancellationToken);
}

/// <summary>A job that is scheduled every <see cref="Interval"/>: one row (and so one run on one node) per occurrence.</summary>
public sealed record RecurringJob(string Kind, TimeSpan Interval, int MaxAttempts = 1);

/// <summary>What a handler gets: the claimed job and a scope (in the job's school, if it has one).</summary>
public sealed class JobContext
{
    private readonly JobRunner _runner;

    internal JobContext(Job job, IServiceProvider services, SchoolbelDb db, JobRunner runner)
    {
        Job = job;
        Services = services;
        Db = db;
        _runner = runner;
    }

    public Job Job { get; }

    public IServiceProvider Services { get; }

    /// <summary>The scope's database context, the one scoped services get too.</summary>
    public SchoolbelDb Db { get; }

    internal bool Completed { get; private set; }

    public T Payload<T>() => JsonSerializer.Deserialize<T>(Job.Payload, JobQueue.Json)
        ?? throw new InvalidOperationException($"Job {Job.Id} has no payload.");

    /// <summary>
    /// Marks the job done through <see cref="Db"/>, so inside the handler's own transaction when it
    /// has one. False when this node no longer holds the claim (its lease ran out and another node
    /// took the job): the handler should then roll back and leave the work to that node.
    /// </summary>
    public async Task<bool> CompleteAsync(CancellationToken cancellationToken)
    {
        Completed = await _runner.CompleteAsync(Db, Job, cancellationToken);
        return Completed;
    }
}
