using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Data;
using Schoolbel.Server.HotReads;
using Schoolbel.Server.People;
using Schoolbel.Server.Web;

namespace Schoolbel.Server.Courses;

/// <summary>
/// Courses with their teachers, classes and chosen pupils; shared by pages and API. A course's
/// details are cached; every change here drops the school's directory entries (who may see
/// which course, course lists), see <see cref="HotTags.Directory"/>.
/// </summary>
public sealed class CoursesAdmin(SchoolbelDb db, HotCache cache, TimeProvider time)
{
    public async Task<IReadOnlyList<CourseSummary>> ListAsync(CancellationToken cancellationToken)
    {
        var courses = await db.Courses.AsNoTracking().OrderBy(c => c.Name)
            .Select(c => new { c.Id, c.Name })
            .ToListAsync(cancellationToken);
        var teachers = await db.CourseTeachers.AsNoTracking()
            .Join(db.People, t => t.TeacherId, p => p.Id, (t, p) => new { t.CourseId, Name = p.FirstName + " " + p.LastName })
            .ToListAsync(cancellationToken);
        var classes = await db.CourseClasses.AsNoTracking()
            .Join(db.Classes, cc => cc.ClassId, c => c.Id, (cc, c) => new { cc.CourseId, c.Name })
            .ToListAsync(cancellationToken);
        var teachersByCourse = teachers.ToLookup(t => t.CourseId, t => t.Name);
        var classesByCourse = classes.ToLookup(c => c.CourseId, c => c.Name);
        return courses.Select(c => new CourseSummary(c.Id, c.Name,
            [.. teachersByCourse[c.Id].Order(StringComparer.Ordinal)],
            [.. classesByCourse[c.Id].Order(StringComparer.Ordinal)])).ToList();
    }

    public async Task<CourseDetails?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        await cache.GetOrLoadAsync(
            HotKinds.Course,
            HotKeys.Of(HotKinds.Course, SchoolId, id),
            [HotTags.Directory(SchoolId)],
            () => LoadAsync(id, CancellationToken.None),
            cacheNull: false);

    private async Task<CourseDetails?> LoadAsync(Guid id, CancellationToken cancellationToken)
    {
        var course = await db.Courses.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (course is null)
        {
            return null;
        }

        var teachers = await db.CourseTeachers.AsNoTracking().Where(t => t.CourseId == id)
            .Join(db.People, t => t.TeacherId, p => p.Id, (t, p) => new PersonRef(p.Id, p.Username, p.FirstName + " " + p.LastName))
            .ToListAsync(cancellationToken);
        var classes = await db.CourseClasses.AsNoTracking().Where(c => c.CourseId == id)
            .Join(db.Classes, cc => cc.ClassId, c => c.Id, (cc, c) => new ClassRef(c.Id, c.Name, c.SchoolYear))
            .ToListAsync(cancellationToken);
        var pupils = await db.CoursePupils.AsNoTracking().Where(p => p.CourseId == id)
            .Join(db.People, cp => cp.PupilId, p => p.Id, (cp, p) => new PersonRef(p.Id, p.Username, p.FirstName + " " + p.LastName))
            .ToListAsync(cancellationToken);
        return new CourseDetails(course.Id, course.Name, teachers, classes, pupils);
    }

    public async Task<Outcome<CourseDetails>> CreateAsync(CourseInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var errors = new FieldErrors();
        var name = await ValidateAsync(null, input, errors, cancellationToken);
        if (errors.Any)
        {
            return errors;
        }

        var course = new Course { SchoolId = SchoolId, Name = name, CreatedAt = time.GetUtcNow().UtcDateTime };
        db.Courses.Add(course);
        AddLinks(course.Id, input);
        await db.SaveChangesAsync(cancellationToken);
        cache.Invalidate(HotTags.Directory(SchoolId));
        return (await GetAsync(course.Id, cancellationToken))!;
    }

