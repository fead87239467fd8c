using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Data;
using Schoolbel.Server.HotReads;
using Schoolbel.Server.People;
using Schoolbel.Server.Web;

namespace Schoolbel.Server.Planner;

/// <summary>
/// The school's weekly timetables, per class: entered by hand or imported from CSV (school admins).
/// CSV columns (header row required, any order, case-insensitive, comma or semicolon):
/// <c>class</c> (a class of the current school year), <c>weekday</c> (maandag..zondag, ma..zo,
/// monday..sunday, mon..sun or 1..7 with 1 = Monday), <c>start</c> and <c>end</c> (school-local,
/// e.g. 08:30), <c>course</c> (a course's exact name), and optionally <c>room</c>.
/// The whole file is checked first; any bad row stops the import and nothing is stored. Each
/// class in the file gets exactly the file's lessons (its earlier timetable is replaced), so
/// importing the same file again changes nothing; classes not in the file keep theirs.
/// </summary>
public sealed class Timetables(SchoolbelDb db, ClassesAdmin classes, HotCache cache)
{
    public const int MaxRows = 10_000;
    public const long MaxBytes = 2 * 1024 * 1024;
    public const int MaxRoomLength = 40;
    private const int MaxReportedErrors = 50;
    private static readonly string[] RequiredColumns = ["class", "weekday", "start", "end", "course"];
    private static readonly string[] TimeFormats = ["H:mm", "HH:mm", "H.mm", "HH.mm", "H:mm:ss", "HH:mm:ss"];

    /// <summary>A class's lessons by weekday and start; null when the class is not of this school.</summary>
    public async Task<ClassTimetable?> ForClassAsync(Guid classId, CancellationToken cancellationToken)
    {
        var schoolClass = await db.Classes.AsNoTracking().FirstOrDefaultAsync(k => k.Id == classId, cancellationToken);
        if (schoolClass is null)
        {
            return null;
        }

        var slots = await db.Set<TimetableSlot>().AsNoTracking().Where(s => s.ClassId == classId)
            .Join(db.Courses, s => s.CourseId, c => c.Id, (s, c) => new { Slot = s, CourseName = c.Name })
            .ToListAsync(cancellationToken);
        return new ClassTimetable(classId, schoolClass.Name, schoolClass.SchoolYear, [.. slots
            .OrderBy(s => IsoDay(s.Slot.Weekday)).ThenBy(s => s.Slot.Start)
            .Select(s => View(s.Slot, schoolClass.Name, s.CourseName))]);
    }

