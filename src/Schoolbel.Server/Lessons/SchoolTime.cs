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

    /// <summary>e.g. "ma 7/9 08:30".</summary>
    public static string Format(DateTime utc) => ToLocal(utc).ToString("ddd d/M HH:mm", CultureInfo.CurrentCulture);
}
