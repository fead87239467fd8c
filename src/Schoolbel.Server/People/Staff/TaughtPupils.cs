using Schoolbel.Server.Data;

namespace Schoolbel.Server.People.Staff;

/// <summary>The pupils a teacher teaches: in a class of one of their courses, or chosen for one.</summary>
internal static class TaughtPupils
{
    public static IQueryable<Guid> IdsOf(SchoolbelDb db, Guid teacherId)
    {
        ArgumentNullException.ThrowIfNull(db);
        var courses = db.CourseTeachers.Where(t => t.TeacherId == teacherId).Select(t => t.CourseId);
        var viaClass = db.CourseClasses.Where(cc => courses.Contains(cc.CourseId))
            .Join(db.ClassMemberships, cc => cc.ClassId, m => m.ClassId, (cc, m) => m.PupilId);
        var direct = db.CoursePupils.Where(cp => courses.Contains(cp.CourseId)).Select(cp => cp.PupilId);
        return viaClass.Union(direct);
    }
}
