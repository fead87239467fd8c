using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ical.Net;
using Ical.Net.CalendarComponents;
using Ical.Net.DataTypes;
using Ical.Net.Serialization;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Courses;
using Schoolbel.Server.Data;
using Schoolbel.Server.HotReads;
using Schoolbel.Server.Lessons;
using Schoolbel.Server.People;

namespace Schoolbel.Server.Planner;

/// <summary>
/// Each person's planner as an iCalendar feed (RFC 5545) at a secret URL that calendar apps
/// subscribe to. Only the secret's SHA-256 is stored: the URL is shown once, when made; making a
/// new one replaces the hash, so the old URL answers 404 at once. The feed covers
/// <see cref="DaysBack"/> days back and <see cref="DaysAhead"/> days ahead, in the school's time
/// zone, with a UID per thing (and per day for timetable lessons) that stays the same between polls.
/// Calendar apps poll it all day long, so it is built at most once per <see cref="Bucket"/> per
/// person (and again when the planner, the school's people or the lessons change), and answers
/// 304 to a client that has the same content.
/// </summary>
public sealed class CalendarFeeds(SchoolbelDb db, PlannerWeeks weeks, CourseAccess access, HotCache cache, TimeProvider time)
{
    public const string TokenPrefix = "sbcal_";
    public const int DaysBack = 14;
    public const int DaysAhead = 56;
    public const string FeedKind = "planner-feed";

    /// <summary>How long one rendering is used (at most; changes to the planner drop it at once). Later renderings only ever show more (published) lessons, never fewer, so a stale one leaks nothing.</summary>
    public static readonly TimeSpan Bucket = TimeSpan.FromMinutes(5);

    private static readonly JsonSerializerOptions HashJson = new();

    /// <summary>When the person's current feed URL was made; null when they have none.</summary>
    public async Task<DateTime?> CreatedAtAsync(Guid personId, CancellationToken cancellationToken) =>
        await db.Set<CalendarFeed>().Where(f => f.PersonId == personId).Select(f => (DateTime?)f.CreatedAt).FirstOrDefaultAsync(cancellationToken);

    /// <summary>Makes a new secret for the person (the old URL stops working) and returns it; shown once, never stored or logged.</summary>
    public async Task<string> RenewAsync(Guid personId, CancellationToken cancellationToken)
    {
        var token = TokenPrefix + WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var feed = await db.Set<CalendarFeed>().FirstOrDefaultAsync(f => f.PersonId == personId, cancellationToken);
        if (feed is null)
        {
            feed = new CalendarFeed { PersonId = personId, SchoolId = db.CurrentSchoolId ?? throw new InvalidOperationException("No school in scope."), TokenHash = "" };
            db.Add(feed);
        }

        feed.TokenHash = Hash(token);
        feed.CreatedAt = time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        return token;
    }

    /// <summary>Revokes the person's feed URL; false when they had none.</summary>
    public async Task<bool> RevokeAsync(Guid personId, CancellationToken cancellationToken) =>
        await db.Set<CalendarFeed>().Where(f => f.PersonId == personId).ExecuteDeleteAsync(cancellationToken) > 0;

    /// <summary>The feed of a token, or null when the token is unknown or revoked (in this school).</summary>
    public async Task<FeedDocument?> RenderAsync(string token, string baseUrl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (!token.StartsWith(TokenPrefix, StringComparison.Ordinal) || token.Length > 100)
        {
            return null;
        }

        var hash = Hash(token);
        var person = await db.Set<CalendarFeed>().AsNoTracking().Where(f => f.TokenHash == hash)
            .Join(db.People, f => f.PersonId, p => p.Id, (f, p) => new { p.Id, p.Role, p.FirstName, p.LastName })
            .FirstOrDefaultAsync(cancellationToken);
        if (person is null)
        {
            return null;
        }

        var school = db.CurrentSchoolId!.Value;
        var now = time.GetUtcNow().UtcDateTime;
        var bucket = now.Ticks / Bucket.Ticks;
        var subjects = await SubjectsAsync(person.Id, person.Role, cancellationToken);
        string[] tags =
        [
            HotTags.Directory(school), PlannerTags.School(school),
            .. subjects.SelectMany(s => s.Subject.Audience.ClassIds).Distinct().Select(HotTags.Class),
            .. subjects.SelectMany(s => s.Subject.Audience.CourseIds).Distinct().Select(HotTags.Course),
            FeedTag(person.Id),
        ];
        // One entry per person (not per period, which would pile up renderings of big feeds); a
        // rendering from an earlier period is dropped through the person's feed tag and made again.
        var key = HotKeys.Of(FeedKind, school, person.Id, baseUrl);
        Task<FeedDocument> Build() =>
            BuildAsync(person.FirstName + " " + person.LastName, subjects, baseUrl, bucket, CancellationToken.None);
        var document = await cache.GetOrLoadAsync(FeedKind, key, tags, Build);
        if (document.Bucket < bucket)
        {
            cache.Invalidate(FeedTag(person.Id));
            document = await cache.GetOrLoadAsync(FeedKind, key, tags, Build);
        }

        return document;
    }

