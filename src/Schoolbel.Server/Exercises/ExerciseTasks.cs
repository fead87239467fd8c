using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Courses;
using Schoolbel.Server.Data;
using Schoolbel.Server.HotReads;
using Schoolbel.Server.Web;

namespace Schoolbel.Server.Exercises;

/// <summary>
/// Tasks: a teacher asks a class or one pupil to practise a set or a skill in a period; pupils
/// see them on the today page. That read is one of the 08:30 peak's, so it comes from the
/// hot-read cache: one entry per class (shared by its pupils) and one per pupil, tagged with the
/// class or the pupil, which assigning or removing a task invalidates.
/// </summary>
public sealed class ExerciseTasks(SchoolbelDb db, CourseAccess access, HotCache cache, TimeProvider time)
{
    public static readonly TimeSpan MaxPeriod = TimeSpan.FromDays(366);

    /// <summary>At most this many tasks per class or pupil in a cache entry (the page shows 20).</summary>
    private const int MaxCached = 100;

    private Guid SchoolId => db.CurrentSchoolId ?? throw new InvalidOperationException("No school in scope.");

    public async Task<Outcome<Guid>> CreateAsync(Guid courseId, TaskInput input, Guid teacherId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var errors = new FieldErrors();
        var skill = string.IsNullOrWhiteSpace(input.Skill) ? null : input.Skill.Trim();
        if ((input.SetId is null) == (skill is null))
        {
            errors.Add("what", "Kies een reeks of een vaardigheid.");
        }
        else if (input.SetId is { } setId && !await db.Set<ExerciseSet>().AnyAsync(s => s.Id == setId && s.CourseId == courseId, cancellationToken))
        {
            errors.Add("what", "Die reeks hoort niet bij dit vak.");
        }
        else if (skill is not null && !await db.Set<ExerciseItem>().AnyAsync(i => i.CourseId == courseId && i.Skill == skill && !i.Retired, cancellationToken))
        {
            errors.Add("what", "Dit vak heeft geen oefeningen voor die vaardigheid.");
        }

        if ((input.ClassId is null) == (input.PupilId is null))
        {
            errors.Add("who", "Kies een klas of een leerling.");
        }
        else if (input.ClassId is { } classId && !await db.CourseClasses.AnyAsync(c => c.CourseId == courseId && c.ClassId == classId, cancellationToken))
        {
            errors.Add("who", "Die klas volgt dit vak niet.");
        }
        else if (input.PupilId is { } pupilId && !await access.PupilsOf(courseId).AnyAsync(p => p == pupilId, cancellationToken))
        {
            errors.Add("who", "Die leerling volgt dit vak niet.");
        }

        if (input.From is not { } from || input.Until is not { } until || until <= from || until - from > MaxPeriod)
        {
            errors.Add("period", "Geef een periode: het einde na het begin, hoogstens een jaar.");
        }

        if (errors.Any)
        {
            return errors;
        }

        var task = new ExerciseTask
        {
            SchoolId = db.CurrentSchoolId ?? throw new InvalidOperationException("No school in scope."),
            CourseId = courseId,
            SetId = input.SetId,
            Skill = skill,
            ClassId = input.ClassId,
            PupilId = input.PupilId,
            From = input.From!.Value.UtcDateTime,
            Until = input.Until!.Value.UtcDateTime,
            CreatedAt = time.GetUtcNow().UtcDateTime,
            CreatedBy = teacherId,
        };
        db.Add(task);
        await db.SaveChangesAsync(cancellationToken);
        cache.Invalidate(TagOf(task.ClassId, task.PupilId));
        return task.Id;
    }

    /// <summary>The pupils who follow the course, by name, for the task form.</summary>
    public async Task<IReadOnlyList<IdName>> PupilsAsync(Guid courseId, CancellationToken cancellationToken)
    {
        var ids = access.PupilsOf(courseId);
        return await db.People.AsNoTracking().Where(p => ids.Contains(p.Id)).OrderBy(p => p.LastName).ThenBy(p => p.FirstName)
            .Select(p => new IdName(p.Id, p.FirstName + " " + p.LastName)).ToListAsync(cancellationToken);
    }

    public async Task<bool> DeleteAsync(Guid courseId, Guid taskId, CancellationToken cancellationToken)
    {
        var tasks = db.Set<ExerciseTask>().Where(t => t.Id == taskId && t.CourseId == courseId);
        var who = await tasks.Select(t => new { t.ClassId, t.PupilId }).FirstOrDefaultAsync(cancellationToken);
        if (who is null || await tasks.ExecuteDeleteAsync(cancellationToken) == 0)
        {
            return false;
        }

        cache.Invalidate(TagOf(who.ClassId, who.PupilId));
        return true;
    }

