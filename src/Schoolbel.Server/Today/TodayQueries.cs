using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Courses;
using Schoolbel.Server.Data;
using Schoolbel.Server.People;

namespace Schoolbel.Server.Today;

/// <summary>What the today page shows for each role. Everything is scoped to the school by the data layer.</summary>
public sealed class TodayQueries(SchoolbelDb db, CourseAccess access)
{
    public async Task<TodayView> ForAsync(Guid personId, PersonRole role, CancellationToken cancellationToken)
    {
        switch (role)
        {
            case PersonRole.Pupil:
                return new TodayView(role, await ClassesOfAsync(personId, cancellationToken), await access.CoursesOfPupilAsync(personId, cancellationToken), [], null);
            case PersonRole.Parent:
                var children = await db.ParentLinks.AsNoTracking().Where(l => l.ParentId == personId)
                    .Join(db.People, l => l.PupilId, p => p.Id, (l, p) => new { p.Id, Name = p.FirstName + " " + p.LastName })
                    .OrderBy(c => c.Name)
                    .ToListAsync(cancellationToken);
                var views = new List<ChildView>();
                foreach (var child in children)
                {
                    views.Add(new ChildView(child.Id, child.Name, await ClassesOfAsync(child.Id, cancellationToken), await access.CoursesOfPupilAsync(child.Id, cancellationToken)));
                }

                return new TodayView(role, [], [], views, null);
            case PersonRole.SchoolAdmin:
                var counts = new SchoolCounts(
                    await db.People.CountAsync(p => p.Role == PersonRole.Pupil, cancellationToken),
                    await db.People.CountAsync(p => p.Role == PersonRole.Teacher, cancellationToken),
                    await db.People.CountAsync(p => p.Role == PersonRole.Parent, cancellationToken),
                    await db.Classes.CountAsync(cancellationToken),
                    await db.Courses.CountAsync(cancellationToken));
                return new TodayView(role, [], await access.CoursesOfTeacherAsync(personId, cancellationToken), [], counts);
            default:
                return new TodayView(role, [], await access.CoursesOfTeacherAsync(personId, cancellationToken), [], null);
        }
    }

    private async Task<IReadOnlyList<string>> ClassesOfAsync(Guid pupilId, CancellationToken cancellationToken) =>
        await db.ClassMemberships.AsNoTracking().Where(m => m.PupilId == pupilId)
            .Join(db.Classes, m => m.ClassId, c => c.Id, (m, c) => c.Name)
            .OrderBy(n => n)
            .ToListAsync(cancellationToken);
}

public sealed record TodayView(PersonRole Role, IReadOnlyList<string> Classes, IReadOnlyList<CourseLink> Courses, IReadOnlyList<ChildView> Children, SchoolCounts? Counts);

public sealed record ChildView(Guid Id, string Name, IReadOnlyList<string> Classes, IReadOnlyList<CourseLink> Courses);

public sealed record SchoolCounts(int Pupils, int Teachers, int Parents, int Classes, int Courses);