    /// <summary>How many timetable lessons each class has (for the overview).</summary>
    public async Task<IReadOnlyDictionary<Guid, int>> CountsAsync(CancellationToken cancellationToken) =>
        await db.Set<TimetableSlot>().GroupBy(s => s.ClassId).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);

    public async Task<Outcome<TimetableSlotView>> AddAsync(TimetableSlotInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var errors = new FieldErrors();
        var schoolClass = input.ClassId is { } classId ? await db.Classes.AsNoTracking().FirstOrDefaultAsync(k => k.Id == classId, cancellationToken) : null;
        if (schoolClass is null)
        {
            errors.Add("classId", "Deze klas bestaat niet in deze school.");
        }

        var course = input.CourseId is { } courseId ? await db.Courses.AsNoTracking().FirstOrDefaultAsync(c => c.Id == courseId, cancellationToken) : null;
        if (course is null)
        {
            errors.Add("courseId", "Dit vak bestaat niet in deze school.");
        }

        var parsed = Parse(input.Weekday, input.Start, input.End, input.Room, errors);
        if (errors.Any)
        {
            return errors;
        }

        var (weekday, start, end, room) = parsed!.Value;
        var clash = await db.Set<TimetableSlot>().AsNoTracking()
            .Where(s => s.ClassId == schoolClass!.Id && s.Weekday == weekday && s.Start < end && start < s.End)
            .Select(s => (TimeOnly?)s.Start).FirstOrDefaultAsync(cancellationToken);
        if (clash is { } other)
        {
            errors.Add("start", $"Klas {schoolClass!.Name} heeft dan al les (vanaf {Format(other)}).");
            return errors;
        }

        var slot = new TimetableSlot
        {
            SchoolId = schoolClass!.SchoolId, ClassId = schoolClass.Id, CourseId = course!.Id,
            Weekday = weekday, Start = start, End = end, Room = room,
        };
        db.Add(slot);
        await db.SaveChangesAsync(cancellationToken);
        cache.Invalidate(PlannerTags.School(slot.SchoolId));
        return View(slot, schoolClass.Name, course.Name);
    }

    public async Task<bool> DeleteAsync(Guid slotId, CancellationToken cancellationToken)
    {
        var slot = await db.Set<TimetableSlot>().FirstOrDefaultAsync(s => s.Id == slotId, cancellationToken);
        if (slot is null)
        {
            return false;
        }

        db.Remove(slot);
        await db.SaveChangesAsync(cancellationToken);
        cache.Invalidate(PlannerTags.School(slot.SchoolId));
        return true;
    }

    public async Task<TimetableImportResult> ImportAsync(Stream csv, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(csv);
        var errors = new List<CsvImportError>();
        var year = classes.CurrentSchoolYear;
        var classByName = await db.Classes.AsNoTracking().Where(k => k.SchoolYear == year)
            .ToDictionaryAsync(k => k.Name, StringComparer.OrdinalIgnoreCase, cancellationToken);
        var courseByName = (await db.Courses.AsNoTracking().ToListAsync(cancellationToken))
            .GroupBy(c => c.Name.Trim(), StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.OrdinalIgnoreCase);
        var rows = await ReadRowsAsync(csv, classByName, courseByName, year, errors, cancellationToken);

        // Two lessons of one class at the same time are a mistake in the file.
        foreach (var clash in rows.GroupBy(r => (r.Class.Id, r.Weekday)).SelectMany(Overlaps))
        {
            errors.Add(clash);
        }

        if (errors.Count > 0)
        {
            return TimetableImportResult.Failed([.. errors.OrderBy(e => e.Line).Take(MaxReportedErrors)]);
        }

        if (rows.Count == 0)
        {
            return TimetableImportResult.Failed([new CsvImportError(2, null, "Het bestand bevat geen lessen.")]);
        }

        var schoolId = db.CurrentSchoolId ?? throw new InvalidOperationException("No school in scope.");
        var classIds = rows.Select(r => r.Class.Id).Distinct().ToList();
        int removed, created = 0, unchanged = 0;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            var existing = await db.Set<TimetableSlot>().Where(s => classIds.Contains(s.ClassId)).ToListAsync(cancellationToken);
            removed = existing.Count;
            foreach (var row in rows)
            {
                // The same lesson again keeps its row (and so its id: calendar entries stay the same).
                var same = existing.FirstOrDefault(s => s.ClassId == row.Class.Id && s.Weekday == row.Weekday && s.Start == row.Start
                    && s.End == row.End && s.CourseId == row.Course.Id && s.Room == row.Room);
                if (same is not null)
                {
                    existing.Remove(same);
                    removed--;
                    unchanged++;
                    continue;
                }

                db.Add(new TimetableSlot
                {
                    SchoolId = schoolId, ClassId = row.Class.Id, CourseId = row.Course.Id,
                    Weekday = row.Weekday, Start = row.Start, End = row.End, Room = row.Room,
                });
                created++;
            }

            db.RemoveRange(existing);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        cache.Invalidate(PlannerTags.School(schoolId));
        return TimetableImportResult.Done(new TimetableImportSummary(rows.Count, classIds.Count, created, unchanged, removed));
    }

    /// <summary>Parses a weekday as schools write it: Dutch or English names and abbreviations, or 1 (Monday) to 7.</summary>
    public static DayOfWeek? ParseWeekday(string? text) => text?.Trim().TrimEnd('.').ToLowerInvariant() switch
    {
        "1" or "ma" or "maa" or "maandag" or "mon" or "monday" => DayOfWeek.Monday,
        "2" or "di" or "din" or "dinsdag" or "tue" or "tuesday" => DayOfWeek.Tuesday,
        "3" or "wo" or "woe" or "woensdag" or "wed" or "wednesday" => DayOfWeek.Wednesday,
        "4" or "do" or "don" or "donderdag" or "thu" or "thursday" => DayOfWeek.Thursday,
        "5" or "vr" or "vri" or "vrijdag" or "fri" or "friday" => DayOfWeek.Friday,
        "6" or "za" or "zat" or "zaterdag" or "sat" or "saturday" => DayOfWeek.Saturday,
        "7" or "zo" or "zon" or "zondag" or "sun" or "sunday" => DayOfWeek.Sunday,
        _ => null,
    };

    public static string Format(TimeOnly time) => time.ToString("HH:mm", CultureInfo.InvariantCulture);

    /// <summary>Monday 1 to Sunday 7, for sorting a week the Belgian way.</summary>
    public static int IsoDay(DayOfWeek day) => day == DayOfWeek.Sunday ? 7 : (int)day;

    private static TimetableSlotView View(TimetableSlot slot, string className, string courseName) =>
        new(slot.Id, slot.ClassId, className, slot.CourseId, courseName, slot.Weekday, Format(slot.Start), Format(slot.End), slot.Room);

    private static TimeOnly? ParseTime(string? text) =>
        TimeOnly.TryParseExact(text?.Trim(), TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time) ? time : null;

    /// <summary>Weekday, start, end and room checked the same way for forms, the API and CSV rows.</summary>
    private static (DayOfWeek Weekday, TimeOnly Start, TimeOnly End, string? Room)? Parse(string? weekdayText, string? startText, string? endText, string? roomText, FieldErrors errors)
    {
        var weekday = ParseWeekday(weekdayText);
        if (weekday is null)
        {
            errors.Add("weekday", $"Onbekende weekdag '{weekdayText}': gebruik maandag tot zondag (of ma, di, ... of 1 tot 7).");
        }

        var start = ParseTime(startText);
        if (start is null)
        {
            errors.Add("start", $"Onbekend beginuur '{startText}': schrijf het als 08:30.");
        }

        var end = ParseTime(endText);
        if (end is null)
        {
            errors.Add("end", $"Onbekend einduur '{endText}': schrijf het als 09:20.");
        }
        else if (start is not null && end <= start)
        {
            errors.Add("end", $"Het einduur ({Format(end.Value)}) moet na het beginuur ({Format(start.Value)}) liggen.");
        }

        var room = string.IsNullOrWhiteSpace(roomText) ? null : roomText.Trim();
        if (room is { Length: > MaxRoomLength })
        {
            errors.Add("room", $"Een lokaal heeft hoogstens {MaxRoomLength} tekens.");
        }

        return weekday is null || start is null || end is null || end <= start || room is { Length: > MaxRoomLength }
            ? null
            : (weekday.Value, start.Value, end.Value, room);
    }

    private static IEnumerable<CsvImportError> Overlaps(IEnumerable<CsvSlotRow> day)
    {
        var sorted = day.OrderBy(r => r.Start).ToList();
        for (var i = 1; i < sorted.Count; i++)
        {
            var earlier = sorted.Take(i).FirstOrDefault(r => r.End > sorted[i].Start);
            if (earlier is not null)
            {
                yield return new CsvImportError(sorted[i].Line, "start", $"Klas {sorted[i].Class.Name} heeft dan al les volgens regel {earlier.Line}.");
            }
        }
    }

    private static async Task<List<CsvSlotRow>> ReadRowsAsync(
        Stream csv, Dictionary<string, SchoolClass> classByName, Dictionary<string, Courses.Course> courseByName, string year,
        List<CsvImportError> errors, CancellationToken cancellationToken)
    {
        var rows = new List<CsvSlotRow>();
        var config = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            PrepareHeaderForMatch = args => args.Header.Trim().ToLowerInvariant(),
            DetectDelimiter = true,
            TrimOptions = TrimOptions.Trim,
            BadDataFound = null,
        };
        using var reader = new StreamReader(csv, detectEncodingFromByteOrderMarks: true);
        using var parser = new CsvReader(reader, config);
        try
        {
            if (!await parser.ReadAsync() || !parser.ReadHeader())
            {
                errors.Add(new(1, null, "Het bestand is leeg: de eerste regel moet de kolomnamen bevatten."));
                return rows;
            }

            var header = parser.HeaderRecord!.Select(h => h.Trim().ToLowerInvariant()).ToHashSet();
            var missing = RequiredColumns.Where(c => !header.Contains(c)).ToList();
            if (missing.Count > 0)
            {
                errors.Add(new(1, null, $"Kolommen ontbreken: {string.Join(", ", missing)}."));
                return rows;
            }

            while (await parser.ReadAsync())
            {
                cancellationToken.ThrowIfCancellationRequested();
                var line = parser.Parser.RawRow;
                if (rows.Count >= MaxRows)
                {
                    errors.Add(new(line, null, $"Een bestand heeft hoogstens {MaxRows} rijen."));
                    break;
                }

                string? Field(string name) => header.Contains(name) ? parser.GetField(name)?.Trim() : null;
                var fieldErrors = new FieldErrors();
                var className = Field("class") ?? "";
                if (!classByName.TryGetValue(className, out var schoolClass))
                {
                    fieldErrors.Add("class", className.Length == 0
                        ? "Geef de klas."
                        : $"Onbekende klas '{className}' in schooljaar {year}: maak ze eerst aan (Klassen of personen importeren).");
                }

                var courseName = Field("course") ?? "";
                if (!courseByName.TryGetValue(courseName, out var course))
                {
                    fieldErrors.Add("course", courseName.Length == 0 ? "Geef het vak." : $"Onbekend vak '{courseName}': gebruik de naam van een vak van de school.");
                }

                var parsed = Parse(Field("weekday"), Field("start"), Field("end"), Field("room"), fieldErrors);
                foreach (var (field, messages) in fieldErrors.ToDictionary())
                {
                    errors.AddRange(messages.Select(m => new CsvImportError(line, field, m)));
                }

                if (!fieldErrors.Any && parsed is { } ok)
                {
                    rows.Add(new CsvSlotRow(line, schoolClass!, course!, ok.Weekday, ok.Start, ok.End, ok.Room));
                }

                if (errors.Count >= MaxReportedErrors)
                {
                    break;
                }
            }
        }
        catch (CsvHelperException ex)
        {
            errors.Add(new(ex.Context?.Parser?.RawRow ?? 0, null, "Dit is geen geldig CSV-bestand: " + ex.Message.Split('\n')[0]));
        }

        return rows;
    }

    private sealed record CsvSlotRow(int Line, SchoolClass Class, Courses.Course Course, DayOfWeek Weekday, TimeOnly Start, TimeOnly End, string? Room);
}

/// <summary>A timetable lesson from a form or the API: weekday as in the CSV (e.g. maandag or Monday), times as 08:30.</summary>
public sealed record TimetableSlotInput(Guid? ClassId, string? Weekday, string? Start, string? End, Guid? CourseId, string? Room);

public sealed record TimetableSlotView(Guid Id, Guid ClassId, string ClassName, Guid CourseId, string CourseName, DayOfWeek Weekday, string Start, string End, string? Room);

public sealed record ClassTimetable(Guid ClassId, string ClassName, string SchoolYear, IReadOnlyList<TimetableSlotView> Slots);

/// <summary>What an import did: rows read, classes whose timetable it set, lessons added, kept and removed.</summary>
public sealed record TimetableImportSummary(int Rows, int Classes, int Created, int Unchanged, int Removed);

public sealed record TimetableImportResult(TimetableImportSummary? Summary, IReadOnlyList<CsvImportError> Errors)
{
    public bool Succeeded => Summary is not null;

    public static TimetableImportResult Failed(IReadOnlyList<CsvImportError> errors) => new(null, errors);

    public static TimetableImportResult Done(TimetableImportSummary summary) => new(summary, []);
}
