using System.Net;
using Microsoft.Extensions.Options;
using Schoolbel.Server.Scaling;
using StackExchange.Redis;

namespace Schoolbel.Server.Admission;

/// <summary>Which budget a request overdrew, if any.</summary>
public enum BudgetVerdict
{
    Within,
    Address,
    User,
}

/// <summary>
/// Token buckets against floods, one per IP address and one per signed-in user. They answer "too
/// many from you", not "the server is full": a pupil hammering refresh, or a script, is stopped
/// without touching anyone else's share. The IP budget is generous because a whole school can sit
/// behind one NAT address.
/// <para>
/// With Redis (<see cref="RedisOptions.Configuration"/>) the buckets are global: one small Lua script
/// takes from both in one round trip, so a flood spread over the nodes by the load balancer meets
/// one budget, not one per node. Without Redis, or while it does not answer (see <see cref="RedisGate"/>),
/// each node uses its own in-process buckets (<see cref="LocalTokenBuckets{TKey}"/>, which also forget
/// idle buckets) with the full budget: a flooder then gets up to N times the budget on N nodes, which the
/// concurrency limit of each node still contains, while dividing the budget by N would refuse real
/// users whose requests all reach one node (keep-alive connections, uneven balancing).
/// </para>
/// </summary>
public sealed class AbuseBudgets
{
    // KEYS: the buckets, in order (address, then user). ARGV[1]: now in ms; then per key its refill
    // rate (tokens per second) and its size. Takes one token from each bucket in turn and stops at
    // the first that is empty: returns its 1-based index, or 0 when every bucket had a token.
    // Refill is computed from the time since the bucket was last touched, so idle buckets cost
    // nothing and expire by themselves once they would be full again. A node's clock running
    // behind (now < ts) refills nothing rather than taking tokens back.
    private const string TakeScript = """
        local now = tonumber(ARGV[1])
        for i, key in ipairs(KEYS) do
          local rate = tonumber(ARGV[i * 2])
          local size = tonumber(ARGV[i * 2 + 1])
          local state = redis.call('HMGET', key, 't', 'ts')
          local tokens = tonumber(state[1])
          local ts = tonumber(state[2])
          if tokens == nil or ts == nil then
            tokens = size
            ts = now
          end
          if now > ts then
            tokens = math.min(size, tokens + (now - ts) * rate / 1000)
            ts = now
          end
          local empty = tokens < 1
          if not empty then
            tokens = tokens - 1
          end
          redis.call('HSET', key, 't', tostring(tokens), 'ts', tostring(ts))
          redis.call('PEXPIRE', key, math.ceil(size * 1000 / rate) + 1000)
          if empty then
            return i
          end
        end
        return 0
        """;

    private readonly LocalTokenBuckets<IPAddress> _perAddress;
    private readonly LocalTokenBuckets<string> _perUser;
    private readonly AdmissionOptions _options;
    private readonly RedisGate? _redis;
    private readonly TimeProvider _time;

    public AbuseBudgets(IOptions<AdmissionOptions> options, TimeProvider? time = null, RedisGate? redis = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        _options = o;
        _time = time ?? TimeProvider.System;
        _redis = redis is { IsConfigured: true } ? redis : null;
        _perAddress = new LocalTokenBuckets<IPAddress>(o.IpRequestsPerSecond, o.IpBurst, _time);
        _perUser = new LocalTokenBuckets<string>(o.UserRequestsPerSecond, o.UserBurst, _time, StringComparer.Ordinal);
    }

    /// <summary>
    /// Takes one token from the address's bucket and, for a signed-in user, one from the user's;
    /// says which was empty. Global with Redis, else (or when Redis fails) this node's.
    /// </summary>
    public async ValueTask<BudgetVerdict> TryTakeAsync(IPAddress? address, string? user)
    {
        // In-process callers (tests, health probes through a test host) have no address.
        if (address is null && user is null)
        {
            return BudgetVerdict.Within;
        }

        if (_redis is not null && await TakeSharedAsync(_redis, address, user) is { } shared)
        {
            return shared;
        }

        if (!TryAddress(address))
        {
            return BudgetVerdict.Address;
        }

        return user is not null && !TryUser(user) ? BudgetVerdict.User : BudgetVerdict.Within;
    }

    /// <summary>Takes one token from this node's bucket of the address; false when it is empty.</summary>
    public bool TryAddress(IPAddress? address)
    {
        if (address is null)
        {
            return true;
        }

        return _perAddress.TryTake(address);
    }

    /// <summary>Takes one token from this node's bucket of the user; false when it is empty.</summary>
    public bool TryUser(string user)
    {
        return _perUser.TryTake(user);
    }

    private async ValueTask<BudgetVerdict?> TakeSharedAsync(RedisGate redis, IPAddress? address, string? user)
    {
        var keys = new List<RedisKey>(2);
        var args = new List<RedisValue>(5) { _time.GetUtcNow().ToUnixTimeMilliseconds() };
        var kinds = new List<BudgetVerdict>(2);
        if (address is not null)
        {
            keys.Add(redis.Name("budget:ip:" + address.ToString()));
            args.Add(_options.IpRequestsPerSecond);
            args.Add(_options.IpBurst);
            kinds.Add(BudgetVerdict.Address);
        }

        if (user is not null)
        {
            keys.Add(redis.Name("budget:user:" + user));
            args.Add(_options.UserRequestsPerSecond);
            args.Add(_options.UserBurst);
            kinds.Add(BudgetVerdict.User);
        }

        var keyArray = keys.ToArray();
        var argArray = args.ToArray();
        var empty = await redis.TryAsync("budget", async db => (long)await db.ScriptEvaluateAsync(TakeScript, keyArray, argArray));
        return empty switch
        {
            null => null,
            0 => BudgetVerdict.Within,
            var index and > 0 when index <= kinds.Count => kinds[(int)index - 1],

            // Cannot happen with this script; if it does, this node decides rather than fail the request.
            _ => null,
        };
    }
}
