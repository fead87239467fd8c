using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Data;
using Schoolbel.Server.Notifications;

namespace Schoolbel.Server.Grades;

/// <summary>
/// Tells pupils and their parents that a score became visible. The <see cref="Notifier"/> holds
/// it for the school's quiet hours and bundles it into each person's daily or weekly digest when
/// they chose one, so a teacher releasing 30 tests at 21:00 sends nothing before the morning.
/// Called after the scores are committed: a grade is never shown because a notification failed,
/// and a lost notification never hides a grade.
/// </summary>
public sealed class GradeNotifications(SchoolbelDb db, Notifier notifier)
{
    public async Task ReleasedAsync(IReadOnlyCollection<Guid> pupilIds, Guid courseId, string evaluationName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pupilIds);
        if (pupilIds.Count == 0 || db.CurrentSchoolId is not { } school)
        {
            return;
        }

        var course = await db.Courses.AsNoTracking().Where(c => c.Id == courseId).Select(c => c.Name).FirstOrDefaultAsync(cancellationToken);
        var parents = await db.ParentLinks.AsNoTracking().Where(l => pupilIds.Contains(l.PupilId)).Select(l => l.ParentId).ToListAsync(cancellationToken);
        var title = course is null ? $"Nieuw punt: {evaluationName}" : $"Nieuw punt: {evaluationName} ({course})";
        await notifier.NotifyAsync(school, [.. pupilIds, .. parents], NotificationKind.Grade, title, "/grades", cancellationToken);
    }
}
