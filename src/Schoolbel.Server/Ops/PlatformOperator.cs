namespace Schoolbel.Server.Ops;

/// <summary>Runs the platform and manages schools; belongs to no school.</summary>
public sealed class PlatformOperator
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Username { get; set; }
    public required string DisplayName { get; set; }
    public string? PasswordHash { get; set; }
    public DateTime CreatedAt { get; set; }
}
