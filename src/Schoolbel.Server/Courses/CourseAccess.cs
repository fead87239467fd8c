using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Data;
using Schoolbel.Server.People;

namespace Schoolbel.Server.Courses;

/// <summary>
/// Who may see a course: its teachers and the school's admins, the pupils of its classes and
/// its chosen pupils, and those pupils' parents. Everyone else gets a 404, so they cannot
/// learn that the course exists.
/// </summary>
public sealed class CourseAccess(SchoolbelDb db)
{
    public async Task<bool> CanViewAsync(Guid courseId, Guid personId, PersonRole role, CancellationToken cancellationToken) =>
        role switch
        {
            PersonRole.SchoolAdmin => await db.Courses.AnyAsync(c => c.Id == courseId, cancellationToken),
            PersonRole.Teacher => await db.CourseTeachers.AnyAsync(t => t.CourseId == courseId && t.TeacherId == personId, cancellationToken),
            PersonRole.Pupil => await PupilsOf(courseId).AnyAsync(p => p == personId, cancellationToken),
            PersonRole.Parent => await db.ParentLinks.AnyAsync(l => l.ParentId == personId && PupilsOf(courseId).Contains(l.PupilId), cancellationToken),
            _ => false,
        };

    /// <summary>
    /// How <paramref name="personId"/> sees a course: null when not at all (answer 404), else
    /// whether they may change its contents and, for pupils and parents, the classes through
    /// which lessons are published to them.
    /// </summary>
    public async Task<CourseViewer?> ViewerAsync(Guid courseId, Guid personId, PersonRole role, CancellationToken cancellationToken)
    {
        switch (role)
        {
            case PersonRole.SchoolAdmin or PersonRole.Teacher:
                return await CanViewAsync(courseId, personId, role, cancellationToken)
                    ? new CourseViewer(personId, role, CanEdit: true, [])
                    : null;
            case PersonRole.Pupil or PersonRole.Parent:
                var pupils = role == PersonRole.Pupil
                    ? db.People.Where(p => p.Id == personId).Select(p => p.Id)
                    : db.ParentLinks.Where(l => l.ParentId == personId).Select(l => l.PupilId);
                var inCourse = PupilsOf(courseId);
                var classes = await db.ClassMemberships
                    .Where(m => pupils.Contains(m.PupilId) && inCourse.Contains(m.PupilId))
                    .Select(m => m.ClassId)
                    .Distinct()
                    .ToListAsync(cancellationToken);
                if (classes.Count == 0 && !await CanViewAsync(courseId, personId, role, cancellationToken))
                {
                    return null;
                }

                return new CourseViewer(personId, role, CanEdit: false, classes);
            default:
                return null;
        }
    }

    public async Task<IReadOnlyList<CourseLink>> CoursesOfPupilAsync(Guid pupilId, CancellationToken cancellationToken)
    {
        var viaClass = db.ClassMemberships.Where(m => m.PupilId == pupilId)
            .Join(db.CourseClasses, m => m.ClassId, cc => cc.ClassId, (m, cc) => cc.CourseId);
        var direct = db.CoursePupils.Where(p => p.PupilId == pupilId).Select(p => p.CourseId);
        var ids = viaClass.Union(direct);
        return await db.Courses.AsNoTracking().Where(c => ids.Contains(c.Id))
            .OrderBy(c => c.Name)
            .Select(c => new CourseLink(c.Id, c.Name))
            .ToListAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<CourseLink>> CoursesOfTeacherAsync(Guid teacherId, CancellationToken cancellationToken) =>
        await db.Courses.AsNoTracking()
            .Where(c => db.CourseTeachers.Any(t => t.CourseId == c.Id && t.TeacherId == teacherId))
            .OrderBy(c => c.Name)
            .Select(c => new CourseLink(c.Id, c.Name))
            .ToListAsync(cancellationToken);

    private IQueryable<Guid> PupilsOf(Guid courseId) =>
        db.CourseClasses.Where(cc => cc.CourseId == courseId)
            .Join(db.ClassMemberships, cc => cc.ClassId, m => m.ClassId, (cc, m) => m.PupilId)
            .Union(db.CoursePupils.Where(p => p.CourseId == courseId).Select(p => p.PupilId));
}

public sealed record CourseLink(Guid Id, string Name);

/// <summary>
/// Someone who may see a course. <see cref="CanEdit"/>: its teachers and the school's admins.
/// <see cref="ClassIds"/>: for pupils and parents, the (children's) classes in the course.
/// </summary>
public sealed record CourseViewer(Guid PersonId, PersonRole Role, bool CanEdit, IReadOnlyList<Guid> ClassIds);
