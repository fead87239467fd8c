using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using Schoolbel.Peak.Load;

namespace Schoolbel.Peak.Tests;

public sealed class OpenLoopDispatcherTests
{
    [Fact]
    public async Task Arrivals_start_on_schedule_even_when_no_journey_ever_finishes()
    {
        var time = new FakeTimeProvider();
        var arrivals = Enumerable.Range(0, 10).Select(i => TimeSpan.FromMilliseconds(100 * i)).ToList();
        var launched = new ConcurrentQueue<(TimeSpan At, TimeSpan Intended)>();
        var stuckServer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var start = time.GetTimestamp();

        var run = new OpenLoopDispatcher(time).RunAsync(arrivals, start, (_, intended) =>
        {
            launched.Enqueue((time.GetElapsedTime(start), intended));
            return stuckServer.Task;
        }, TestContext.Current.CancellationToken);

        for (var i = 1; i <= arrivals.Count; i++)
        {
            await WaitUntilAsync(() => launched.Count == i);
            time.Advance(TimeSpan.FromMilliseconds(100));
        }

        Assert.Equal(arrivals, launched.Select(l => l.At));
        Assert.Equal(arrivals, launched.Select(l => l.Intended));
        Assert.False(run.IsCompleted, "The dispatcher finishes only when the journeys it started have finished.");
        stuckServer.SetResult();
        await run;
    }

    [Fact]
    public async Task A_late_dispatcher_starts_overdue_arrivals_at_once_with_their_intended_times()
    {
        var time = new FakeTimeProvider();
        var arrivals = Enumerable.Range(0, 5).Select(i => TimeSpan.FromMilliseconds(10 * i)).ToList();
        var intended = new ConcurrentQueue<TimeSpan>();
        var start = time.GetTimestamp();
        // The dispatcher got the CPU only a second after the window began.
        time.Advance(TimeSpan.FromSeconds(1));

        await new OpenLoopDispatcher(time).RunAsync(arrivals, start, (_, due) =>
        {
            intended.Enqueue(due);
            return Task.CompletedTask;
        }, TestContext.Current.CancellationToken);

        // Journeys measure from these, so the second of lateness is charged to their latency.
        Assert.Equal(arrivals, intended.OrderBy(t => t));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var started = Stopwatch.GetTimestamp();
        while (!condition())
        {
            Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(5), "Timed out waiting for a launch.");
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }
    }
}
