using System.ComponentModel.DataAnnotations;

namespace Schoolbel.Server.Admission;

/// <summary>
/// Configuration section <c>Admission</c>: the guard in front of all work. Defaults suit one
/// node; the adaptive limit finds the real capacity by itself, so only the bounds matter.
/// </summary>
public sealed class AdmissionOptions
{
    public const string Section = "Admission";

    /// <summary>Off only for diagnosis: then every request goes straight through.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Concurrency limit at start, before the first measurements; found by itself afterwards.</summary>
    [Range(1, 100_000)]
    public int InitialLimit { get; set; } = 40;

    /// <summary>The limit never drops below this, so a burst of slow answers cannot shut the door.</summary>
    [Range(1, 100_000)]
    public int MinLimit { get; set; } = 8;

    [Range(1, 100_000)]
    public int MaxLimit { get; set; } = 1_000;

    /// <summary>
    /// How much longer than the long-term latency the recent latency may be before the limit
    /// comes down (the gradient's tolerance). 1.5 lets normal jitter pass without shedding.
    /// </summary>
    [Range(1.0, 10.0)]
    public double LatencyTolerance { get; set; } = 1.5;

    /// <summary>
    /// Latency that is never taken for queueing: recent and long-term latencies under it count as
    /// this much. Without it, a change of mix from sub-millisecond answers (304s, cached pages) to
    /// file downloads reads as "ten times slower" and sheds requests nobody was waiting for.
    /// </summary>
    public TimeSpan LatencyFloor { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>How far one window's estimate moves the limit (0–1); small values damp oscillation.</summary>
    [Range(0.01, 1.0)]
    public double Smoothing { get; set; } = 0.2;

    /// <summary>The limit is re-estimated at most this often, from the latencies seen meanwhile.</summary>
    public TimeSpan SampleWindow { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// The longest a pages or downloads request waits in the queue; past it an honest answer beats
    /// a slow one. Short on purpose: the queue absorbs bursts, it does not hide overload.
    /// </summary>
    public TimeSpan QueueTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Critical work (a signed-in user saving) may wait longer: losing it costs more.</summary>
    public TimeSpan CriticalQueueTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>At most this many requests wait at once; beyond it the oldest waiter is answered.</summary>
    [Range(0, 100_000)]
    public int QueueLimit { get; set; } = 200;

    /// <summary>Share of the limit only critical work may use.</summary>
    [Range(0.0, 0.9)]
    public double ReservedForCritical { get; set; } = 0.1;

    /// <summary>Share of the limit sheddable work may not use, on top of the critical reserve.</summary>
    [Range(0.0, 0.9)]
    public double ReservedForNormal { get; set; } = 0.3;

    /// <summary>Requests per second one IP address may keep up; a whole school may sit behind one NAT.</summary>
    [Range(1, 1_000_000)]
    public int IpRequestsPerSecond { get; set; } = 500;

    /// <summary>Burst one IP address may send at once (the 08:30 bell for a school behind one address).</summary>
    [Range(1, 10_000_000)]
    public int IpBurst { get; set; } = 5_000;

    /// <summary>Requests per second one signed-in user may keep up: far above what a person clicks.</summary>
    [Range(1, 100_000)]
    public int UserRequestsPerSecond { get; set; } = 20;

    [Range(1, 1_000_000)]
    public int UserBurst { get; set; } = 100;

    /// <summary>How long a visitor let in from the waiting room is not queued again.</summary>
    public TimeSpan AdmissionLifetime { get; set; } = TimeSpan.FromMinutes(20);

    /// <summary>How long a place in line stays valid when its holder goes away.</summary>
    public TimeSpan TicketLifetime { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How often the waiting room decides how many visitors to let in.</summary>
    public TimeSpan WaitingRoomTick { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// The waiting room lets visitors in only while the limiter is below this share of its limit,
    /// so those already inside keep their headroom.
    /// </summary>
    [Range(0.1, 1.0)]
    public double WaitingRoomHeadroom { get; set; } = 0.7;

    /// <summary>Shedding for this long in a row turns on brown-out: non-essential work is postponed.</summary>
    public TimeSpan BrownOutAfter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Calm for this long turns brown-out off again.</summary>
    public TimeSpan BrownOutCalmAfter { get; set; } = TimeSpan.FromSeconds(30);
}
