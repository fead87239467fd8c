using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Schoolbel.Server.HotReads;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Ops;

/// <summary>
/// The operator's view of the coming morning: per school the first lesson, the lessons due
/// for publication and the pupils they reach (the load to expect), and whether this node has
/// warmed the school's cache; below, how the cache of this node is doing.
/// </summary>
[Authorize(Policy = SchoolbelPolicies.Operator)]
[PlatformEndpoint]
public sealed class OpsMorningModel(MorningForecast forecast, HotCache cache, TimeProvider time, IOptions<HotReadsOptions> options) : PageModel
{
    public DateOnly Day { get; private set; }
    public DateTime Now { get; private set; }
    public IReadOnlyList<SchoolMorning> Schools { get; private set; } = [];
    public IReadOnlyDictionary<string, HotCacheCounts> Cache { get; private set; } = new Dictionary<string, HotCacheCounts>();
    public TimeSpan Lead => options.Value.WarmUpLead;
    public bool WarmUpOn => options.Value.WarmUp;

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        Now = now.UtcDateTime;
        Day = MorningForecast.ComingMorning(now);
        Schools = await forecast.ForAsync(Day, cancellationToken);
        Cache = cache.Counts();
    }
}
