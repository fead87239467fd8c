using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Schoolbel.ClusterTests;

/// <summary>
/// Pupils of the seeded schools, signed in through the load balancer, each in a loop of the
/// morning's two busiest things: download the lesson's document (now and then the 20 MB video)
/// and hand in the assignment. Every request is recorded with when it started, which node
/// answered and how it ended; every receipt a pupil got is kept, by idempotency key.
/// </summary>
public sealed partial class Traffic : IDisposable
{
    private static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(250);

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ConcurrentQueue<Attempt> _attempts = new();
    private readonly ConcurrentDictionary<string, Guid> _receipts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _givenUp = new(StringComparer.Ordinal);
    private readonly List<(Browser Browser, Uri Assignment, IReadOnlyList<SeededDocument> Documents)> _pupils = [];

    private Traffic()
    {
    }

    public TimeSpan Now => _clock.Elapsed;

    public IReadOnlyList<Attempt> Attempts => [.. _attempts];

    /// <summary>Idempotency key → the submission id on the receipt the pupil got.</summary>
    public IReadOnlyDictionary<string, Guid> Receipts => _receipts;

    /// <summary>Hand-ins the pupil gave up on (no receipt within the budget), by key, with the last failure.</summary>
    public IReadOnlyDictionary<string, string> GivenUp => _givenUp;

    public IEnumerable<string> Pupils => _pupils.Select(p => p.Browser.School + "/" + p.Browser.Username);

    /// <summary>
    /// The teacher of each seeded class's course sets an assignment (the seed has none), then
    /// <paramref name="pupilsPerClass"/> pupils of every class sign in.
    /// </summary>
    public static async Task<Traffic> PrepareAsync(LocalCluster cluster, int pupilsPerClass)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var traffic = new Traffic();
        var assignments = new Dictionary<Guid, Uri>();
        foreach (var school in cluster.Seed.Schools)
        {
            // t0001 teaches the first subject in the first four classes of every seeded school.
            using var teacher = new Browser(cluster.LoadBalancer, school, "t0001");
            Assert.True(await teacher.SignInAsync(LocalCluster.Password), $"t0001 could not sign in at {school}.");
            foreach (var seeded in cluster.Seed.Classes.Where(c => c.School == school))
            {
                assignments[seeded.Course.Id] = await teacher.CreateAssignmentAsync(
                    new Uri(cluster.LoadBalancer, seeded.Course.Url.TrimStart('/') + "/assignments"), "Oefening " + seeded.ClassName);
            }
        }

        foreach (var seeded in cluster.Seed.Classes)
        {
            foreach (var username in Usernames(seeded.Pupils).Take(pupilsPerClass))
            {
                var browser = new Browser(cluster.LoadBalancer, seeded.School, username);
                traffic._pupils.Add((browser, assignments[seeded.Course.Id], seeded.Course.Documents));
                Assert.True(await browser.SignInAsync(LocalCluster.Password), $"{username} could not sign in at {seeded.School}.");
            }
        }

