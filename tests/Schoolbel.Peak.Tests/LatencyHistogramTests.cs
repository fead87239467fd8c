using Schoolbel.Peak.Results;

namespace Schoolbel.Peak.Tests;

public sealed class LatencyHistogramTests
{
    [Fact]
    public void Percentiles_of_a_uniform_spread_are_within_a_tenth_of_a_percent()
    {
        var histogram = new LatencyHistogram();
        for (var ms = 1; ms <= 10_000; ms++)
        {
            histogram.Record(TimeSpan.FromMilliseconds(ms));
        }

        var summary = histogram.Summarize();

        Assert.Equal(10_000, summary.Count);
        Assert.Equal(5_000, summary.P50Ms, tolerance: 5);
        Assert.Equal(9_000, summary.P90Ms, tolerance: 9);
        Assert.Equal(9_900, summary.P99Ms, tolerance: 10);
        Assert.Equal(9_990, summary.P999Ms, tolerance: 10);
        Assert.Equal(10_000, summary.MaxMs, tolerance: 10);
        Assert.Equal(5_000.5, summary.MeanMs, tolerance: 5);
    }

    [Fact]
    public void Two_percent_of_two_second_stalls_set_the_p99_but_not_the_p90()
    {
        var histogram = new LatencyHistogram();
        for (var i = 0; i < 980; i++)
        {
            histogram.Record(TimeSpan.FromMilliseconds(10));
        }

        for (var i = 0; i < 20; i++)
        {
            histogram.Record(TimeSpan.FromSeconds(2));
        }

        var summary = histogram.Summarize();

        Assert.Equal(10, summary.P50Ms, tolerance: 0.01);
        Assert.Equal(10, summary.P90Ms, tolerance: 0.01);
        Assert.Equal(2_000, summary.P99Ms, tolerance: 2);
        Assert.Equal(2_000, summary.MaxMs, tolerance: 2);
    }

    [Fact]
    public void Empty_histograms_report_zero_and_out_of_range_values_are_clamped()
    {
        Assert.Equal(LatencySummary.Empty, new LatencyHistogram().Summarize());

        var histogram = new LatencyHistogram();
        histogram.Record(TimeSpan.Zero);
        histogram.Record(TimeSpan.FromHours(5));

        var summary = histogram.Summarize();
        Assert.Equal(2, summary.Count);
        Assert.Equal(0.001, summary.P50Ms, tolerance: 0.0001);
        Assert.Equal(TimeSpan.FromHours(1).TotalMilliseconds, summary.MaxMs, tolerance: TimeSpan.FromHours(1).TotalMilliseconds / 1000);
    }
}
