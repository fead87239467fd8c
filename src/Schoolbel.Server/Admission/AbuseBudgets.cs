using System.Net;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Schoolbel.Server.Admission;

/// <summary>
/// Token buckets against floods, one per IP address and one per signed-in user (System.Threading.RateLimiting,
/// which also forgets idle buckets). They answer "too many from you", not "the server is full": a pupil
/// hammering refresh, or a script, is stopped without touching anyone else's share. The IP budget is
/// generous because a whole school can sit behind one NAT address.
/// </summary>
public sealed class AbuseBudgets : IDisposable
{
    // Replenishing ten times a second keeps a bucket smooth without a timer per partition.
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(100);

    private readonly PartitionedRateLimiter<IPAddress> _perAddress;
    private readonly PartitionedRateLimiter<string> _perUser;

    public AbuseBudgets(IOptions<AdmissionOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        _perAddress = PartitionedRateLimiter.Create<IPAddress, IPAddress>(address =>
            RateLimitPartition.GetTokenBucketLimiter(address, _ => Bucket(o.IpRequestsPerSecond, o.IpBurst)));
        _perUser = PartitionedRateLimiter.Create<string, string>(user =>
            RateLimitPartition.GetTokenBucketLimiter(user, _ => Bucket(o.UserRequestsPerSecond, o.UserBurst)), StringComparer.Ordinal);
    }

    /// <summary>Takes one token from the address's bucket; false when it is empty.</summary>
    public bool TryAddress(IPAddress? address)
    {
        if (address is null)
        {
            // In-process callers (tests, health probes through a test host) have no address.
            return true;
        }

        using var lease = _perAddress.AttemptAcquire(address);
        return lease.IsAcquired;
    }

    /// <summary>Takes one token from the user's bucket; false when it is empty.</summary>
    public bool TryUser(string user)
    {
        using var lease = _perUser.AttemptAcquire(user);
        return lease.IsAcquired;
    }

    public void Dispose()
    {
        _perAddress.Dispose();
        _perUser.Dispose();
    }

    private static TokenBucketRateLimiterOptions Bucket(int perSecond, int burst) => new()
    {
        TokenLimit = burst,
        TokensPerPeriod = Math.Max(1, (int)Math.Ceiling(perSecond * Period.TotalSeconds)),
        ReplenishmentPeriod = Period,
        AutoReplenishment = true,
        QueueLimit = 0,
    };
}
