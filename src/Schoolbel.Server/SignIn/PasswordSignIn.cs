using System.Net;
using System.Threading.RateLimiting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Schoolbel.Server.Data;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;

namespace Schoolbel.Server.SignIn;

/// <summary>
/// Checks a username and password within the current school, with the protections of the
/// 08:30 storm: hashing on the bounded <see cref="PasswordCheckPool"/>, a growing delay per
/// account after failures (not a lockout, so pupils cannot lock each other out), and a generous
/// failure budget per network address.
/// </summary>
public sealed partial class PasswordSignIn(
    SchoolbelDb db,
    PasswordHasher hasher,
    PasswordCheckPool pool,
    FailedSignInBudget budget,
    SchoolScope scope,
    TimeProvider time,
    IOptions<SignInOptions> options,
    ILogger<PasswordSignIn> logger)
{
    public async Task<SignInAttempt> CheckAsync(string? username, string? password, IPAddress? address, CancellationToken cancellationToken)
    {
        var name = NormalizeUsername(username);
        if (name.Length == 0 || string.IsNullOrEmpty(password))
        {
            return SignInAttempt.Failed;
        }

        if (!await budget.HasRoomAsync(address))
        {
            LogAddressThrottled(logger, address, db.CurrentSchoolId);
            return SignInAttempt.Throttled(options.Value.FailedAttemptsWindow);
        }

        var person = await db.People.FirstOrDefaultAsync(p => p.Username == name, cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        if (person?.SignInDelayedUntil is { } until && until > now)
        {
            LogAccountThrottled(logger, name, db.CurrentSchoolId, (until - now).TotalSeconds);
            return SignInAttempt.Throttled(until - now);
        }

        // Always hash, even for an unknown username, so timing does not reveal which names exist.
        var answer = await pool.RunAsync(scope.School?.Code ?? "-", () => hasher.Verify(password, person?.PasswordHash), cancellationToken);
        if (!answer.Ran)
        {
            return SignInAttempt.Busy(answer.Position, answer.RetryAfter);
        }

        if (person is null || answer.Result == PasswordCheck.Failed)
        {
            await budget.RecordFailureAsync(address);
            if (person is not null)
            {
                person.FailedSignIns++;
                person.SignInDelayedUntil = now + DelayAfter(person.FailedSignIns, options.Value.MaxFailureDelay);
                await db.SaveChangesAsync(cancellationToken);
            }

            LogFailed(logger, name, db.CurrentSchoolId, person?.FailedSignIns ?? 0);
            return SignInAttempt.Failed;
        }

        if (person.FailedSignIns != 0 || person.SignInDelayedUntil is not null)
        {
            person.FailedSignIns = 0;
            person.SignInDelayedUntil = null;
        }

        if (answer.Result == PasswordCheck.SucceededNeedsUpgrade)
        {
            // An older, cheaper hash: store one at today's cost while we know the password.
            var upgraded = await pool.RunAsync(scope.School?.Code ?? "-", () => hasher.Hash(password), cancellationToken);
            if (upgraded.Ran)
            {
                person.PasswordHash = upgraded.Result;
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        return SignInAttempt.Succeeded(person);
    }

    /// <summary>1 s after the first failure, doubling each time, up to the maximum.</summary>
    public static TimeSpan DelayAfter(int failures, TimeSpan max) =>
        failures <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Min(Math.Pow(2, Math.Min(failures - 1, 30)), max.TotalSeconds));

    public static string NormalizeUsername(string? username) => (username ?? "").Trim().ToLowerInvariant();

    [LoggerMessage(Level = LogLevel.Information, Message = "Failed sign-in for {Username} in school {SchoolId} (failure {Failures})")]
    private static partial void LogFailed(ILogger logger, string username, Guid? schoolId, int failures);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sign-in for {Username} in school {SchoolId} throttled for {Seconds:0} s after failures")]
    private static partial void LogAccountThrottled(ILogger logger, string username, Guid? schoolId, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sign-in from {Address} in school {SchoolId} throttled: too many failures from this address")]
    private static partial void LogAddressThrottled(ILogger logger, IPAddress? address, Guid? schoolId);
}

public enum SignInResult
{
    Succeeded,
    Failed,

    /// <summary>Too many failures on this account or from this address; try again after the delay.</summary>
    Throttled,

    /// <summary>The password checks are busy; the caller's place in line and when to retry are given.</summary>
    Busy,
}

public sealed record SignInAttempt(SignInResult Result, Person? Person, int Position, TimeSpan RetryAfter)
{
    public static readonly SignInAttempt Failed = new(SignInResult.Failed, null, 0, TimeSpan.Zero);

    public static SignInAttempt Succeeded(Person person) => new(SignInResult.Succeeded, person, 0, TimeSpan.Zero);

    public static SignInAttempt Throttled(TimeSpan retryAfter) => new(SignInResult.Throttled, null, 0, retryAfter);

    public static SignInAttempt Busy(int position, TimeSpan retryAfter) => new(SignInResult.Busy, null, position, retryAfter);
}

/// <summary>
/// Failed attempts per network address. Generous on purpose: a whole school signs in from
/// one public address, so this only stops floods, never a class that mistypes. With Redis the
/// count is shared by all nodes (a fixed window per address: the window starts at the first
/// failure), so spreading a flood over the nodes gains nothing; without Redis, or while it does
/// not answer, each node counts its own (a token bucket with the same budget).
/// </summary>
public sealed class FailedSignInBudget : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;
    private readonly SignInOptions _settings;
    private readonly Scaling.RedisGate? _redis;

    public FailedSignInBudget(IOptions<SignInOptions> options, Scaling.RedisGate? redis = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Value;
        _settings = settings;
        _redis = redis is { IsConfigured: true } ? redis : null;
        _limiter = PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetTokenBucketLimiter(address, _ =>
            new TokenBucketRateLimiterOptions
            {
                TokenLimit = settings.FailedAttemptsPerAddress,
                TokensPerPeriod = settings.FailedAttemptsPerAddress,
                ReplenishmentPeriod = settings.FailedAttemptsWindow,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
    }

    public async ValueTask<bool> HasRoomAsync(IPAddress? address)
    {
        if (_redis is not null)
        {
            var key = RedisKeyOf(_redis, address);
            var failures = await _redis.TryAsync("signin-failures", async db => (long?)await db.StringGetAsync(key) ?? 0L);
            if (failures is { } shared)
            {
                return shared < _settings.FailedAttemptsPerAddress;
            }
        }

        return (_limiter.GetStatistics(Key(address))?.CurrentAvailablePermits ?? 1) > 0;
    }

    public async ValueTask RecordFailureAsync(IPAddress? address)
    {
        if (_redis is not null)
        {
            var key = RedisKeyOf(_redis, address);
            var window = (long)_settings.FailedAttemptsWindow.TotalMilliseconds;
            var counted = await _redis.TryAsync("signin-failures", async db =>
            {
                // One round trip: count, and start the window with the first failure.
                var transaction = db.CreateTransaction();
                var count = transaction.StringIncrementAsync(key);
                _ = transaction.KeyExpireAsync(key, TimeSpan.FromMilliseconds(window), StackExchange.Redis.ExpireWhen.HasNoExpiry);
                await transaction.ExecuteAsync();
                return await count;
            });
            if (counted is not null)
            {
                return;
            }
        }

        using var lease = _limiter.AttemptAcquire(Key(address));
    }

    public void Dispose() => _limiter.Dispose();

    private static string Key(IPAddress? address) => address?.ToString() ?? "unknown";

    private static string RedisKeyOf(Scaling.RedisGate redis, IPAddress? address) => redis.Name("signin-failures:" + Key(address));
}