    /// <summary>The course's tasks that have not ended, for its teachers.</summary>
    public async Task<IReadOnlyList<TaskView>> ForCourseAsync(Guid courseId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return await (
            from t in db.Set<ExerciseTask>().AsNoTracking()
            where t.CourseId == courseId && t.Until > now
            join s in db.Set<ExerciseSet>() on t.SetId equals s.Id into sets
            from s in sets.DefaultIfEmpty()
            join c in db.Classes on t.ClassId equals c.Id into classes
            from c in classes.DefaultIfEmpty()
            join p in db.People on t.PupilId equals p.Id into pupils
            from p in pupils.DefaultIfEmpty()
            orderby t.Until
            select new TaskView(t.Id, t.CourseId, "", t.SetId, s != null ? s.Title : t.Skill!, t.Skill,
                c != null ? c.Name : p != null ? p.FirstName + " " + p.LastName : "", t.From, t.Until))
            .ToListAsync(cancellationToken);
    }

    /// <summary>A pupil's current tasks (for them and for their classes), for the today page (cached).</summary>
    public async Task<IReadOnlyList<TaskView>> ForPupilAsync(Guid pupilId, IReadOnlyList<Guid> classIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(classIds);
        var school = SchoolId;
        var found = new List<TaskView>(await cache.GetOrLoadAsync(
            HotKinds.PupilTasks,
            HotKeys.Of(HotKinds.PupilTasks, school, pupilId),
            [HotTags.Directory(school), HotTags.Person(pupilId)],
            () => LoadAsync(t => t.PupilId == pupilId)));
        foreach (var classId in classIds.Distinct())
        {
            found.AddRange(await cache.GetOrLoadAsync(
                HotKinds.ClassTasks,
                HotKeys.Of(HotKinds.ClassTasks, school, classId),
                [HotTags.Directory(school), HotTags.Class(classId)],
                () => LoadAsync(t => t.ClassId == classId)));
        }

        // Whether a task is current is decided now, on the clock, so an entry never goes stale by time.
        var now = time.GetUtcNow().UtcDateTime;
        return [.. found.Where(t => t.From <= now && t.Until > now).DistinctBy(t => t.Id).OrderBy(t => t.Until).Take(20)];
    }

    /// <summary>The tag a task's entry carries: its class, or its pupil.</summary>
    private static string TagOf(Guid? classId, Guid? pupilId) =>
        classId is { } id ? HotTags.Class(id) : HotTags.Person(pupilId ?? throw new InvalidOperationException("A task is for a class or a pupil."));

    /// <summary>
    /// The tasks matching <paramref name="who"/> that have not ended when loading; ones that start
    /// later are kept too and shown once they start. Runs for whoever waits on the cache, so
    /// without their cancellation.
    /// </summary>
    private async Task<IReadOnlyList<TaskView>> LoadAsync(Expression<Func<ExerciseTask, bool>> who)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return await (
            from t in db.Set<ExerciseTask>().AsNoTracking().Where(who)
            where t.Until > now
            join course in db.Courses on t.CourseId equals course.Id
            join s in db.Set<ExerciseSet>() on t.SetId equals s.Id into sets
            from s in sets.DefaultIfEmpty()
            orderby t.Until
            select new TaskView(t.Id, t.CourseId, course.Name, t.SetId, s != null ? s.Title : t.Skill!, t.Skill, "", t.From, t.Until))
            .Take(MaxCached)
            .ToListAsync(CancellationToken.None);
    }
}

/// <summary>A new task: a set or a skill, a class or a pupil, and a period.</summary>
public sealed record TaskInput(Guid? SetId, string? Skill, Guid? ClassId, Guid? PupilId, DateTimeOffset? From, DateTimeOffset? Until);

public sealed record TaskView(Guid Id, Guid CourseId, string CourseName, Guid? SetId, string Title, string? Skill, string For, DateTime From, DateTime Until)
{
    /// <summary>Where the pupil practises it, relative to the school.</summary>
    public string PracticePath => SetId is { } set
        ? $"courses/{CourseId}/practice?set={set}"
        : $"courses/{CourseId}/practice?skill={Uri.EscapeDataString(Skill ?? "")}";
}
