using Schoolbel.Server.Schools;

namespace Schoolbel.Server.Courses;

/// <summary>A course such as "Wiskunde 3B", taught by teachers to classes or to a chosen group of pupils.</summary>
public sealed class Course : ISchoolOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }
    public required string Name { get; set; }
    public DateTime CreatedAt { get; set; }
}

public sealed class CourseTeacher : ISchoolOwned
{
    public Guid SchoolId { get; set; }
    public Guid CourseId { get; set; }
    public Guid TeacherId { get; set; }
}

public sealed class CourseClass : ISchoolOwned
{
    public Guid SchoolId { get; set; }
    public Guid CourseId { get; set; }
    public Guid ClassId { get; set; }
}

/// <summary>A pupil who follows the course outside of (or besides) a whole class.</summary>
public sealed class CoursePupil : ISchoolOwned
{
    public Guid SchoolId { get; set; }
    public Guid CourseId { get; set; }
    public Guid PupilId { get; set; }
}
