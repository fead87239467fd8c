using Microsoft.Extensions.Time.Testing;
using Schoolbel.Server.Admission;

namespace Schoolbel.Tests.Admission;

/// <summary>This node's abuse budgets: burst, exact refill rate, separate keys, idle buckets forgotten.</summary>
public sealed class LocalTokenBucketsTests
{
    [Fact]
    public void A_key_gets_its_burst_then_exactly_the_rate_and_other_keys_are_untouched()
    {
        var clock = new FakeTimeProvider();
        var buckets = new LocalTokenBuckets<string>(perSecond: 4, size: 10, clock, StringComparer.Ordinal);

        Assert.Equal(10, Enumerable.Range(0, 25).Count(_ => buckets.TryTake("pupil-a")));
        Assert.False(buckets.TryTake("pupil-a"));
        Assert.True(buckets.TryTake("pupil-b"));

        // 4 a second: one token every 250 ms, none before.
        clock.Advance(TimeSpan.FromMilliseconds(240));
        Assert.False(buckets.TryTake("pupil-a"));
        clock.Advance(TimeSpan.FromMilliseconds(20));
        Assert.True(buckets.TryTake("pupil-a"));
        Assert.False(buckets.TryTake("pupil-a"));

        // Two seconds idle: 8 tokens (plus the 0.04 left over), never more than the bucket holds.
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(8, Enumerable.Range(0, 20).Count(_ => buckets.TryTake("pupil-a")));
        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(10, Enumerable.Range(0, 20).Count(_ => buckets.TryTake("pupil-a")));
    }

    [Fact]
    public void A_rate_under_one_a_second_is_kept_exactly()
    {
        var clock = new FakeTimeProvider();
        var buckets = new LocalTokenBuckets<string>(perSecond: 1, size: 1, clock);

        Assert.True(buckets.TryTake("x"));
        var allowed = 0;
        for (var i = 0; i < 100; i++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(100));
            allowed += buckets.TryTake("x") ? 1 : 0;
        }

        Assert.Equal(10, allowed);
    }

    [Fact]
    public void The_sweep_forgets_buckets_that_are_full_again_and_keeps_the_others()
    {
        var clock = new FakeTimeProvider();
        var buckets = new LocalTokenBuckets<string>(perSecond: 10, size: 20, clock);
        for (var i = 0; i < 20; i++)
        {
            buckets.TryTake("busy");
        }

        buckets.TryTake("idle");
        clock.Advance(TimeSpan.FromSeconds(1)); // idle: 19 + 10 ≥ 20, full again; busy: 0 + 10, not

        buckets.Sweep();

        Assert.Equal(1, buckets.Count);
        Assert.Equal(10, Enumerable.Range(0, 30).Count(_ => buckets.TryTake("busy")));
        Assert.Equal(20, Enumerable.Range(0, 30).Count(_ => buckets.TryTake("idle")));
    }
}
