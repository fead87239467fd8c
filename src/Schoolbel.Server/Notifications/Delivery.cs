using System.ComponentModel.DataAnnotations;
using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Data;
using Schoolbel.Server.Lessons;

namespace Schoolbel.Server.Notifications;

/// <summary>Configuration section <c>Notifications</c>.</summary>
public sealed class NotificationsOptions
{
    public const string Section = "Notifications";

    /// <summary>How often the delivery job releases what waited for quiet hours, bundles digests and sends e-mail and push.</summary>
    public TimeSpan DeliveryInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Address of the platform in e-mails (e.g. <c>https://schoolbel.be</c>); without it e-mails name the path only.</summary>
    public string? PublicUrl { get; set; }

    /// <summary>VAPID public key (base64url) for web push; push is off without both keys.</summary>
    public string? PushPublicKey { get; set; }

    public string? PushPrivateKey { get; set; }

    /// <summary>VAPID subject: a mailto: or https: address where push services can reach the operator.</summary>
    public string PushSubject { get; set; } = "mailto:beheer@schoolbel.invalid";

    /// <summary>The school-local time of day grade digests go out (after school, out of the morning peak).</summary>
    public TimeOnly DigestAt { get; set; } = new(17, 0);

    [Range(1, 10_000)]
    public int DeliveryBatch { get; set; } = 500;
}

/// <summary>
/// When something sent now reaches people: at once within the school's delivery hours, else at
/// the start of the next school morning (weekends count as quiet when the school says so).
/// </summary>
public static class DeliveryTimes
{
    public static DateTime ReleaseAt(DateTime nowUtc, QuietHours hours)
    {
        ArgumentNullException.ThrowIfNull(hours);
        if (!hours.Enabled)
        {
            return nowUtc;
        }

        var local = SchoolTime.ToLocal(nowUtc);
        var day = DateOnly.FromDateTime(local);
        var time = TimeOnly.FromDateTime(local);
        if (IsSchoolDay(day, hours) && time >= hours.DeliverFrom && time < hours.DeliverUntil)
        {
            return nowUtc;
        }

        // Before the morning's start on a school day: that morning; otherwise the next school day's.
        var next = IsSchoolDay(day, hours) && time < hours.DeliverFrom ? day : day.AddDays(1);
        while (!IsSchoolDay(next, hours))
        {
            next = next.AddDays(1);
        }

        return SchoolTime.AtUtc(next, hours.DeliverFrom);
    }

    /// <summary>When a grade digest of this frequency goes out next (then held back by quiet hours like anything else).</summary>
    public static DateTime DigestAt(DateTime nowUtc, DigestFrequency frequency, TimeOnly digestTime, QuietHours hours)
    {
        var local = SchoolTime.ToLocal(nowUtc);
        var day = DateOnly.FromDateTime(local);
        if (TimeOnly.FromDateTime(local) >= digestTime)
        {
            day = day.AddDays(1);
        }

        if (frequency == DigestFrequency.Weekly)
        {
            // Weekly digests go out on Friday: the week's grades before the weekend.
            while (day.DayOfWeek != DayOfWeek.Friday)
            {
                day = day.AddDays(1);
            }
        }

        return ReleaseAt(SchoolTime.AtUtc(day, digestTime), hours);
    }

    private static bool IsSchoolDay(DateOnly day, QuietHours hours) =>
        !hours.QuietWeekends || day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday);

    /// <summary>The current school's quiet hours (the defaults without a row).</summary>
    public static async Task<QuietHours> QuietHoursAsync(SchoolbelDb db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var school = db.CurrentSchoolId ?? throw new InvalidOperationException("No school in scope.");
        return await db.Set<QuietHours>().AsNoTracking().FirstOrDefaultAsync(q => q.SchoolId == school, cancellationToken)
            ?? new QuietHours { SchoolId = school };
    }
}
