namespace Schoolbel.Server.Admission;

/// <summary>Sets an endpoint's priority when the default (saves by signed-in users critical, the rest normal) is wrong.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class AdmissionPriorityAttribute(RequestPriority priority) : Attribute
{
    public RequestPriority Priority { get; } = priority;
}

/// <summary>
/// An endpoint that waits on its own bounded pool by design (a password check): it is admitted
/// like any other request, but its time is no sign of the server's load, so the adaptive limit
/// does not learn from it.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class NotALoadSignalAttribute : Attribute;
