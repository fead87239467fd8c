using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Courses;
using Schoolbel.Server.Data;
using Schoolbel.Server.HotReads;
using Schoolbel.Server.People;
using Schoolbel.Server.Web;

namespace Schoolbel.Server.Planner;

/// <summary>
/// Homework, tests and things to bring: the teachers of a course (and the school's admins) add,
/// change and remove them for the course's classes. Everyone else gets "not found".
/// </summary>
public sealed class PlannerItems(SchoolbelDb db, CourseAccess access, HotCache cache, TimeProvider time)
{
    public const int MaxTitleLength = 200;
    public const int MaxDetailsLength = 2000;

    /// <summary>How far from today an item may be put (a school year either way is plenty).</summary>
    public const int MaxDaysAway = 400;

    public async Task<PlannerItemView?> GetAsync(Guid itemId, Guid personId, PersonRole role, CancellationToken cancellationToken)
    {
        var item = await db.Set<PlannerItem>().AsNoTracking().FirstOrDefaultAsync(i => i.Id == itemId, cancellationToken);
        return item is not null && await CanEditAsync(item.CourseId, personId, role, cancellationToken) ? await ViewAsync(item, cancellationToken) : null;
    }

    public async Task<Outcome<PlannerItemView>> CreateAsync(PlannerItemInput input, Guid personId, PersonRole role, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var errors = await ValidateAsync(input, personId, role, cancellationToken);
        if (errors.Any)
        {
            return errors;
        }

        var now = time.GetUtcNow().UtcDateTime;
        var item = new PlannerItem
        {
            SchoolId = db.CurrentSchoolId ?? throw new InvalidOperationException("No school in scope."),
            CourseId = input.CourseId!.Value,
            ClassId = input.ClassId!.Value,
            Kind = input.Kind!.Value,
            Day = input.Day!.Value,
            Title = input.Title!.Trim(),
            Details = string.IsNullOrWhiteSpace(input.Details) ? null : input.Details.Trim(),
            CreatedBy = personId,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Add(item);
        await db.SaveChangesAsync(cancellationToken);
        Changed(item.SchoolId);
        return await ViewAsync(item, cancellationToken);
    }

    /// <summary>Null when the item does not exist for this person; else the item or the errors.</summary>
    public async Task<Outcome<PlannerItemView>?> UpdateAsync(Guid itemId, PlannerItemInput input, Guid personId, PersonRole role, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var item = await db.Set<PlannerItem>().FirstOrDefaultAsync(i => i.Id == itemId, cancellationToken);
        if (item is null || !await CanEditAsync(item.CourseId, personId, role, cancellationToken))
        {
            return null;
        }

        var errors = await ValidateAsync(input, personId, role, cancellationToken);
        if (errors.Any)
        {
            return errors;
        }

        item.CourseId = input.CourseId!.Value;
        item.ClassId = input.ClassId!.Value;
        item.Kind = input.Kind!.Value;
        item.Day = input.Day!.Value;
        item.Title = input.Title!.Trim();
        item.Details = string.IsNullOrWhiteSpace(input.Details) ? null : input.Details.Trim();
        item.UpdatedAt = time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        Changed(item.SchoolId);
        return await ViewAsync(item, cancellationToken);
    }

    public async Task<bool> DeleteAsync(Guid itemId, Guid personId, PersonRole role, CancellationToken cancellationToken)
    {
        var item = await db.Set<PlannerItem>().FirstOrDefaultAsync(i => i.Id == itemId, cancellationToken);
        if (item is null || !await CanEditAsync(item.CourseId, personId, role, cancellationToken))
        {
            return false;
        }

        db.Remove(item);
        await db.SaveChangesAsync(cancellationToken);
        Changed(item.SchoolId);
        return true;
    }

    /// <summary>The courses this person may plan for (teachers: theirs; admins: all), each with its classes (for the forms).</summary>
    public async Task<IReadOnlyList<PlannableCourse>> PlannableAsync(Guid personId, PersonRole role, CancellationToken cancellationToken)
    {
        var courses = role == PersonRole.SchoolAdmin
            ? await db.Courses.AsNoTracking().OrderBy(c => c.Name).Select(c => new CourseLink(c.Id, c.Name)).ToListAsync(cancellationToken)
            : await access.CoursesOfTeacherAsync(personId, cancellationToken);
        var ids = courses.Select(c => c.Id).ToList();
        var classes = (await db.CourseClasses.AsNoTracking().Where(cc => ids.Contains(cc.CourseId))
                .Join(db.Classes, cc => cc.ClassId, k => k.Id, (cc, k) => new { cc.CourseId, k.Id, k.Name })
                .ToListAsync(cancellationToken))
            .ToLookup(c => c.CourseId);
        return courses.Select(c => new PlannableCourse(c.Id, c.Name, [.. classes[c.Id].OrderBy(k => k.Name, StringComparer.Ordinal).Select(k => new IdName(k.Id, k.Name))]))
            .Where(c => c.Classes.Count > 0)
            .ToList();
    }

    private async Task<bool> CanEditAsync(Guid courseId, Guid personId, PersonRole role, CancellationToken cancellationToken) =>
        role is PersonRole.Teacher or PersonRole.SchoolAdmin
        && await access.ViewerAsync(courseId, personId, role, cancellationToken) is { CanEdit: true };

    private async Task<FieldErrors> ValidateAsync(PlannerItemInput input, Guid personId, PersonRole role, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        if (input.CourseId is not { } courseId || !await CanEditAsync(courseId, personId, role, cancellationToken))
        {
            errors.Add("courseId", "Kies een vak dat je geeft.");
        }
        else if (input.ClassId is not { } classId || !await db.CourseClasses.AnyAsync(cc => cc.CourseId == courseId && cc.ClassId == classId, cancellationToken))
        {
            errors.Add("classId", "Kies een klas van dit vak.");
        }

        if (input.Kind is not (PlannerItemKind.Homework or PlannerItemKind.Test or PlannerItemKind.Bring))
        {
            errors.Add("kind", "Kies huiswerk, toets of meebrengen.");
        }

        var today = Lessons.SchoolTime.LocalDate(time.GetUtcNow().UtcDateTime);
        if (input.Day is not { } day)
        {
            errors.Add("day", "Kies een dag.");
        }
        else if (Math.Abs(day.DayNumber - today.DayNumber) > MaxDaysAway)
        {
            errors.Add("day", $"Kies een dag binnen {MaxDaysAway} dagen van vandaag.");
        }

        var title = input.Title?.Trim() ?? "";
        if (title.Length is 0 or > MaxTitleLength)
        {
            errors.Add("title", $"Geef een titel van 1 tot {MaxTitleLength} tekens.");
        }

        if (input.Details is { Length: > MaxDetailsLength })
        {
            errors.Add("details", $"De uitleg mag hoogstens {MaxDetailsLength} tekens lang zijn.");
        }

        return errors;
    }

    private void Changed(Guid schoolId) => cache.Invalidate(PlannerTags.School(schoolId));

    private async Task<PlannerItemView> ViewAsync(PlannerItem item, CancellationToken cancellationToken)
    {
        var courseName = await db.Courses.AsNoTracking().Where(c => c.Id == item.CourseId).Select(c => c.Name).FirstOrDefaultAsync(cancellationToken);
        var className = await db.Classes.AsNoTracking().Where(k => k.Id == item.ClassId).Select(k => k.Name).FirstOrDefaultAsync(cancellationToken);
        return new PlannerItemView(item.Id, item.CourseId, courseName ?? "", item.ClassId, className ?? "",
            item.Kind, item.Day, item.Title, item.Details, item.UpdatedAt);
    }
}

/// <summary>Cache tags of the planner (see <see cref="HotCache"/>).</summary>
public static class PlannerTags
{
    /// <summary>A school's timetables and planner items.</summary>
    public static string School(Guid schoolId) => "pl:" + schoolId.ToString("N");
}

/// <summary>A planner item as sent by a form or the API; <see cref="Day"/> is a school day (yyyy-MM-dd).</summary>
public sealed record PlannerItemInput(Guid? CourseId, Guid? ClassId, PlannerItemKind? Kind, DateOnly? Day, string? Title, string? Details);

public sealed record PlannerItemView(
    Guid Id, Guid CourseId, string CourseName, Guid ClassId, string ClassName, PlannerItemKind Kind, DateOnly Day, string Title, string? Details, DateTime UpdatedAt);

public sealed record PlannableCourse(Guid Id, string Name, IReadOnlyList<IdName> Classes);
