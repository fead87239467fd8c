using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Schoolbel.Server.Data;

namespace Schoolbel.Server.Jobs;

/// <summary>
/// Puts jobs in the shared queue. <see cref="Add{T}"/> only adds the row to the caller's
/// <see cref="SchoolbelDb"/>: it is written by the caller's own SaveChanges, in the caller's
/// transaction, so the job exists exactly when the change that asked for it does (an outbox).
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "It is the job queue, not a collection: the name says what it is to operators and readers.")]
public sealed class JobQueue(SchoolbelDb db, TimeProvider time, IOptions<JobsOptions> options)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Adds a job to the caller's unit of work; nothing is written until the caller saves.</summary>
    public Job Add<T>(string kind, T payload, Guid? schoolId = null, DateTime? runAfter = null, int? maxAttempts = null)
    {
        var job = Create(kind, payload, schoolId, runAfter, maxAttempts, dedupeKey: null);
        db.Add(job);
        return job;
    }

    /// <summary>
    /// Writes a job at once, in a statement of its own (not through the change tracker). With a
    /// <paramref name="dedupeKey"/> that is already taken (by another node a moment ago, say)
    /// nothing is added and the answer is false.
    /// </summary>
    public async Task<bool> EnqueueAsync<T>(
        string kind, T payload, string? dedupeKey, Guid? schoolId = null, DateTime? runAfter = null, int? maxAttempts = null, CancellationToken cancellationToken = default)
    {
        var job = Create(kind, payload, schoolId, runAfter, maxAttempts, dedupeKey);
        var queued = nameof(JobState.Queued);
        // ON CONFLICT reads the same on SQLite (3.24+) and PostgreSQL. Several nodes insert each
        // recurring occurrence at about the same moment; the unique key keeps one row, and the
        // others add nothing, without an error (and an error in the log) for a race that is normal.
        var added = await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO "Jobs" ("Id", "Kind", "Payload", "SchoolId", "DedupeKey", "State", "Attempts", "MaxAttempts", "RunAfter", "CreatedAt")
            VALUES ({job.Id}, {job.Kind}, {job.Payload}, {job.SchoolId}, {job.DedupeKey}, {queued}, 0, {job.MaxAttempts}, {job.RunAfter}, {job.CreatedAt})
            ON CONFLICT ("DedupeKey") DO NOTHING
            """,
            cancellationToken);
        return added == 1;
    }

    private Job Create<T>(string kind, T payload, Guid? schoolId, DateTime? runAfter, int? maxAttempts, string? dedupeKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        if (kind.Length > Job.MaxKindLength || dedupeKey is { Length: > Job.MaxKeyLength })
        {
            throw new ArgumentException("Job kind or key too long.", nameof(kind));
        }

        var now = time.GetUtcNow().UtcDateTime;
        return new Job
        {
            Kind = kind,
            Payload = JsonSerializer.Serialize(payload, Json),
            SchoolId = schoolId,
            DedupeKey = dedupeKey,
            RunAfter = runAfter ?? now,
            MaxAttempts = Math.Max(1, maxAttempts ?? options.Value.MaxAttempts),
            CreatedAt = now,
        };
    }
}
