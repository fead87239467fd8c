using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Data;
using Schoolbel.Server.Notifications;
using Schoolbel.Server.Web;

namespace Schoolbel.Server.Messages;

/// <summary>The school's messaging policy and quiet hours, as the admin page and the API show and take them (times as HH:mm, school-local).</summary>
public sealed record MessagingSettingsView(
    bool PupilsToTheirTeachers,
    bool PupilsToClassmates,
    bool PupilsToAllPupils,
    bool PupilsToAllStaff,
    bool ParentsToTheirChildrensTeachers,
    bool ParentsToAllStaff,
    bool ParentsSeePupilConversations,
    bool QuietHours,
    string DeliverFrom,
    string DeliverUntil,
    bool QuietWeekends);

/// <summary>Reads and changes <see cref="MessagingPolicy"/> and <see cref="Notifications.QuietHours"/> of the current school.</summary>
public sealed class MessagingSettings(SchoolbelDb db, MessagingRules rules)
{
    public async Task<MessagingSettingsView> GetAsync(CancellationToken cancellationToken)
    {
        var policy = await rules.PolicyAsync(cancellationToken);
        var hours = await DeliveryTimes.QuietHoursAsync(db, cancellationToken);
        return new MessagingSettingsView(policy.PupilsToTheirTeachers, policy.PupilsToClassmates, policy.PupilsToAllPupils, policy.PupilsToAllStaff,
            policy.ParentsToTheirChildrensTeachers, policy.ParentsToAllStaff, policy.ParentsSeePupilConversations,
            hours.Enabled, Format(hours.DeliverFrom), Format(hours.DeliverUntil), hours.QuietWeekends);
    }

    public async Task<Outcome<MessagingSettingsView>> SetAsync(MessagingSettingsView input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var errors = new FieldErrors();
        var from = Parse(input.DeliverFrom);
        var until = Parse(input.DeliverUntil);
        if (from is null)
        {
            errors.Add("deliverFrom", "Geef een tijd als 07:00.");
        }

        if (until is null)
        {
            errors.Add("deliverUntil", "Geef een tijd als 20:00.");
        }

        if (from is not null && until is not null && until <= from)
        {
            errors.Add("deliverUntil", "Het einde van de bezorguren moet na het begin liggen.");
        }

        if (errors.Any)
        {
            return errors;
        }

        var school = db.CurrentSchoolId ?? throw new InvalidOperationException("No school in scope.");
        var policy = await db.Set<MessagingPolicy>().FirstOrDefaultAsync(p => p.SchoolId == school, cancellationToken);
        if (policy is null)
        {
            policy = new MessagingPolicy { SchoolId = school };
            db.Add(policy);
        }

        policy.PupilsToTheirTeachers = input.PupilsToTheirTeachers;
        policy.PupilsToClassmates = input.PupilsToClassmates;
        policy.PupilsToAllPupils = input.PupilsToAllPupils;
        policy.PupilsToAllStaff = input.PupilsToAllStaff;
        policy.ParentsToTheirChildrensTeachers = input.ParentsToTheirChildrensTeachers;
        policy.ParentsToAllStaff = input.ParentsToAllStaff;
        policy.ParentsSeePupilConversations = input.ParentsSeePupilConversations;

        var hours = await db.Set<QuietHours>().FirstOrDefaultAsync(q => q.SchoolId == school, cancellationToken);
        if (hours is null)
        {
            hours = new QuietHours { SchoolId = school };
            db.Add(hours);
        }

        hours.Enabled = input.QuietHours;
        hours.DeliverFrom = from!.Value;
        hours.DeliverUntil = until!.Value;
        hours.QuietWeekends = input.QuietWeekends;
        await db.SaveChangesAsync(cancellationToken);
        return await GetAsync(cancellationToken);
    }

    private static string Format(TimeOnly time) => time.ToString("HH:mm", CultureInfo.InvariantCulture);

    private static TimeOnly? Parse(string? value) =>
        TimeOnly.TryParseExact(value?.Trim(), ["HH:mm", "H:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var time) ? time : null;
}
