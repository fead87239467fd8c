using System.ComponentModel.DataAnnotations;

namespace Schoolbel.Server.SignIn;

/// <summary>Configuration section <c>SignIn</c>: how sign-in behaves under the 08:30 storm.</summary>
public sealed class SignInOptions
{
    public const string Section = "SignIn";

    /// <summary>Password checks at once; about one per core, so hashing never takes every core.</summary>
    [Range(1, 256)]
    public int HashSlots { get; set; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>Sign-ins that may wait for a slot; more are told "busy" at once.</summary>
    [Range(0, 10_000)]
    public int QueueLimit { get; set; } = 64;

    /// <summary>
    /// The longest a sign-in waits for a slot before it is told "busy". Long enough that the
    /// queue keeps every slot busy between waves of retries, short enough to answer well
    /// before a browser or proxy gives up.
    /// </summary>
    public TimeSpan MaxQueueWait { get; set; } = TimeSpan.FromSeconds(4);

    /// <summary>"Stay signed in" lasts this long after the last visit.</summary>
    public TimeSpan PersistentSessionLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>A session without "stay signed in" ends with the browser, or after this long.</summary>
    public TimeSpan BrowserSessionLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>How long a node trusts its cached answer "this session is still valid".</summary>
    public TimeSpan SessionCheckCacheTime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Failed attempts one network address may make per <see cref="FailedAttemptsWindow"/>; generous, as a whole school shares one address.</summary>
    [Range(1, 1_000_000)]
    public int FailedAttemptsPerAddress { get; set; } = 1000;

    public TimeSpan FailedAttemptsWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The longest delay after repeated failures on one account (not a lockout: it runs out).</summary>
    public TimeSpan MaxFailureDelay { get; set; } = TimeSpan.FromMinutes(15);
}