    private static string FeedTag(Guid personId) => "pf:" + personId.ToString("N");

    internal static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Whose planners go in the feed: one's own; a parent's children, each labelled with the child's first name.</summary>
    private async Task<IReadOnlyList<(PlannerSubject Subject, string? Label)>> SubjectsAsync(Guid personId, PersonRole role, CancellationToken cancellationToken)
    {
        if (role != PersonRole.Parent)
        {
            return await weeks.SubjectAsync(personId, role, null, null, cancellationToken) is { } own ? [(own, null)] : [];
        }

        var result = new List<(PlannerSubject, string?)>();
        foreach (var child in await access.ChildrenAsync(personId, cancellationToken))
        {
            if (await weeks.SubjectAsync(personId, role, child.Id, null, cancellationToken) is { } subject)
            {
                result.Add((subject, child.Name.Split(' ')[0]));
            }
        }

        return result;
    }

    private async Task<FeedDocument> BuildAsync(
        string name, IReadOnlyList<(PlannerSubject Subject, string? Label)> subjects, string baseUrl, long bucket, CancellationToken cancellationToken)
    {
        var stamp = new DateTime(bucket * Bucket.Ticks, DateTimeKind.Utc);
        var today = SchoolTime.LocalDate(weeks.Now);
        var range = new PlannerRange(today.AddDays(-DaysBack), today.AddDays(DaysAhead), weeks.Now);

        // The same thing for two children (same class) is one event, labelled with both names.
        var entries = new Dictionary<string, (PlannerEntry Entry, List<string> Labels)>(StringComparer.Ordinal);
        foreach (var (subject, label) in subjects)
        {
            foreach (var entry in await weeks.EntriesAsync(subject.Audience, range, cancellationToken))
            {
                if (!entries.TryGetValue(entry.Id, out var known))
                {
                    entries[entry.Id] = known = (entry, []);
                }

                if (label is not null)
                {
                    known.Labels.Add(label);
                }
            }
        }

        var zone = SchoolTime.Zone.Id;
        var calendar = new Calendar { ProductId = "-//Schoolbel//Schoolagenda//NL", Method = "PUBLISH" };
        calendar.AddProperty("X-WR-CALNAME", "Schoolagenda " + name);
        calendar.AddProperty("X-WR-TIMEZONE", zone);
        // With its STANDARD and DAYLIGHT rules from the window's start on (RFC 5545 wants at least one), so apps need not know the zone.
        calendar.AddTimeZone(VTimeZone.FromDateTimeZone(zone, range.From.ToDateTime(TimeOnly.MinValue), includeHistoricalData: false));
        var ordered = entries.Values.OrderBy(e => e.Entry.Day).ThenBy(e => e.Entry.Start).ThenBy(e => e.Entry.Id, StringComparer.Ordinal).ToList();
        foreach (var (entry, labels) in ordered)
        {
            var summary = Prefix(entry.Kind) + entry.Title;
            if (entry.Kind != PlannerEntryKind.Lesson && entry.CourseName is not null)
            {
                summary += " (" + entry.CourseName + ")";
            }

            if (labels.Count > 0)
            {
                summary = string.Join(", ", labels) + ": " + summary;
            }

            var description = string.Join("\n", new[] { entry.ClassName is null ? null : "Klas " + entry.ClassName, entry.Details }.Where(s => s is not null));
            var calendarEvent = new CalendarEvent
            {
                Uid = entry.Id + "@schoolbel",
                Summary = summary,
                DtStamp = new CalDateTime(stamp),
                Start = entry.Start is { } start ? new CalDateTime(entry.Day, start, zone) : new CalDateTime(entry.Day),
                End = entry.Start is null ? new CalDateTime(entry.Day.AddDays(1)) : entry.End is { } end ? new CalDateTime(entry.Day, end, zone) : null,
                Description = description.Length == 0 ? null : description,
                Location = entry.Room,
                Url = entry.Url is null ? null : new Uri(baseUrl + entry.Url),
            };
            calendar.Events.Add(calendarEvent);
        }

        var ics = new CalendarSerializer().SerializeToString(calendar) ?? "";

        // The content without DTSTAMP decides the ETag, so an unchanged planner stays 304 across renderings.
        var content = JsonSerializer.SerializeToUtf8Bytes(new { name, baseUrl, ordered = ordered.Select(e => new { e.Entry, e.Labels }) }, HashJson);
        return new FeedDocument(ics, "\"" + Convert.ToHexStringLower(SHA256.HashData(content))[..32] + "\"", bucket);
    }

    private static string Prefix(PlannerEntryKind kind) => kind switch
    {
        PlannerEntryKind.Homework => "Huiswerk: ",
        PlannerEntryKind.Test => "Toets: ",
        PlannerEntryKind.Bring => "Meebrengen: ",
        PlannerEntryKind.AssignmentDue => "Opdracht in te dienen: ",
        PlannerEntryKind.PublishedLesson => "Les: ",
        _ => "",
    };
}

/// <summary>A rendered feed, its ETag (quoted) and the period (<see cref="CalendarFeeds.Bucket"/> since year 1) it was made in.</summary>
public sealed record FeedDocument(string Ics, string ETag, long Bucket);
