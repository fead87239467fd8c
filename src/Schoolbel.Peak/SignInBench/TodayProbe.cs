using Schoolbel.Peak.Journeys;
using Schoolbel.Peak.Load;
using Schoolbel.Peak.Population;
using Schoolbel.Peak.Results;

namespace Schoolbel.Peak.SignInBench;

/// <summary>
/// The today page of pupils who are already signed in: each keeps its own browser (cookie jar,
/// keep-alive connection) for the whole benchmark, and requests arrive on a fixed schedule (open
/// model), request i going to browser i mod N. Latency counts from the intended start, waiting
/// pages (Retry-After) included, so a stalled server cannot hide behind a slow client.
/// </summary>
internal sealed class TodayProbe(IReadOnlyList<(Identity Identity, VirtualBrowser Browser)> pupils, Uri target, TimeProvider time, TimeSpan timeout)
{
    public async Task<TodayCounts> RunAsync(double rate, TimeSpan duration, int seed, CancellationToken cancellationToken)
    {
        if (pupils.Count == 0)
        {
            throw new InvalidOperationException("The today probe needs signed-in pupils.");
        }

        var offsets = ArrivalSchedule.Build(LoadProfile.Steady(), rate, duration, ArrivalProcess.Poisson, seed);
        var start = time.GetTimestamp();
        var steps = new StepRunner(time, start, timeout, maxWait: TimeSpan.FromMinutes(2));
        var latency = new LatencyHistogram();
        var errors = new Dictionary<string, long>(StringComparer.Ordinal);
        var gate = new Lock();
        var seconds = new TodaySecond[(int)Math.Ceiling(duration.TotalSeconds) + 1];
        long ok = 0, waitingPages = 0;
        await new OpenLoopDispatcher(time).RunAsync(offsets, start, async (i, due) =>
        {
            var (identity, browser) = pupils[i % pupils.Count];
            var uri = new Uri(target, identity.School + "/");
            var response = await steps.SendAsync(browser, () => new HttpRequestMessage(HttpMethod.Get, uri), Expect.Page, due, cancellationToken);
            var outcome = response.Outcome;
            lock (gate)
            {
                var second = Math.Min((int)due.TotalSeconds, seconds.Length - 1);
                var ms = Math.Round(outcome.Latency.TotalMilliseconds, 1);
                seconds[second] = seconds[second] is { } s ? s with { Requests = s.Requests + 1, MaxMs = Math.Max(s.MaxMs, ms) } : new TodaySecond(second, 1, ms);
                waitingPages += outcome.WaitingPages;
                if (outcome.Ok)
                {
                    ok++;
                    latency.Record(outcome.Latency);
                }
                else
                {
                    errors[outcome.Error!] = errors.GetValueOrDefault(outcome.Error!) + 1;
                }
            }
        }, cancellationToken);
        return new TodayCounts(offsets.Count, ok, waitingPages, errors, latency.Summarize(), [.. seconds.Where(s => s is not null)]);
    }
}

/// <summary>One today measurement: requests offered, answered with the page, waiting pages seen, errors, latency of the answered ones.</summary>
internal sealed record TodayCounts(
    long Requests, long Ok, long WaitingPages, IReadOnlyDictionary<string, long> Errors, LatencySummary Latency, IReadOnlyList<TodaySecond> Timeline);

/// <summary>Requests whose intended start fell in one second of the measurement, and the slowest of them.</summary>
internal sealed record TodaySecond(int Second, int Requests, double MaxMs);
