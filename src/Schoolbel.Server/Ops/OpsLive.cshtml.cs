using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Ops;

/// <summary>
/// The operator's live view of the load: request rate, latency, the admission layer's limit,
/// queue and waiting room, and who is refused. Rendered with the current numbers; ops-live.js
/// then refreshes it from <c>/ops/live/data</c> and draws the last five minutes.
/// </summary>
[Authorize(Policy = SchoolbelPolicies.Operator)]
[PlatformEndpoint]
[Admission.AdmissionPriority(Admission.RequestPriority.Critical)] // the operator must see the overload while it happens
public sealed class OpsLiveModel(LiveMetrics live, Scaling.RedisGate redis, NodeIdentity node) : PageModel
{
    /// <summary>Dutch names of the shed reasons, by their metric tag.</summary>
    public static readonly IReadOnlyDictionary<string, string> ReasonNames = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["queue_timeout"] = "Te lang in de wachtrij",
        ["queue_full"] = "Wachtrij vol",
        ["priority"] = "Plaats gehouden voor dringender werk",
        ["fair_share"] = "School boven haar eerlijk deel",
        ["ip_budget"] = "Te veel verzoeken van één adres",
        ["user_budget"] = "Te veel verzoeken van één gebruiker",
        ["waiting_room"] = "Naar de wachtkamer",
        ["other"] = "Andere",
    };

    public LiveView View { get; private set; } = null!;

    /// <summary>The numbers are this node's alone; behind a load balancer the operator must know which one.</summary>
    public string Node => node.Name;

    /// <summary>Whether this node shares its limits through Redis (as of this page load).</summary>
    public Scaling.RedisStatus Redis { get; private set; } = null!;

    public async Task OnGetAsync()
    {
        View = live.Read();
        await redis.ProbeAsync();
        Redis = redis.Status();
    }

    /// <summary>A number for a card, or a dash when there is none.</summary>
    public static string Show(double? value) =>
        value is { } v ? v.ToString("0.##", System.Globalization.CultureInfo.CurrentCulture) : "–";
}
