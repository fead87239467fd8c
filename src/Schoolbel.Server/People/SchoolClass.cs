using Schoolbel.Server.Schools;

namespace Schoolbel.Server.People;

/// <summary>A class such as "3B" in one school year; it holds pupils.</summary>
public sealed class SchoolClass : ISchoolOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }
    public required string Name { get; set; }

    /// <summary>e.g. "2026-2027".</summary>
    public required string SchoolYear { get; set; }
}

public sealed class ClassMembership : ISchoolOwned
{
    public Guid SchoolId { get; set; }
    public Guid ClassId { get; set; }
    public Guid PupilId { get; set; }
}
