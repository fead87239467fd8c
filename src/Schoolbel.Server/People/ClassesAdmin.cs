using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Data;
using Schoolbel.Server.HotReads;
using Schoolbel.Server.Web;

namespace Schoolbel.Server.People;

/// <summary>Classes and who is in them, shared by the admin pages and the API. Changes drop the school's cached directory (<see cref="HotTags.Directory"/>).</summary>
public sealed partial class ClassesAdmin(SchoolbelDb db, HotCache cache, TimeProvider time)
{
    /// <summary>Flemish school years start on 1 September; from August on, admins prepare the next one.</summary>
    public static string SchoolYearOf(DateTimeOffset now) =>
        now.Month >= 8
            ? string.Create(CultureInfo.InvariantCulture, $"{now.Year}-{now.Year + 1}")
            : string.Create(CultureInfo.InvariantCulture, $"{now.Year - 1}-{now.Year}");

    public string CurrentSchoolYear => SchoolYearOf(time.GetUtcNow());

    public async Task<IReadOnlyList<ClassSummary>> ListAsync(CancellationToken cancellationToken) =>
        await db.Classes.AsNoTracking()
            .OrderByDescending(c => c.SchoolYear).ThenBy(c => c.Name)
            .Select(c => new ClassSummary(c.Id, c.Name, c.SchoolYear, db.ClassMemberships.Count(m => m.ClassId == c.Id)))
            .ToListAsync(cancellationToken);

    public async Task<ClassDetails?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        var found = await db.Classes.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (found is null)
        {
            return null;
        }

        var pupils = await db.ClassMemberships.AsNoTracking()
            .Where(m => m.ClassId == id)
            .Join(db.People, m => m.PupilId, p => p.Id, (m, p) => p)
            .OrderBy(p => p.LastName).ThenBy(p => p.FirstName)
            .Select(p => new PersonRef(p.Id, p.Username, p.FirstName + " " + p.LastName))
            .ToListAsync(cancellationToken);
        return new ClassDetails(found.Id, found.Name, found.SchoolYear, pupils);
    }

    public async Task<Outcome<ClassDetails>> CreateAsync(ClassInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var errors = new FieldErrors();
        var (name, year) = Validate(input, errors);
        if (!errors.Any && await db.Classes.AnyAsync(c => c.Name == name && c.SchoolYear == year, cancellationToken))
        {
            errors.Add("name", $"Klas {name} bestaat al in {year}.");
        }

        await ValidatePupilsAsync(input.PupilIds, errors, cancellationToken);
        if (errors.Any)
        {
            return errors;
        }

        var created = new SchoolClass { SchoolId = SchoolId, Name = name, SchoolYear = year };
        db.Classes.Add(created);
        AddPupils(created.Id, input.PupilIds);
        await db.SaveChangesAsync(cancellationToken);
        cache.Invalidate(HotTags.Directory(SchoolId));
        return (await GetAsync(created.Id, cancellationToken))!;
    }

    /// <summary>Null when there is no such class. A null pupil list leaves the pupils as they are.</summary>
    public async Task<Outcome<ClassDetails>?> UpdateAsync(Guid id, ClassInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var existing = await db.Classes.FirstOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (existing is null)
        {
            return null;
        }

        var errors = new FieldErrors();
        var (name, year) = Validate(input, errors);
        if (!errors.Any && await db.Classes.AnyAsync(c => c.Id != id && c.Name == name && c.SchoolYear == year, cancellationToken))
        {
            errors.Add("name", $"Klas {name} bestaat al in {year}.");
        }

        await ValidatePupilsAsync(input.PupilIds, errors, cancellationToken);
        if (errors.Any)
        {
            return errors;
        }

        // Links are replaced with a delete and inserts; one transaction keeps that all or nothing.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        existing.Name = name;
        existing.SchoolYear = year;
        if (input.PupilIds is not null)
        {
            await db.ClassMemberships.Where(m => m.ClassId == id).ExecuteDeleteAsync(cancellationToken);
            AddPupils(id, input.PupilIds);
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        cache.Invalidate(HotTags.Directory(SchoolId));
        return (await GetAsync(id, cancellationToken))!;
    }

    public async Task<bool> DeleteAsync(Guid id, CancellationToken cancellationToken)
    {
        // The class's lesson times go with it: the lessons of those courses change too.
        var courses = await db.Set<Lessons.LessonClass>().Where(lc => lc.ClassId == id)
            .Join(db.Set<Lessons.Lesson>(), lc => lc.LessonId, l => l.Id, (lc, l) => l.CourseId)
            .Distinct()
            .ToListAsync(cancellationToken);
        var deleted = await db.Classes.Where(c => c.Id == id).ExecuteDeleteAsync(cancellationToken) > 0;
        cache.Invalidate([HotTags.Directory(SchoolId), HotTags.Class(id), .. courses.Select(HotTags.Course)]);
        return deleted;
    }

    private (string Name, string Year) Validate(ClassInput input, FieldErrors errors)
    {
        var name = input.Name?.Trim() ?? "";
        var year = string.IsNullOrWhiteSpace(input.SchoolYear) ? CurrentSchoolYear : input.SchoolYear.Trim();
        if (name.Length is 0 or > 40)
        {
            errors.Add("name", "Geef de klas een naam van 1 tot 40 tekens, bv. 3B.");
        }

        var match = SchoolYearPattern().Match(year);
        if (!match.Success || int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture) != int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) + 1)
        {
            errors.Add("schoolYear", "Een schooljaar schrijf je als 2026-2027.");
        }

        return (name, year);
    }

    private async Task ValidatePupilsAsync(IReadOnlyList<Guid>? pupilIds, FieldErrors errors, CancellationToken cancellationToken)
    {
        if (pupilIds is { Count: > 0 }
            && await db.People.CountAsync(p => pupilIds.Contains(p.Id) && p.Role == PersonRole.Pupil, cancellationToken) != pupilIds.Distinct().Count())
        {
            errors.Add("pupilIds", "Een van de gekozen personen is geen leerling van deze school.");
        }
    }

    private void AddPupils(Guid classId, IReadOnlyList<Guid>? pupilIds)
    {
        foreach (var pupilId in pupilIds?.Distinct() ?? [])
        {
            db.ClassMemberships.Add(new ClassMembership { SchoolId = SchoolId, ClassId = classId, PupilId = pupilId });
        }
    }

    private Guid SchoolId => db.CurrentSchoolId ?? throw new InvalidOperationException("No school in scope.");

    [GeneratedRegex(@"^(\d{4})-(\d{4})$")]
    private static partial Regex SchoolYearPattern();
}

public sealed record ClassInput(string? Name, string? SchoolYear = null, IReadOnlyList<Guid>? PupilIds = null);

public sealed record ClassSummary(Guid Id, string Name, string SchoolYear, int Pupils);

public sealed record ClassDetails(Guid Id, string Name, string SchoolYear, IReadOnlyList<PersonRef> Pupils);
