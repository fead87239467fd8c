using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Data;
using Schoolbel.Server.HotReads;
using Schoolbel.Server.People;

namespace Schoolbel.Server.Courses;

/// <summary>
/// Who may see a course: its teachers and the school's admins, the pupils of its classes and
/// its chosen pupils, and those pupils' parents. Everyone else gets a 404, so they cannot
/// learn that the course exists. Answers are cached (tag <see cref="HotTags.Directory"/>:
/// every change to people, classes, courses or memberships of the school drops them).
/// </summary>
public sealed class CourseAccess(SchoolbelDb db, HotCache cache)
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
    /// which lessons are published to them and whether they (a child) follow the course directly.
    /// </summary>
    public async Task<CourseViewer?> ViewerAsync(Guid courseId, Guid personId, PersonRole role, CancellationToken cancellationToken)
    {
        var school = SchoolId;
        return await cache.GetOrLoadAsync(
            HotKinds.Viewer,
            ViewerKey(school, courseId, personId, role),
            [HotTags.Directory(school)],
            () => LoadViewerAsync(courseId, personId, role, CancellationToken.None),
            cacheNull: false);
    }

    /// <summary>A pupil's classes and courses (cached), for the today page and the lessons published to them.</summary>
    public async Task<PupilMembership> PupilAsync(Guid pupilId, CancellationToken cancellationToken)
    {
        var school = SchoolId;
        return await cache.GetOrLoadAsync(
            HotKinds.Pupil,
            HotKeys.Of(HotKinds.Pupil, school, pupilId),
            [HotTags.Directory(school)],
            () => LoadPupilAsync(pupilId, CancellationToken.None));
    }

    /// <summary>A parent's children (cached).</summary>
    public async Task<IReadOnlyList<IdName>> ChildrenAsync(Guid parentId, CancellationToken cancellationToken)
    {
        var school = SchoolId;
        return await cache.GetOrLoadAsync(
            HotKinds.Children,
            HotKeys.Of(HotKinds.Children, school, parentId),
            [HotTags.Directory(school)],
            async () => (IReadOnlyList<IdName>)await db.ParentLinks.AsNoTracking().Where(l => l.ParentId == parentId)
                .Join(db.People, l => l.PupilId, p => p.Id, (l, p) => new { p.Id, Name = p.FirstName + " " + p.LastName })
                .OrderBy(c => c.Name)
                .Select(c => new IdName(c.Id, c.Name))
                .ToListAsync(CancellationToken.None));
    }

    public async Task<IReadOnlyList<CourseLink>> CoursesOfPupilAsync(Guid pupilId, CancellationToken cancellationToken) =>
        (await PupilAsync(pupilId, cancellationToken)).Courses;

    /// <summary>The courses a teacher (or admin) teaches (cached).</summary>
    public async Task<IReadOnlyList<CourseLink>> CoursesOfTeacherAsync(Guid teacherId, CancellationToken cancellationToken)
    {
        var school = SchoolId;
        return await cache.GetOrLoadAsync(
            HotKinds.StaffCourses,
            HotKeys.Of(HotKinds.StaffCourses, school, teacherId),
            [HotTags.Directory(school)],
            async () => (IReadOnlyList<CourseLink>)await db.Courses.AsNoTracking()
                .Where(c => db.CourseTeachers.Any(t => t.CourseId == c.Id && t.TeacherId == teacherId))
                .OrderBy(c => c.Name)
                .Select(c => new CourseLink(c.Id, c.Name))
                .ToListAsync(CancellationToken.None));
    }

    /// <summary>The names of the school's classes by id (cached), for lesson schedules.</summary>
    public async Task<SchoolClassNames> ClassNamesAsync(CancellationToken cancellationToken)
    {
        var school = SchoolId;
        return await cache.GetOrLoadAsync(
            HotKinds.ClassNames,
            HotKeys.Of(HotKinds.ClassNames, school),
            [HotTags.Directory(school)],
            async () => new SchoolClassNames(await db.Classes.AsNoTracking().Select(c => new IdName(c.Id, c.Name)).ToListAsync(CancellationToken.None)));
    }

    /// <summary>The key of a <see cref="ViewerAsync"/> entry (also read by the download fast path).</summary>
    internal static string ViewerKey(Guid schoolId, Guid courseId, Guid personId, PersonRole role) =>
        HotKeys.Of(HotKinds.Viewer, schoolId, courseId, personId, role.ToString());

    /// <summary>The pupils who follow a course: those of its classes and its chosen pupils.</summary>
    internal IQueryable<Guid> PupilsOf(Guid courseId) =>
        db.CourseClasses.Where(cc => cc.CourseId == courseId)
            .Join(db.ClassMemberships, cc => cc.ClassId, m => m.ClassId, (cc, m) => m.PupilId)
            .Union(db.CoursePupils.Where(p => p.CourseId == courseId).Select(p => p.PupilId));

    private Guid SchoolId => db.CurrentSchoolId ?? throw new InvalidOperationException("No school in scope.");

    /// <summary>
    /// A pupil's view of a course follows from their membership (cached, and warmed before the
    /// morning), with no query of its own: all their classes, and whether they follow the course
    /// directly; null when they do not follow it.
    /// </summary>
    private static CourseViewer? PupilViewer(Guid pupilId, PupilMembership pupil, Guid courseId) =>
        pupil.Courses.Any(c => c.Id == courseId)
            ? new CourseViewer(pupilId, PersonRole.Pupil, CanEdit: false, pupil.ClassIds, pupil.DirectCourseIds.Contains(courseId))
            : null;

    private async Task<CourseViewer?> LoadViewerAsync(Guid courseId, Guid personId, PersonRole role, CancellationToken cancellationToken)
    {
        switch (role)
        {
            case PersonRole.SchoolAdmin or PersonRole.Teacher:
                return await CanViewAsync(courseId, personId, role, cancellationToken)
                    ? new CourseViewer(personId, role, CanEdit: true, [])
                    : null;
            case PersonRole.Pupil:
                return PupilViewer(personId, await PupilAsync(personId, cancellationToken), courseId);
            case PersonRole.Parent:
                // Through the children: their classes in the course, and whether one follows it directly.
                var pupils = db.ParentLinks.Where(l => l.ParentId == personId).Select(l => l.PupilId);
                var inCourse = PupilsOf(courseId);
                var classes = await db.ClassMemberships
                    .Where(m => pupils.Contains(m.PupilId) && inCourse.Contains(m.PupilId))
                    .Select(m => m.ClassId)
                    .Distinct()
                    .ToListAsync(cancellationToken);
                var direct = await db.CoursePupils.AnyAsync(p => p.CourseId == courseId && pupils.Contains(p.PupilId), cancellationToken);
                if (classes.Count == 0 && !direct && !await CanViewAsync(courseId, personId, role, cancellationToken))
                {
                    return null;
                }

                return new CourseViewer(personId, role, CanEdit: false, classes, direct);
            default:
                return null;
        }
    }

    /// <summary>
    /// Fills the pupil entries of these pupils, and their permission entries for each of their
    /// courses, from a few queries for all of them (the morning warm-up). Returns how many
    /// entries were filled; none whose tag was invalidated since <paramref name="loadStartedAt"/>.
    /// </summary>
    internal async Task<int> WarmPupilsAsync(IReadOnlyCollection<Guid> pupilIds, long loadStartedAt, CancellationToken cancellationToken)
    {
        var school = SchoolId;
        string[] tags = [HotTags.Directory(school)];
        var filled = 0;
        foreach (var (pupilId, pupil) in await LoadPupilsAsync(pupilIds, cancellationToken))
        {
            filled += await cache.SetAsync(HotKinds.Pupil, HotKeys.Of(HotKinds.Pupil, school, pupilId), tags, pupil, loadStartedAt) ? 1 : 0;
            foreach (var course in pupil.Courses)
            {
                var viewer = PupilViewer(pupilId, pupil, course.Id);
                filled += await cache.SetAsync(HotKinds.Viewer, ViewerKey(school, course.Id, pupilId, PersonRole.Pupil), tags, viewer, loadStartedAt) ? 1 : 0;
            }
        }

        return filled;
    }

    private async Task<PupilMembership> LoadPupilAsync(Guid pupilId, CancellationToken cancellationToken) =>
        (await LoadPupilsAsync([pupilId], cancellationToken))[pupilId];

    /// <summary>The classes and courses of some pupils, in one query.</summary>
    private async Task<Dictionary<Guid, PupilMembership>> LoadPupilsAsync(IReadOnlyCollection<Guid> pupilIds, CancellationToken cancellationToken)
    {
        var ids = pupilIds.Distinct().ToList();
        // One row per class, per course through a class and per course followed directly (a
        // course can come both ways: grouped below).
        var memberships = db.ClassMemberships.Where(m => ids.Contains(m.PupilId));
        var classes = memberships
            .Join(db.Classes, m => m.ClassId, c => c.Id, (m, c) => new { m.PupilId, Kind = MembershipRow.Class, c.Id, c.Name });
        var viaClass = memberships
            .Join(db.CourseClasses, m => m.ClassId, cc => cc.ClassId, (m, cc) => new { m.PupilId, cc.CourseId })
            .Join(db.Courses, x => x.CourseId, c => c.Id, (x, c) => new { x.PupilId, Kind = MembershipRow.CourseViaClass, c.Id, c.Name });
        var direct = db.CoursePupils.Where(p => ids.Contains(p.PupilId))
            .Join(db.Courses, p => p.CourseId, c => c.Id, (p, c) => new { p.PupilId, Kind = MembershipRow.DirectCourse, c.Id, c.Name });
        var rows = (await classes.Concat(viaClass).Concat(direct).AsNoTracking().ToListAsync(cancellationToken)).ToLookup(r => r.PupilId);
        return ids.ToDictionary(id => id, id =>
        {
            var mine = rows[id].Where(r => r.Kind == MembershipRow.Class).OrderBy(c => c.Name, NameOrder).ToList();
            var courses = rows[id].Where(r => r.Kind != MembershipRow.Class).GroupBy(r => r.Id).ToList();
            return new PupilMembership(
                [.. mine.Select(c => c.Id)],
                [.. mine.Select(c => c.Name)],
                [.. courses.Select(g => new CourseLink(g.Key, g.First().Name)).OrderBy(c => c.Name, NameOrder)],
                [.. courses.Where(g => g.Any(r => r.Kind == MembershipRow.DirectCourse)).Select(g => g.Key)]);
        });
    }

    /// <summary>What a row of <see cref="LoadPupilsAsync"/> is.</summary>
    private static class MembershipRow
    {
        public const int Class = 0;
        public const int CourseViaClass = 1;
        public const int DirectCourse = 2;
    }

    /// <summary>How names are sorted on the today page, the same on every thread and database.</summary>
    private static readonly StringComparer NameOrder = StringComparer.Create(System.Globalization.CultureInfo.GetCultureInfo("nl-BE"), ignoreCase: true);
}

