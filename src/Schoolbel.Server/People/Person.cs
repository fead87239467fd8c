using Schoolbel.Server.Schools;

namespace Schoolbel.Server.People;

public enum PersonRole
{
    Pupil = 1,
    Teacher = 2,
    Parent = 3,
    SchoolAdmin = 4,
}

/// <summary>Anyone who signs in to a school: pupils, teachers, parents and school admins.</summary>
public sealed class Person : ISchoolOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }

    /// <summary>Lowercase, unique within the school.</summary>
    public required string Username { get; set; }
    public required string FirstName { get; set; }
    public required string LastName { get; set; }
    public string? Email { get; set; }
    public PersonRole Role { get; set; }

    /// <summary>Encoded hash with its algorithm and parameters; null until a password is set.</summary>
    public string? PasswordHash { get; set; }

    public DateTime CreatedAt { get; set; }

    public string DisplayName => FirstName + " " + LastName;
}

/// <summary>A parent (or guardian) linked to one of their children.</summary>
public sealed class ParentLink : ISchoolOwned
{
    public Guid SchoolId { get; set; }
    public Guid ParentId { get; set; }
    public Guid PupilId { get; set; }
}
