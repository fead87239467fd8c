using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Schoolbel.Server.Admission;

namespace Schoolbel.Tests.Admission;

/// <summary>The limiter's decisions with a fixed limit of 10, driven directly and on a fake clock.</summary>
public sealed class PriorityAndFairnessTests
{
    private static AdaptiveConcurrencyLimiter FixedLimiter(FakeTimeProvider time, int queueLimit = 50) => new(
        Options.Create(new AdmissionOptions
        {
            InitialLimit = 10,
            MinLimit = 10,
            MaxLimit = 10,
            ReservedForCritical = 0.1,
            ReservedForNormal = 0.3,
            QueueLimit = queueLimit,
            QueueTimeout = TimeSpan.FromMilliseconds(500),
            CriticalQueueTimeout = TimeSpan.FromSeconds(2),
        }),
        time);

    private static AdmissionRequest Req(string school, RequestPriority priority) => new(school, priority);

    [Fact]
    public async Task Shedding_starts_with_sheddable_work_and_critical_work_keeps_a_reserve()
    {
        var time = new FakeTimeProvider();
        using var limiter = FixedLimiter(time);
        var held = new List<RateLimitLease>();

        // Sheddable work may use 6 of 10 slots (10 × (1 − 0.1 − 0.3)).
        for (var i = 0; i < 6; i++)
        {
            held.Add(await limiter.AcquireAsync(Req("a", RequestPriority.Sheddable)));
        }

        Assert.All(held, l => Assert.True(l.IsAcquired));
        var shed = (AdmissionLease)await limiter.AcquireAsync(Req("a", RequestPriority.Sheddable));
        Assert.False(shed.IsAcquired);
        Assert.Equal(ShedReason.Priority, shed.Reason);

        // Normal work still gets in, up to 9 of 10.
        for (var i = 0; i < 3; i++)
        {
            var lease = await limiter.AcquireAsync(Req("a", RequestPriority.Normal));
            Assert.True(lease.IsAcquired);
            held.Add(lease);
        }

        Assert.False(limiter.AttemptAcquire(Req("a", RequestPriority.Normal)).IsAcquired);

        // The last slot is critical work's.
        var critical = await limiter.AcquireAsync(Req("a", RequestPriority.Critical));
        Assert.True(critical.IsAcquired);
        held.Add(critical);
        Assert.Equal(10, limiter.InFlight);

        // Full: a normal and a critical request queue; the freed slot goes to the critical one.
        var normalWaiting = limiter.AcquireAsync(Req("a", RequestPriority.Normal)).AsTask();
        var criticalWaiting = limiter.AcquireAsync(Req("a", RequestPriority.Critical)).AsTask();
        Assert.Equal(2, limiter.Queued);
        critical.Dispose();
        Assert.True((await criticalWaiting).IsAcquired);
        Assert.False(normalWaiting.IsCompleted);

        // The normal one waits at most its time bound, then gets an honest refusal.
        time.Advance(TimeSpan.FromMilliseconds(500));
        var timedOut = (AdmissionLease)await normalWaiting;
        Assert.False(timedOut.IsAcquired);
        Assert.Equal(ShedReason.QueueTimeout, timedOut.Reason);
        Assert.Equal(0, limiter.Queued);

        // Sheddable work never queues, even with room in the queue.
        var background = (AdmissionLease)await limiter.AcquireAsync(Req("a", RequestPriority.Sheddable));
        Assert.False(background.IsAcquired);
        Assert.True(background.TryGetMetadata(AdmissionLease.ReasonMetadata, out _));
    }

