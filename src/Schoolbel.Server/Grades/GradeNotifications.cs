using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Data;
using Schoolbel.Server.Jobs;
using Schoolbel.Server.Notifications;

namespace Schoolbel.Server.Grades;

/// <summary>
/// What a grade-notification job carries: whose scores became visible, and for which evaluation
/// (and assignment). The ids are null in jobs queued before they were added.
/// </summary>
public sealed record GradesReleased(IReadOnlyList<Guid> PupilIds, Guid CourseId, string EvaluationName, Guid? EvaluationId = null, Guid? AssignmentId = null);

/// <summary>
/// Tells pupils and their parents that a score became visible. The <see cref="Notifier"/> holds
/// it for the school's quiet hours and bundles it into each person's daily or weekly digest when
/// they chose one, so a teacher releasing 30 tests at 21:00 sends nothing before the morning.
/// <para>
/// An outbox: <see cref="Enqueue"/> adds a job to the caller's unit of work, so the job is
/// saved with the scores in one transaction: a release that rolls back notifies nobody, and one
/// that commits is sure to notify (a node dying right after the commit leaves the job for
/// another). A grade is never held back because notifying failed.
/// </para>
/// </summary>
public sealed class GradeNotifications(SchoolbelDb db, JobQueue queue, Notifier notifier)
{
    public const string JobKind = "grades.notify";

    /// <summary>Adds the notification job to the caller's pending changes; it is written by the caller's SaveChanges.</summary>
    public void Enqueue(IReadOnlyCollection<Guid> pupilIds, Guid courseId, string evaluationName, Guid? evaluationId, Guid? assignmentId = null)
    {
        ArgumentNullException.ThrowIfNull(pupilIds);
        if (pupilIds.Count == 0 || db.CurrentSchoolId is not { } school)
        {
            return;
        }

        queue.Add(JobKind, new GradesReleased([.. pupilIds.Distinct()], courseId, evaluationName, evaluationId, assignmentId), school);
    }

    /// <summary>
    /// Writes the notifications (in the school's scope); the job handler calls it. A job whose
    /// evaluation or assignment was deleted while it waited in the queue announces nothing: a
    /// pupil would be sent to a grade that no longer exists.
    /// </summary>
    internal async Task SendAsync(GradesReleased released, CancellationToken cancellationToken)
    {
        var school = db.CurrentSchoolId ?? throw new InvalidOperationException("Grade notifications are sent inside the scope of their school.");
        if ((released.EvaluationId is { } evaluationId && !await db.Set<Evaluation>().AnyAsync(e => e.Id == evaluationId, cancellationToken))
            || (released.AssignmentId is { } assignmentId && !await db.Set<Assignments.Assignment>().AnyAsync(a => a.Id == assignmentId, cancellationToken)))
        {
            return;
        }

        var pupilIds = released.PupilIds;
        var course = await db.Courses.AsNoTracking().Where(c => c.Id == released.CourseId).Select(c => c.Name).FirstOrDefaultAsync(cancellationToken);
        var parents = await db.ParentLinks.AsNoTracking().Where(l => pupilIds.Contains(l.PupilId)).Select(l => l.ParentId).ToListAsync(cancellationToken);
        var title = course is null ? $"Nieuw punt: {released.EvaluationName}" : $"Nieuw punt: {released.EvaluationName} ({course})";
        await notifier.NotifyAsync(school, [.. pupilIds, .. parents], NotificationKind.Grade, title, "/grades", cancellationToken);
    }
}

/// <summary>
/// Runs a grade-notification job. The notifications and "job done" are written in one
/// transaction, so a job that runs again (its node died after the commit but before the runner
/// heard back, or its lease was taken over) finds itself done and notifies nobody twice.
/// </summary>
internal sealed class GradeNotificationHandler : IJobHandler
{
    public string Kind => GradeNotifications.JobKind;

    public async Task RunAsync(JobContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var released = context.Payload<GradesReleased>();
        await using var transaction = await context.Db.Database.BeginTransactionAsync(cancellationToken);
        await context.Services.GetRequiredService<GradeNotifications>().SendAsync(released, cancellationToken);
        if (await context.CompleteAsync(cancellationToken))
        {
            await transaction.CommitAsync(cancellationToken);
        }
    }
}
