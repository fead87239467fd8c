using Schoolbel.Peak.Load;

namespace Schoolbel.Peak.Tests;

public sealed class ArrivalScheduleTests
{
    [Fact]
    public void Uniform_steady_arrivals_are_evenly_spaced()
    {
        var arrivals = ArrivalSchedule.Build(LoadProfile.Steady(), 10, TimeSpan.FromSeconds(5), ArrivalProcess.Uniform, seed: 1);

        Assert.Equal(50, arrivals.Count);
        for (var i = 0; i < arrivals.Count; i++)
        {
            Assert.Equal(0.05 + 0.1 * i, arrivals[i].TotalSeconds, tolerance: 1e-6);
        }
    }

    [Fact]
    public void First_day_ramps_from_one_to_forty_times_the_rate_and_holds()
    {
        var profile = LoadProfile.FirstDay(TimeSpan.FromSeconds(60));
        var arrivals = ArrivalSchedule.Build(profile, 2, TimeSpan.FromSeconds(120), ArrivalProcess.Uniform, seed: 1);

        Assert.Equal(1, profile.MultiplierAt(0));
        Assert.Equal(20.5, profile.MultiplierAt(30), tolerance: 1e-9);
        Assert.Equal(40, profile.MultiplierAt(90));
        // 2/s x (60 s at an average of 20.5x + 60 s at 40x) = 7,260 journeys.
        Assert.InRange(arrivals.Count, 7_259, 7_261);
        // The integral over the first second is 2 x 1.325 = 2.65: arrivals at 0.5, 1.5 and 2.5.
        Assert.Equal(3, arrivals.Count(a => a.TotalSeconds < 1));
        Assert.InRange(arrivals.Count(a => a.TotalSeconds is >= 100 and < 101), 79, 81);
    }

    [Fact]
    public void Poisson_arrivals_average_the_rate_and_repeat_with_the_seed()
    {
        var first = ArrivalSchedule.Build(LoadProfile.Steady(), 50, TimeSpan.FromSeconds(60), ArrivalProcess.Poisson, seed: 7);
        var again = ArrivalSchedule.Build(LoadProfile.Steady(), 50, TimeSpan.FromSeconds(60), ArrivalProcess.Poisson, seed: 7);

        // 3,000 expected; the standard deviation is about 55, so four of them either side.
        Assert.InRange(first.Count, 2_780, 3_220);
        Assert.Equal(first, again);
        Assert.True(first.Zip(first.Skip(1)).All(p => p.First <= p.Second), "Arrivals must be in time order.");
    }

    [Fact]
    public void Profiles_parse_presets_and_points_and_reject_nonsense()
    {
        var custom = LoadProfile.Parse("0:1,30:10,60:10", TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(60), out var error);
        Assert.Null(error);
        Assert.Equal(5.5, custom!.MultiplierAt(15), tolerance: 1e-9);
        Assert.Equal(10, custom.MultiplierAt(80));

        var spike = LoadProfile.Parse("spike", TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(20), out _)!;
        Assert.Equal(1, spike.MultiplierAt(10));
        Assert.Equal(40, spike.MultiplierAt(40));
        Assert.Equal(1, spike.MultiplierAt(100));

        Assert.Null(LoadProfile.Parse("0:1,0:2", TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60), out error));
        Assert.Contains("first-day", error, StringComparison.Ordinal);
    }
}
