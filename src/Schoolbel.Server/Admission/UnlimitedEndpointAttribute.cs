namespace Schoolbel.Server.Admission;

/// <summary>Health and metrics: never queued, limited or shed by admission control.</summary>
/// <remarks>
/// These answer the load balancer and the metrics scraper, which must keep seeing the node
/// exactly when it is overloaded. They are cheap and do no work on behalf of a school.
/// </remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class UnlimitedEndpointAttribute : Attribute;
