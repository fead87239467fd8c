namespace Schoolbel.Server.Admission;

/// <summary>Health and metrics: never queued, limited or shed by admission control.</summary>
/// <remarks>An operator must be able to see an overloaded node, and a load balancer to probe it.</remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class UnlimitedEndpointAttribute : Attribute;
