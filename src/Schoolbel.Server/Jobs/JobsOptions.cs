namespace Schoolbel.Server.Jobs;

/// <summary>Configuration section <c>Jobs</c>: the background job queue every node shares.</summary>
public sealed class JobsOptions
{
    public const string Section = "Jobs";

    /// <summary>Whether this node claims and runs jobs. Off on a node that should only serve requests (and in tests that drive the runner themselves).</summary>
    public bool RunInBackground { get; set; } = true;

    /// <summary>How this node is named in the <c>ClaimedBy</c> column and on the operator page; default host name and process id.</summary>
    public string? NodeName { get; set; }

    /// <summary>How often an idle node looks for due jobs; a job waits at most about this long.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a claim holds without being renewed. A running node renews it every third of
    /// this; a node that was killed stops renewing, and another node claims the job after this long.
    /// </summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Attempts of an enqueued job before it is marked failed (recurring jobs set their own).</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Wait before the first retry; doubled for every next one, plus up to a quarter at random.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest wait between two attempts.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Finished jobs are removed after this long.</summary>
    public TimeSpan KeepDone { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Failed jobs stay for the operator this long.</summary>
    public TimeSpan KeepFailed { get; set; } = TimeSpan.FromDays(14);

    public string ResolvedNodeName => string.IsNullOrWhiteSpace(NodeName) ? $"{Environment.MachineName}:{Environment.ProcessId}" : NodeName.Trim();
}