    /// <summary>Null when there is no such course. A null list leaves those links as they are.</summary>
    public async Task<Outcome<CourseDetails>?> UpdateAsync(Guid id, CourseInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var course = await db.Courses.FirstOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (course is null)
        {
            return null;
        }

        var errors = new FieldErrors();
        var name = await ValidateAsync(id, input, errors, cancellationToken);
        if (errors.Any)
        {
            return errors;
        }

        // Links are replaced with a delete and inserts; one transaction keeps that all or nothing.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        course.Name = name;
        if (input.TeacherIds is not null)
        {
            await db.CourseTeachers.Where(t => t.CourseId == id).ExecuteDeleteAsync(cancellationToken);
        }

        if (input.ClassIds is not null)
        {
            await db.CourseClasses.Where(c => c.CourseId == id).ExecuteDeleteAsync(cancellationToken);
        }

        if (input.PupilIds is not null)
        {
            await db.CoursePupils.Where(p => p.CourseId == id).ExecuteDeleteAsync(cancellationToken);
        }

        AddLinks(id, input);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        // Teachers, classes and chosen pupils decide who sees the course and its lessons.
        cache.Invalidate(HotTags.Directory(SchoolId));
        return (await GetAsync(id, cancellationToken))!;
    }

    public async Task<bool> DeleteAsync(Guid id, CancellationToken cancellationToken)
    {
        var deleted = await db.Courses.Where(c => c.Id == id).ExecuteDeleteAsync(cancellationToken) > 0;
        cache.Invalidate(HotTags.Directory(SchoolId), HotTags.Course(id));
        return deleted;
    }

    private async Task<string> ValidateAsync(Guid? id, CourseInput input, FieldErrors errors, CancellationToken cancellationToken)
    {
        var name = input.Name?.Trim() ?? "";
        if (name.Length is 0 or > 120)
        {
            errors.Add("name", "Geef het vak een naam van 1 tot 120 tekens, bv. Wiskunde 3B.");
        }
        else if (await db.Courses.AnyAsync(c => c.Name == name && c.Id != id, cancellationToken))
        {
            errors.Add("name", $"Er is al een vak '{name}'.");
        }

        if (input.TeacherIds is { Count: > 0 } teacherIds
            && await db.People.CountAsync(p => teacherIds.Contains(p.Id) && (p.Role == PersonRole.Teacher || p.Role == PersonRole.SchoolAdmin), cancellationToken) != teacherIds.Distinct().Count())
        {
            errors.Add("teacherIds", "Een van de gekozen personen is geen leerkracht van deze school.");
        }

        if (input.ClassIds is { Count: > 0 } classIds
            && await db.Classes.CountAsync(c => classIds.Contains(c.Id), cancellationToken) != classIds.Distinct().Count())
        {
            errors.Add("classIds", "Een van de klassen bestaat niet in deze school.");
        }

        if (input.PupilIds is { Count: > 0 } pupilIds
            && await db.People.CountAsync(p => pupilIds.Contains(p.Id) && p.Role == PersonRole.Pupil, cancellationToken) != pupilIds.Distinct().Count())
        {
            errors.Add("pupilIds", "Een van de gekozen personen is geen leerling van deze school.");
        }

        return name;
    }

    private void AddLinks(Guid courseId, CourseInput input)
    {
        foreach (var teacherId in input.TeacherIds?.Distinct() ?? [])
        {
            db.CourseTeachers.Add(new CourseTeacher { SchoolId = SchoolId, CourseId = courseId, TeacherId = teacherId });
        }

        foreach (var classId in input.ClassIds?.Distinct() ?? [])
        {
            db.CourseClasses.Add(new CourseClass { SchoolId = SchoolId, CourseId = courseId, ClassId = classId });
        }

        foreach (var pupilId in input.PupilIds?.Distinct() ?? [])
        {
            db.CoursePupils.Add(new CoursePupil { SchoolId = SchoolId, CourseId = courseId, PupilId = pupilId });
        }
    }

    private Guid SchoolId => db.CurrentSchoolId ?? throw new InvalidOperationException("No school in scope.");
}

public sealed record CourseInput(string? Name, IReadOnlyList<Guid>? TeacherIds = null, IReadOnlyList<Guid>? ClassIds = null, IReadOnlyList<Guid>? PupilIds = null);

public sealed record CourseSummary(Guid Id, string Name, IReadOnlyList<string> Teachers, IReadOnlyList<string> Classes);

public sealed record CourseDetails(Guid Id, string Name, IReadOnlyList<PersonRef> Teachers, IReadOnlyList<ClassRef> Classes, IReadOnlyList<PersonRef> Pupils);
