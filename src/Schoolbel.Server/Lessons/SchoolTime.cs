using System.Globalization;

namespace Schoolbel.Server.Lessons;

/// <summary>
/// Times as teachers and pupils read and type them: Belgian local time (schools here share one
/// zone). Stored times stay UTC.
/// </summary>
public static class SchoolTime
{
    public static readonly TimeZoneInfo Zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Brussels");

    public static DateTime ToLocal(DateTime utc) => TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), Zone);

    public static DateTimeOffset FromLocal(DateTime local)
    {
        var unspecified = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        return new DateTimeOffset(unspecified, Zone.GetUtcOffset(unspecified));
    }

    /// <summary>The school day (local date) of an instant.</summary>
    public static DateOnly LocalDate(DateTime utc) => DateOnly.FromDateTime(ToLocal(utc));

    /// <summary>The instant (UTC) of a local date and time of day.</summary>
    public static DateTime AtUtc(DateOnly day, TimeOnly time) => FromLocal(day.ToDateTime(time)).UtcDateTime;

    /// <summary>Local midnight of a school day, in UTC.</summary>
    public static DateTime StartOfDayUtc(DateOnly day) => AtUtc(day, TimeOnly.MinValue);

    /// <summary>e.g. "ma 7/9 08:30".</summary>
    public static string Format(DateTime utc) => ToLocal(utc).ToString("ddd d/M HH:mm", CultureInfo.CurrentCulture);
}
