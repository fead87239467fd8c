using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Courses;
using Schoolbel.Server.Data;
using Schoolbel.Server.People;

namespace Schoolbel.Server.Today;

/// <summary>
/// What the today page shows for each role. Everything is scoped to the school by the data
/// layer; what pupils, parents and teachers see comes from the hot-read cache (see <see cref="CourseAccess"/>).
/// </summary>
public sealed class TodayQueries(SchoolbelDb db, CourseAccess access)
{
    public async Task<TodayView> ForAsync(Guid personId, PersonRole role, CancellationToken cancellationToken)
    {
        switch (role)
        {
            case PersonRole.Pupil:
                var pupil = await access.PupilAsync(personId, cancellationToken);
                return new TodayView(role, pupil.ClassNames, pupil.Courses, [], null);
            case PersonRole.Parent:
                var views = new List<ChildView>();
                foreach (var child in await access.ChildrenAsync(personId, cancellationToken))
                {
                    var membership = await access.PupilAsync(child.Id, cancellationToken);
                    views.Add(new ChildView(child.Id, child.Name, membership.ClassNames, membership.Courses));
                }

                return new TodayView(role, [], [], views, null);
            case PersonRole.SchoolAdmin:
                // The admin's counts are not on the pupils' hot path: straight from the database.
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
}

public sealed record TodayView(PersonRole Role, IReadOnlyList<string> Classes, IReadOnlyList<CourseLink> Courses, IReadOnlyList<ChildView> Children, SchoolCounts? Counts);

public sealed record ChildView(Guid Id, string Name, IReadOnlyList<string> Classes, IReadOnlyList<CourseLink> Courses);

public sealed record SchoolCounts(int Pupils, int Teachers, int Parents, int Classes, int Courses);
