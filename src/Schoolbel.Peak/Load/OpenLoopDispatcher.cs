namespace Schoolbel.Peak.Load;

/// <summary>
/// Starts one journey per scheduled arrival at its intended time and never waits for earlier
/// journeys to finish. A slow server therefore cannot slow the arrivals down (the mistake that
/// hides overload in closed-loop tools); if the dispatcher itself falls behind, the journey still
/// measures from the intended time, so the lag counts against the latency it reports.
/// </summary>
internal sealed class OpenLoopDispatcher(TimeProvider time)
{
    /// <summary>
    /// Launches <paramref name="launch"/>(index, intended offset) for each arrival, offsets
    /// measured from <paramref name="startTimestamp"/> (a <see cref="TimeProvider.GetTimestamp"/>
    /// value), and completes when every launched journey has completed.
    /// </summary>
    public async Task RunAsync(
        IReadOnlyList<TimeSpan> arrivals,
        long startTimestamp,
        Func<int, TimeSpan, Task> launch,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arrivals);
        ArgumentNullException.ThrowIfNull(launch);
        var running = new List<Task>(arrivals.Count);
        try
        {
            for (var i = 0; i < arrivals.Count; i++)
            {
                var due = arrivals[i];
                var wait = due - time.GetElapsedTime(startTimestamp);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, time, cancellationToken);
                }

                var index = i;
                // Task.Run so that whatever runs synchronously at the start of a journey (a
                // connect, a TLS handshake) cannot hold up the next arrival.
                running.Add(Task.Run(() => launch(index, due), CancellationToken.None));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped early (Ctrl+C): the journeys already under way still finish and count.
        }

        await Task.WhenAll(running);
    }
}