public sealed record CourseLink(Guid Id, string Name);

/// <summary>An id with its display name (a person, a class).</summary>
public sealed record IdName(Guid Id, string Name);

/// <summary>
/// Someone who may see a course. <see cref="CanEdit"/>: its teachers and the school's admins.
/// <see cref="ClassIds"/>: for pupils and parents, the (children's) classes in the course.
/// <see cref="DirectlyEnrolled"/>: the pupil (a child) follows the course as a chosen pupil, not
/// (only) with a class; lessons then show at their earliest class's time.
/// </summary>
public sealed record CourseViewer(Guid PersonId, PersonRole Role, bool CanEdit, IReadOnlyList<Guid> ClassIds, bool DirectlyEnrolled = false);

/// <summary>A pupil's classes (ids and names in the same order, by name), courses, and the courses they follow directly.</summary>
public sealed record PupilMembership(IReadOnlyList<Guid> ClassIds, IReadOnlyList<string> ClassNames, IReadOnlyList<CourseLink> Courses, IReadOnlyList<Guid> DirectCourseIds);

/// <summary>The school's classes by id; cached as one entry.</summary>
public sealed record SchoolClassNames(IReadOnlyList<IdName> Classes)
{
    private Dictionary<Guid, string>? _byId;

    public string NameOf(Guid classId) =>
        (_byId ??= Classes.ToDictionary(c => c.Id, c => c.Name)).GetValueOrDefault(classId, "");
}