    [Fact]
    public async Task A_freed_slot_goes_to_the_quiet_school_not_to_the_school_that_floods()
    {
        var time = new FakeTimeProvider();
        using var limiter = FixedLimiter(time);
        var noisy = new List<RateLimitLease>();
        for (var i = 0; i < 9; i++)
        {
            noisy.Add(await limiter.AcquireAsync(Req("noisy", RequestPriority.Normal)));
        }

        // The noisy school keeps 20 requests waiting; then one from the quiet school arrives.
        var noisyWaiting = Enumerable.Range(0, 20).Select(_ => limiter.AcquireAsync(Req("noisy", RequestPriority.Normal)).AsTask()).ToList();
        var quiet = limiter.AcquireAsync(Req("quiet", RequestPriority.Normal)).AsTask();
        Assert.Equal(21, limiter.Queued);

        noisy[0].Dispose();
        var quietLease = await quiet;
        Assert.True(quietLease.IsAcquired);
        Assert.Equal((1, 0), limiter.LoadOf("quiet"));
        Assert.All(noisyWaiting, t => Assert.False(t.IsCompleted));

        // The next slot goes back to the noisy school, newest waiter first (adaptive LIFO).
        noisy[1].Dispose();
        var served = await Task.WhenAny(noisyWaiting);
        Assert.Same(noisyWaiting[^1], served);
        Assert.True((await served).IsAcquired);
    }

    [Fact]
    public async Task A_full_queue_drops_the_oldest_waiter_of_the_busiest_school()
    {
        var time = new FakeTimeProvider();
        using var limiter = FixedLimiter(time, queueLimit: 5);
        for (var i = 0; i < 9; i++)
        {
            _ = await limiter.AcquireAsync(Req("noisy", RequestPriority.Normal));
        }

        var noisyWaiting = Enumerable.Range(0, 5).Select(_ => limiter.AcquireAsync(Req("noisy", RequestPriority.Normal)).AsTask()).ToList();
        var quiet = limiter.AcquireAsync(Req("quiet", RequestPriority.Normal)).AsTask();

        var dropped = (AdmissionLease)await noisyWaiting[0];
        Assert.False(dropped.IsAcquired);
        Assert.Equal(ShedReason.FairShare, dropped.Reason);
        Assert.False(quiet.IsCompleted);
        Assert.Equal(5, limiter.Queued);
        Assert.Equal((0, 1), limiter.LoadOf("quiet"));
    }

    [Fact]
    public void The_gradient_limit_grows_under_flat_latency_and_halves_at_most_per_window()
    {
        var limit = new GradientLimit(initial: 100, min: 10, max: 1_000, tolerance: 1.5, smoothing: 1.0);
        for (var window = 0; window < 20; window++)
        {
            limit.Update(10, maxInFlight: limit.Limit);
        }

        Assert.True(limit.Limit > 100);

        // Latency ten times the usual: the gradient is clamped at 0.5, plus the growth allowance.
        var before = limit.Limit;
        var after = limit.Update(100, maxInFlight: before);
        Assert.InRange(after, before / 2, (before / 2) + (int)Math.Sqrt(before) + 1);

        // Nobody pushes against the limit: it neither grows nor shrinks.
        Assert.Equal(after, limit.Update(1_000, maxInFlight: 1));
    }

    [Fact]
    public void Latency_under_the_floor_is_not_taken_for_queueing_and_latency_above_it_still_is()
    {
        var limit = new GradientLimit(initial: 100, min: 10, max: 1_000, tolerance: 1.5, smoothing: 1.0, floorMs: 10);
        // A flood of 304s: a third of a millisecond each, for long enough to set the long-term latency.
        for (var window = 0; window < 200; window++)
        {
            limit.Update(0.3, maxInFlight: limit.Limit);
        }

        Assert.True(limit.LongTermLatencyMs < 1);

        // Then file downloads next to uploads: ten times slower, still far under the floor. No shedding.
        var before = limit.Limit;
        Assert.True(limit.Update(3, maxInFlight: before) >= before);

        // Real queueing (60 ms) still brings the limit down at once.
        var queueing = limit.Update(60, maxInFlight: limit.Limit);
        Assert.True(queueing < before * 0.75, $"{before} -> {queueing}");

        // Without the floor the same 3 ms after the flood halves the limit: what the floor is for.
        var bare = new GradientLimit(initial: 100, min: 10, max: 1_000, tolerance: 1.5, smoothing: 1.0);
        for (var window = 0; window < 200; window++)
        {
            bare.Update(0.3, maxInFlight: bare.Limit);
        }

        var bareBefore = bare.Limit;
        Assert.True(bare.Update(3, maxInFlight: bareBefore) < bareBefore * 0.75);
    }
}
