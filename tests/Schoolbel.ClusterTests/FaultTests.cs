using System.Globalization;
using System.Net;

namespace Schoolbel.ClusterTests;

/// <summary>
/// The faults of the scale-out issue, on a real cluster (deploy/local-cluster.sh): a node killed
/// with SIGKILL in the middle of hand-ins and downloads, PostgreSQL restarting under load, and
/// Redis going away under load.
/// What was measured goes to the test output; docs/operations.md quotes it.
/// </summary>
[Collection(ClusterTestGroup.Name)]
public sealed class FaultTests(LocalCluster cluster, ITestOutputHelper output)
{
    private const int PupilsPerClass = 6;

    [Fact]
    public async Task A_node_killed_mid_peak_loses_no_acknowledged_hand_in_and_sessions_carry_on()
    {
        LocalCluster.RequireEnabled();
        await cluster.UpAsync();
        using var traffic = await Traffic.PrepareAsync(cluster, PupilsPerClass);
        using var stop = new CancellationTokenSource();
        var running = traffic.RunAsync(handInBudget: TimeSpan.FromSeconds(20), stop.Token);

        await Task.Delay(TimeSpan.FromSeconds(6));
        var killedAt = traffic.Now;
        await cluster.KillNodeAsync(2);
        await Task.Delay(TimeSpan.FromSeconds(10));
        stop.Cancel();
        await running;
        var end = traffic.Now;

        var attempts = traffic.Attempts;
        var failed = attempts.Where(a => a.Kind != Kind.Ok).ToList();
        var stored = await cluster.StoredSubmissionsAsync([.. traffic.Receipts.Values]);
        var rows = await cluster.SubmissionsWithKeysAsync([.. traffic.Receipts.Keys]);
        Report($"== {nameof(A_node_killed_mid_peak_loses_no_acknowledged_hand_in_and_sessions_carry_on)} ({TimeProvider.System.GetUtcNow():u}, load average {LoadAverage()})");
        Report(string.Create(CultureInfo.InvariantCulture,
            $"node2 killed at {killedAt.TotalSeconds:0.0} s; traffic until {end.TotalSeconds:0.0} s; {traffic.Pupils.Count()} pupils"));
        Report("before the kill:\n" + traffic.Summary(TimeSpan.Zero, killedAt));
        Report("from the kill on:\n" + traffic.Summary(killedAt, end));
        Report(string.Create(CultureInfo.InvariantCulture,
            $"receipts {traffic.Receipts.Count}, in the database {stored.Count}, rows for their keys {rows}, hand-ins given up {traffic.GivenUp.Count}"));
        foreach (var attempt in failed)
        {
            Report(string.Create(CultureInfo.InvariantCulture,
                $"  failed: {attempt.Step} at {(attempt.At - killedAt).TotalMilliseconds:+0;-0} ms from the kill: {attempt.Kind} {attempt.Status} {attempt.Node} {attempt.Error}"));
        }

        // The peak really went through the node that died.
        Assert.Contains(attempts, a => a.At < killedAt && a.Node == "node2" && a.Kind == Kind.Ok);
        Assert.NotEmpty(traffic.Receipts);

        // No acknowledged hand-in is lost, and retries with the same key made no second hand-in.
        Assert.DoesNotContain(traffic.Receipts.Values, id => !stored.Contains(id));
        Assert.Equal(traffic.Receipts.Count, rows);
        Assert.Empty(traffic.GivenUp);

        // In-flight requests failed over or failed cleanly: never an error page of a node, never
        // a lost session; whatever failed did so around the kill (a request on the dying node).
        Assert.DoesNotContain(attempts, a => a.Kind is Kind.NodeError or Kind.SignedOut or Kind.Unexpected);
        Assert.All(failed, a => Assert.InRange(a.At, killedAt - TimeSpan.FromSeconds(5), killedAt + TimeSpan.FromSeconds(5)));

        // Sessions continue on the other nodes: every pupil is served after the kill, never by node2.
        var settled = killedAt + TimeSpan.FromSeconds(3);
        Assert.DoesNotContain(attempts, a => a.At > settled && a.Node == "node2");
        var servedAfter = attempts.Where(a => a.At > settled && a.Kind == Kind.Ok).Select(a => a.Node).Distinct().ToList();
        Assert.True(servedAfter.Count >= 2, "After the kill the other two nodes share the traffic: " + string.Join(", ", servedAfter));

        // `up` again starts only what is missing: node2 comes back and is routed to.
        await cluster.UpAsync();
        var status = await cluster.StatusAsync();
        Report(status);
        Assert.Matches(@"node2\s+\d+\s+\d+\s+ready", status);
        Assert.Contains("node2=UP", status, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostgreSQL_restarting_under_load_makes_nodes_not_ready_and_they_recover_by_themselves()
    {
        LocalCluster.RequireEnabled();
        await cluster.UpAsync();
        using var traffic = await Traffic.PrepareAsync(cluster, PupilsPerClass);
        using var watch = new ReadinessWatch();
        using var stop = new CancellationTokenSource();
        // Hand-ins keep being retried through the outage, as a pupil pressing the button again would.
        var running = traffic.RunAsync(handInBudget: TimeSpan.FromSeconds(90), stop.Token);
        var watching = watch.RunAsync(cluster, () => traffic.Now, stop.Token);

        await Task.Delay(TimeSpan.FromSeconds(4));
        var stoppedAt = traffic.Now;
        await cluster.StopPostgresAsync();
        var downAt = traffic.Now;
        var notReady = await WaitUntilAsync(() => watch.All(ready: false), TimeSpan.FromSeconds(30));
        var allNotReadyAt = traffic.Now;
        // Down a little longer, so the balancer's checks see it too.
        await Task.Delay(TimeSpan.FromSeconds(3));
        await cluster.StartPostgresAsync();
        var backAt = traffic.Now;
        var recovered = await WaitUntilAsync(() => watch.All(ready: true), TimeSpan.FromSeconds(60));
        var allReadyAt = traffic.Now;
        await Task.Delay(TimeSpan.FromSeconds(4));
        stop.Cancel();
        await Task.WhenAll(running, watching);
        var end = traffic.Now;

        var samples = watch.Samples;
        var recovery = Enumerable.Range(1, LocalCluster.Nodes)
            .Select(n => (Node: n, At: samples.Where(s => s.Node == n && s.At >= backAt && s.Ready).Select(s => s.At).DefaultIfEmpty(TimeSpan.MaxValue).Min() - backAt))
            .ToList();
        var stored = await cluster.StoredSubmissionsAsync([.. traffic.Receipts.Values]);
        var rows = await cluster.SubmissionsWithKeysAsync([.. traffic.Receipts.Keys]);
        Report($"== {nameof(PostgreSQL_restarting_under_load_makes_nodes_not_ready_and_they_recover_by_themselves)} ({TimeProvider.System.GetUtcNow():u}, load average {LoadAverage()})");
        Report(string.Create(CultureInfo.InvariantCulture,
            $"PostgreSQL stopped at {stoppedAt.TotalSeconds:0.0} s (down at {downAt.TotalSeconds:0.0} s), every node not ready at {allNotReadyAt.TotalSeconds:0.0} s, "
            + $"started again at {backAt.TotalSeconds:0.0} s, every node ready at {allReadyAt.TotalSeconds:0.0} s"));
        foreach (var (node, after) in recovery)
        {
            Report(string.Create(CultureInfo.InvariantCulture, $"  node{node} ready {after.TotalMilliseconds:0} ms after PostgreSQL was back"));
        }

        // What pupils see: the balancer routes to a node again two passed checks after it is ready.
        var firstServed = traffic.Attempts.Where(a => a.At >= backAt && a.Kind == Kind.Ok).Select(a => a.At).DefaultIfEmpty(TimeSpan.MaxValue).Min();
        var lastRefused = traffic.Attempts.Where(a => a.At >= backAt && a.Kind == Kind.BalancerRefused).Select(a => a.At).DefaultIfEmpty(backAt).Max();
        Report(string.Create(CultureInfo.InvariantCulture,
            $"  through the balancer: first request served {(firstServed - backAt).TotalMilliseconds:0} ms, last refused {(lastRefused - backAt).TotalMilliseconds:0} ms after PostgreSQL was back"));
        Report("before:\n" + traffic.Summary(TimeSpan.Zero, stoppedAt));
        Report("outage (stop until every node ready again):\n" + traffic.Summary(stoppedAt, allReadyAt));
        Report("after:\n" + traffic.Summary(allReadyAt, end));
        Report(string.Create(CultureInfo.InvariantCulture,
            $"receipts {traffic.Receipts.Count}, in the database {stored.Count}, rows for their keys {rows}, hand-ins given up {traffic.GivenUp.Count}"));
        foreach (var (key, why) in traffic.GivenUp)
        {
            Report($"  given up: {key}: {why}");
        }

        Assert.True(notReady, "Every node reports not-ready while PostgreSQL is down.");
        Assert.True(recovered, "Every node is ready again after PostgreSQL is back.");
        Assert.All(recovery, r => Assert.True(r.At < TimeSpan.FromSeconds(15), $"node{r.Node} took {r.At} to recover."));
        Assert.True(firstServed - backAt < TimeSpan.FromSeconds(20), $"The balancer served again only {firstServed - backAt} after PostgreSQL was back.");

        // Nothing acknowledged is lost; hand-ins pressed again during the outage went through afterwards, once.
        Assert.DoesNotContain(traffic.Receipts.Values, id => !stored.Contains(id));
        Assert.Equal(traffic.Receipts.Count, rows);
        Assert.Empty(traffic.GivenUp);
        Assert.DoesNotContain(traffic.Attempts, a => a.Kind is Kind.SignedOut or Kind.Unexpected);
        Assert.Contains(traffic.Attempts, a => a.At > allReadyAt && a.Step == "hand-in" && a.Kind == Kind.Ok);

        // During the outage a node answers 503 with Retry-After (its database is away) or the
        // balancer has taken it out (HAProxy's own 503): never a 500, never an answer without
        // Retry-After, never a broken connection.
        var outage = traffic.Attempts.Where(a => a.At >= stoppedAt && a.At < allReadyAt).ToList();
        Report(string.Create(CultureInfo.InvariantCulture,
            $"  during the outage: {outage.Count(a => a.Kind == Kind.NodeShed)} answered 503/429 + Retry-After by a node, "
            + $"{outage.Count(a => a.Kind == Kind.BalancerRefused)} refused by the balancer, {outage.Count(a => a.Status == 500)} answered 500"));
        foreach (var attempt in traffic.Attempts.Where(a => a.Kind is Kind.NodeError or Kind.Broken).Take(20))
        {
            Report(string.Create(CultureInfo.InvariantCulture,
                $"  failed: {attempt.Step} at {attempt.At.TotalSeconds:0.0} s: {attempt.Kind} {attempt.Status} {attempt.Node} {attempt.Error}"));
        }

        Assert.DoesNotContain(traffic.Attempts, a => a.Status == 500);
        Assert.DoesNotContain(traffic.Attempts, a => a.Kind is Kind.NodeError or Kind.Broken);
    }

    [Fact]
    public async Task Redis_down_under_load_the_nodes_serve_on_with_per_node_limits_and_share_them_again_when_it_is_back()
    {
        LocalCluster.RequireEnabled();
        await cluster.UpAsync();
        using var watch = new ReadinessWatch();
        using var stop = new CancellationTokenSource();
        using var traffic = await Traffic.PrepareAsync(cluster, PupilsPerClass);
        var watching = watch.RunAsync(cluster, () => traffic.Now, stop.Token);

        // Every node shares its limits through Redis before the fault (an earlier test may have left one reconnecting).
        Assert.True(await WaitUntilAsync(() => watch.AllReadyWith(perNode: false), TimeSpan.FromSeconds(30)), "Not every node used Redis before the test.");
        var running = traffic.RunAsync(handInBudget: TimeSpan.FromSeconds(30), stop.Token);

        await Task.Delay(TimeSpan.FromSeconds(4));
        var before = await BudgetFallbacksAsync();
        var stoppedAt = traffic.Now;
        await cluster.StopRedisAsync();
        var degraded = await WaitUntilAsync(() => watch.AllReadyWith(perNode: true), TimeSpan.FromSeconds(20));
        var allDegradedAt = traffic.Now;

        // New sessions start while Redis is away (pupils who were not signed in yet).
        var fresh = cluster.Seed.Classes[0];
        var signIns = new List<bool>();
        foreach (var username in Traffic.Usernames(fresh.Pupils).Skip(PupilsPerClass).Take(3))
        {
            using var browser = new Browser(cluster.LoadBalancer, fresh.School, username);
            signIns.Add(await browser.SignInAsync(LocalCluster.Password));
        }

        await Task.Delay(TimeSpan.FromSeconds(6));
        var during = await BudgetFallbacksAsync();
        var startedAt = traffic.Now;
        await cluster.StartRedisAsync();
        var backAt = traffic.Now;
        var recovered = await WaitUntilAsync(() => watch.AllReadyWith(perNode: false), TimeSpan.FromSeconds(30));
        var allSharedAt = traffic.Now;

        // From a second after the last node is back on Redis, no request is decided by a node's own budget.
        await Task.Delay(TimeSpan.FromSeconds(1));
        var shared = await BudgetFallbacksAsync();
        await Task.Delay(TimeSpan.FromSeconds(4));
        var after = await BudgetFallbacksAsync();
        stop.Cancel();
        await Task.WhenAll(running, watching);
        var end = traffic.Now;

        var samples = watch.Samples;
        var perNode = Enumerable.Range(1, LocalCluster.Nodes).Select(n =>
        {
            var mine = samples.Where(s => s.Node == n && s.At >= stoppedAt).ToList();
            var first = mine.Where(s => s.PerNode).Select(s => s.At).DefaultIfEmpty(TimeSpan.MaxValue).Min();
            var back = mine.Where(s => s.At >= backAt && s.Ready && !s.PerNode).Select(s => s.At).DefaultIfEmpty(TimeSpan.MaxValue).Min();
            return (Node: n, Degraded: first - stoppedAt, Recovered: back - backAt, Seconds: back - first);
        }).ToList();
        var outage = traffic.Attempts.Where(a => a.At >= stoppedAt && a.At < allSharedAt).ToList();
        var stored = await cluster.StoredSubmissionsAsync([.. traffic.Receipts.Values]);
        var rows = await cluster.SubmissionsWithKeysAsync([.. traffic.Receipts.Keys]);
        Report($"== {nameof(Redis_down_under_load_the_nodes_serve_on_with_per_node_limits_and_share_them_again_when_it_is_back)} ({TimeProvider.System.GetUtcNow():u}, load average {LoadAverage()})");
        Report(string.Create(CultureInfo.InvariantCulture,
            $"Redis stopped at {stoppedAt.TotalSeconds:0.0} s, every node Degraded (per-node limits) at {allDegradedAt.TotalSeconds:0.0} s, "
            + $"started again at {startedAt.TotalSeconds:0.0} s (up at {backAt.TotalSeconds:0.0} s), every node sharing limits again at {allSharedAt.TotalSeconds:0.0} s"));
        foreach (var (node, degradedAfter, recoveredAfter, seconds) in perNode)
        {
            Report(string.Create(CultureInfo.InvariantCulture,
                $"  node{node}: Degraded {degradedAfter.TotalMilliseconds:0} ms after Redis stopped, for {seconds.TotalSeconds:0.0} s; "
                + $"shared limits again {recoveredAfter.TotalMilliseconds:0} ms after Redis was back; "
                + $"requests decided by its own budget: {during[node - 1] - before[node - 1]} during the outage, {after[node - 1] - shared[node - 1]} in the 4 s after"));
        }

        Report(string.Create(CultureInfo.InvariantCulture, $"sign-ins while Redis was down: {signIns.Count(ok => ok)} of {signIns.Count}"));
        Report("before:\n" + traffic.Summary(TimeSpan.Zero, stoppedAt));
        Report("outage (stop until every node shares limits again):\n" + traffic.Summary(stoppedAt, allSharedAt));
        Report("after:\n" + traffic.Summary(allSharedAt, end));
        Report(string.Create(CultureInfo.InvariantCulture,
            $"receipts {traffic.Receipts.Count}, in the database {stored.Count}, rows for their keys {rows}, hand-ins given up {traffic.GivenUp.Count}"));
        foreach (var attempt in traffic.Attempts.Where(a => a.Kind != Kind.Ok).Take(20))
        {
            Report(string.Create(CultureInfo.InvariantCulture,
                $"  not ok: {attempt.Step} at {attempt.At.TotalSeconds:0.0} s: {attempt.Kind} {attempt.Status} {attempt.Node} {attempt.Error}"));
        }

        // Every node notices, stays ready (taking nodes out would only make things worse) and says why.
        Assert.True(degraded, "Every node reports Degraded with per-node limits while Redis is down.");
        Assert.DoesNotContain(samples, s => s.At >= stoppedAt && !s.Ready);

        // The platform keeps serving: no 5xx, no lost session; pages, downloads, hand-ins and sign-ins work without Redis.
        Assert.DoesNotContain(traffic.Attempts, a => a.Kind is Kind.NodeError or Kind.BalancerRefused or Kind.Broken or Kind.SignedOut or Kind.Unexpected);
        Assert.DoesNotContain(traffic.Attempts, a => a.Status >= 500 && a.Kind != Kind.NodeShed);
        Assert.All(signIns, Assert.True);
        foreach (var step in new[] { "download", "assignment page", "hand-in" })
        {
            Assert.Contains(outage, a => a.Step == step && a.Kind == Kind.Ok && a.At > allDegradedAt);
        }

        // Per-node limits applied: every node decided requests with its own buckets while Redis was away...
        Assert.All(Enumerable.Range(0, LocalCluster.Nodes), i => Assert.True(during[i] > before[i], $"node{i + 1} used no per-node budget while Redis was down."));

        // ... and went back to the shared ones by itself, within seconds.
        Assert.True(recovered, "Every node shares its limits through Redis again after it is back.");
        Assert.All(perNode, n => Assert.True(n.Recovered < TimeSpan.FromSeconds(15), $"node{n.Node} took {n.Recovered} to use Redis again."));
        // In the 4 s after a node reports shared limits again, it decides (almost) nothing on its
        // own, where a node still falling back would decide all its ~140 requests. "Almost": a
        // Redis call that misses its 250 ms operation timeout is decided on the node by design,
        // and with three nodes, PostgreSQL, Redis, HAProxy and the traffic on two cores (load
        // average 10) a few do (seen in CI: 1, and 4 of ~140 on one node; 14 once, at load
        // average 7). A fifth of the window still tells "shares again" from "still falls back".
        Assert.All(Enumerable.Range(0, LocalCluster.Nodes), i => Assert.True(after[i] - shared[i] <= 28,
            $"node{i + 1} decided {after[i] - shared[i]} requests with its own budget after it reported Redis back."));

        // Nothing acknowledged is lost.
        Assert.DoesNotContain(traffic.Receipts.Values, id => !stored.Contains(id));
        Assert.Equal(traffic.Receipts.Count, rows);
        Assert.Empty(traffic.GivenUp);
    }

    /// <summary>
    /// Per node, how many requests it decided with its own abuse budget because Redis could not be
    /// asked (<c>schoolbel_redis_fallbacks_total{use="budget"}</c> on the node's /metrics, open to loopback).
    /// </summary>
    private async Task<long[]> BudgetFallbacksAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var counts = new long[LocalCluster.Nodes];
        for (var node = 1; node <= LocalCluster.Nodes; node++)
        {
            using var response = await http.GetAsync(new Uri(cluster.Node(node), "metrics"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var text = await response.Content.ReadAsStringAsync();
            counts[node - 1] = text.Split('\n')
                .Where(line => line.StartsWith("schoolbel_redis_fallbacks", StringComparison.Ordinal) && line.Contains("use=\"budget\"", StringComparison.Ordinal))
                .Sum(line => (long)double.Parse(line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture));
        }

        return counts;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    /// <summary>To the test output, and with SCHOOLBEL_CLUSTER_REPORT to that file too (the numbers in docs/operations.md come from it).</summary>
    private void Report(string text)
    {
        output.WriteLine(text);
        if (Environment.GetEnvironmentVariable("SCHOOLBEL_CLUSTER_REPORT") is { Length: > 0 } file)
        {
            File.AppendAllText(file, text + Environment.NewLine);
        }
    }

    private static async Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var until = TimeProvider.System.GetTimestamp() + (long)(timeout.TotalSeconds * TimeProvider.System.TimestampFrequency);
        while (TimeProvider.System.GetTimestamp() < until)
        {
            if (condition())
            {
                return true;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }

        return condition();
    }
}