        return traffic;
    }

    /// <summary>
    /// Runs every pupil's loop until <paramref name="stop"/>. A hand-in that fails is posted
    /// again with the same form (the same idempotency key) for up to <paramref name="handInBudget"/>,
    /// also after <paramref name="stop"/>: an acknowledged hand-in is what is checked afterwards.
    /// </summary>
    public Task RunAsync(TimeSpan handInBudget, CancellationToken stop) =>
        Task.WhenAll(_pupils.Select(p => Task.Run(() => PupilAsync(p.Browser, p.Assignment, p.Documents, handInBudget, stop), CancellationToken.None)));

    public void Dispose()
    {
        foreach (var (browser, _, _) in _pupils)
        {
            browser.Dispose();
        }
    }

    /// <summary>A table of outcomes per step, for the test output (and docs/operations.md).</summary>
    public string Summary(TimeSpan from, TimeSpan to)
    {
        var text = new StringBuilder();
        var window = Attempts.Where(a => a.At >= from && a.At < to).ToList();
        foreach (var step in window.GroupBy(a => a.Step).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"  {step.Key,-16} {step.Count(),6} requests:");
            foreach (var kind in step.GroupBy(a => a.Kind).OrderBy(g => g.Key))
            {
                text.Append(CultureInfo.InvariantCulture, $" {kind.Key}={kind.Count()}");
            }

            text.AppendLine();
        }

        var byNode = window.Where(a => a.Node is not null).GroupBy(a => a.Node!).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Key}={g.Count()}");
        text.AppendLine("  answered by: " + string.Join(' ', byNode));
        return text.ToString();
    }

    private async Task PupilAsync(Browser browser, Uri assignment, IReadOnlyList<SeededDocument> documents, TimeSpan handInBudget, CancellationToken stop)
    {
        var baseUri = new Uri(assignment.GetLeftPart(UriPartial.Authority));
        var round = 0;
        while (!stop.IsCancellationRequested)
        {
            round++;
            // Mostly the lesson's PDF; every fifth round the largest file (the video, where the class has it).
            var document = round % 5 == 0 ? documents.MaxBy(d => d.Length)! : documents.MinBy(d => d.Length)!;
            var at = Now;
            Record("download", await browser.DownloadAsync(new Uri(baseUri, document.Url), document.Length), at);

            at = Now;
            var (html, outcome) = await browser.GetPageAsync(assignment);
            var form = html is null ? null : Browser.FormOf(html);
            Record("assignment page", html is not null && form is null ? outcome with { Kind = Kind.Unexpected } : outcome, at);
            if (form is not null)
            {
                await HandInAsync(browser, assignment, form, handInBudget);
            }

#pragma warning disable CA5394 // think-time jitter, not security
            await Task.Delay(TimeSpan.FromMilliseconds(50 + Random.Shared.Next(100)), CancellationToken.None);
#pragma warning restore CA5394
        }
    }

    private async Task HandInAsync(Browser browser, Uri assignment, HandInForm form, TimeSpan budget)
    {
        var deadline = Now + budget;
        while (true)
        {
            var at = Now;
            var (receipt, outcome) = await browser.HandInAsync(assignment, form);
            Record("hand-in", outcome, at);
            if (receipt is { } id)
            {
                _receipts[form.Key] = id;
                return;
            }

            // What a pupil does on an error page: press the button again (the same form, so the same key).
            if (outcome.Kind is Kind.SignedOut or Kind.Unexpected || Now > deadline)
            {
                _givenUp[form.Key] = $"{outcome.Kind} {outcome.Status} from {outcome.Node ?? "the balancer"}";
                return;
            }

            await Task.Delay(RetryPause, CancellationToken.None);
        }
    }

    private void Record(string step, Outcome outcome, TimeSpan at) =>
        _attempts.Enqueue(new Attempt(step, outcome.Kind, outcome.Node, at, outcome.Status, outcome.Error));

    /// <summary>"p00001..p00022" → p00001, p00002, …</summary>
    public static IEnumerable<string> Usernames(string range)
    {
        var match = UsernameRange().Match(range);
        Assert.True(match.Success, $"Unexpected username range '{range}'.");
        var prefix = match.Groups[1].Value;
        var width = match.Groups[2].Value.Length;
        var first = int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
        var last = int.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture);
        for (var n = first; n <= last; n++)
        {
            yield return prefix + n.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0');
        }
    }

    [GeneratedRegex(@"^([a-z]+)(\d+)\.\.[a-z]+(\d+)$")]
    private static partial Regex UsernameRange();
}

/// <summary>
/// Readiness of every node, polled directly (not through the balancer) a few times a second: the
/// status code, and whether the answer says Degraded with the per-node-limits reason (Redis away).
/// </summary>
public sealed class ReadinessWatch : IDisposable
{
    /// <summary>The reason line of /health/ready while a node cannot reach Redis (RedisStatus.Describe).</summary>
    public const string PerNodeLimits = "redis: Redis onbereikbaar: limieten per node";

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(2) };
    private readonly ConcurrentQueue<(int Node, TimeSpan At, bool Ready, bool PerNode)> _samples = new();

    public IReadOnlyList<(int Node, TimeSpan At, bool Ready, bool PerNode)> Samples => [.. _samples];

    public async Task RunAsync(LocalCluster cluster, Func<TimeSpan> now, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(now);
        while (!stop.IsCancellationRequested)
        {
            for (var node = 1; node <= LocalCluster.Nodes; node++)
            {
                var at = now();
                bool ready;
                var perNode = false;
                try
                {
                    using var response = await _http.GetAsync(new Uri(cluster.Node(node), "health/ready"), CancellationToken.None);
                    ready = response.StatusCode == HttpStatusCode.OK;
                    var body = await response.Content.ReadAsStringAsync(CancellationToken.None);
                    perNode = body.StartsWith("Degraded", StringComparison.Ordinal) && body.Contains(PerNodeLimits, StringComparison.Ordinal);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    ready = false;
                }

                _samples.Enqueue((node, at, ready, perNode));
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), CancellationToken.None);
        }
    }

    /// <summary>Whether the last sample of every node says <paramref name="ready"/>.</summary>
    public bool All(bool ready) =>
        Enumerable.Range(1, LocalCluster.Nodes).All(n => Samples.LastOrDefault(s => s.Node == n) is { Node: > 0 } s && s.Ready == ready);

    /// <summary>Whether the last sample of every node is ready and says per-node limits (<paramref name="perNode"/>) or not.</summary>
    public bool AllReadyWith(bool perNode) =>
        Enumerable.Range(1, LocalCluster.Nodes).All(n => Samples.LastOrDefault(s => s.Node == n) is { Node: > 0 } s && s.Ready && s.PerNode == perNode);

    public void Dispose() => _http.Dispose();
}
