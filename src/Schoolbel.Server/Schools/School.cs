namespace Schoolbel.Server.Schools;

/// <summary>A school is the tenant: every school-owned row carries its id.</summary>
public sealed class School
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    /// <summary>Short lowercase code used in URLs and at sign-in, e.g. <c>sint-jan</c>.</summary>
    public required string Code { get; set; }

    public required string Name { get; set; }

    /// <summary>Culture name of the school's default UI language ("nl" or "en").</summary>
    public string DefaultLanguage { get; set; } = "nl";

    public DateTime CreatedAt { get; set; }
}

/// <summary>Marks an entity that belongs to exactly one school; the data layer filters on it.</summary>
public interface ISchoolOwned
{
    Guid SchoolId { get; }
}
