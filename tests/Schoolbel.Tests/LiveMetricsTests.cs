using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Schoolbel.Server.Admission;
using Schoolbel.Server.Ops;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests;

/// <summary>The sampler behind the live page, on its own meters and a fake clock.</summary>
public sealed class LiveMetricsTests : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly IMeterFactory _meters;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 9, 1, 8, 30, 0, TimeSpan.Zero));
    private readonly LiveMetrics _live;
    private readonly Histogram<double> _duration;

    public LiveMetricsTests()
    {
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        _meters = _services.GetRequiredService<IMeterFactory>();
        _live = new LiveMetrics(_meters, _time, _services);
        _duration = _meters.Create(LiveMetrics.HostingMeter).CreateHistogram<double>(LiveMetrics.RequestDuration, "s");
    }

    [Fact]
    public async Task Counts_requests_errors_and_latency_per_second_without_an_admission_layer()
    {
        await _live.StartAsync(TestContext.Current.CancellationToken);
        for (var i = 0; i < 9; i++)
        {
            _duration.Record(0.010, new KeyValuePair<string, object?>("http.response.status_code", 200));
        }

        _duration.Record(0.5, new KeyValuePair<string, object?>("http.response.status_code", 503));
        // The same instrument name on a meter of another app in this process is not ours.
        using (var other = new Meter(LiveMetrics.HostingMeter))
        {
            other.CreateHistogram<double>(LiveMetrics.RequestDuration, "s").Record(9);
        }

        _live.Tick();
        var view = _live.Read();

        Assert.Equal(10, view.RequestsLastMinute);
        Assert.Equal(1, view.ErrorsLastMinute);
        Assert.Equal(10, view.RequestRate);
        Assert.InRange(view.P50!.Value, 10, 11);
        Assert.InRange(view.P99!.Value, 500, 550);
        Assert.False(view.AdmissionActive);
        Assert.Null(view.Limit);
        Assert.Empty(view.Schools);
        var point = Assert.Single(view.Points);
        Assert.Equal(_time.GetUtcNow().ToUnixTimeMilliseconds(), point.T);
        Assert.Null(point.InFlight);
    }

    [Fact]
    public async Task Reads_the_admission_layer_when_it_is_there()
    {
        var state = new FixedAdmissionState(new AdmissionSnapshot(10, 9, 4, 300, 2.5, BrownOut: true));
        using var admission = new AdmissionMetrics(_meters, state);
        await _live.StartAsync(TestContext.Current.CancellationToken);
        var a = new KeyValuePair<string, object?>("school", "a");
        admission.Admitted.Add(3, a);
        admission.Admitted.Add(1, new KeyValuePair<string, object?>("school", "b"));
        admission.Admitted.Add(1); // a platform request: no school
        admission.Shed.Add(1, a, new("reason", "queue_timeout"));
        admission.Shed.Add(4, new("school", "b"), new("reason", "fair_share"));
        admission.Shed.Add(1, new("school", "b"), new("reason", "something_new"));
        admission.QueueWait.Record(0.5, a);

        _live.Tick();
        var view = _live.Read();

        Assert.True(view.AdmissionActive);
        Assert.Equal((10L, 9L, 4L, 300L, 2.5, true), (view.Limit, view.InFlight, view.Queued, view.WaitingRoomSize, view.AdmissionRate, view.BrownOut));
        Assert.Equal(5, view.AdmittedLastMinute);
        Assert.Equal(6, view.ShedLastMinute);
        Assert.Equal(1, view.ShedByReason.Single(r => r.Reason == "queue_timeout").Count);
        Assert.Equal(4, view.ShedByReason.Single(r => r.Reason == "fair_share").Count);
        Assert.Equal(1, view.ShedByReason.Single(r => r.Reason == "other").Count);
        // Most refused first; a request that timed out in the queue was queued too.
        Assert.Equal(
            [new SchoolLoad("b", 1, 0, 5), new SchoolLoad("a", 3, 2, 1), new SchoolLoad(LiveMetrics.NoSchool, 1, 0, 0)],
            view.Schools);
    }

    [Fact]
    public async Task A_failing_admission_layer_leaves_its_values_out_and_nothing_else()
    {
        using var admission = new AdmissionMetrics(_meters, new BrokenAdmissionState());
        await _live.StartAsync(TestContext.Current.CancellationToken);
        _duration.Record(0.003);

        _live.Tick();

        var point = Assert.Single(_live.Read().Points);
        Assert.Equal(1, point.Requests);
        Assert.Null(point.Limit);
    }

    [Fact]
    public async Task Ticks_every_second_of_the_injected_clock_and_keeps_five_minutes()
    {
        await _live.StartAsync(TestContext.Current.CancellationToken);
        _duration.Record(0.002);
        // The service starts its timer on a thread of its own: move the clock until it has ticked.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_live.Read().Points.Count == 0 && DateTime.UtcNow < deadline)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        Assert.Equal(1, _live.Read().Points[0].Requests);
        await _live.StopAsync(TestContext.Current.CancellationToken);

        for (var i = 0; i < LiveMetrics.Seconds + 20; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            _live.Tick();
        }

        var view = _live.Read();
        Assert.Equal(LiveMetrics.Seconds, view.Points.Count);
        Assert.Equal(view.Points.OrderBy(p => p.T), view.Points);
        Assert.Equal(_time.GetUtcNow().ToUnixTimeMilliseconds(), view.Points[^1].T);
        Assert.Equal(0, view.RequestRate);
        Assert.Null(view.P50);
        Assert.Equal(2, _live.Read(view.Points[^3].T).Points.Count);
    }

    private sealed class BrokenAdmissionState : IAdmissionState
    {
        public AdmissionSnapshot Snapshot() => throw new InvalidOperationException("broken on purpose");
    }

    public async ValueTask DisposeAsync()
    {
        await _live.StopAsync(CancellationToken.None);
        _live.Dispose();
        await _services.DisposeAsync();
    }
}
