using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Schoolbel.Server.Admission;
using Schoolbel.Server.Scaling;
using Schoolbel.Tests.Admission;
using StackExchange.Redis;

namespace Schoolbel.Tests.Scaling;

/// <summary>
/// The waiting room of two nodes (two <see cref="WaitingRoom"/>s, each with its own Redis
/// connection) sharing one Redis: one line per school whichever node hands out the ticket, the
/// same place and estimate on both, and a slot freed on either node lets in the oldest ticket.
/// With Redis on a closed port the node keeps its own line, as a single node does.
/// </summary>
public sealed class SharedWaitingRoomTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly List<IDisposable> _disposables = [];

    [Fact]
    public async Task Two_nodes_keep_one_line_per_school_with_the_same_place_and_estimate_on_both()
    {
        var configuration = TestRedis.Require();
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        var prefix = "schoolbel-test:" + Guid.NewGuid().ToString("N")[..12] + ":";
        var nodeA = await NodeAsync(configuration, prefix, time);
        var nodeB = await NodeAsync(configuration, prefix, time);

        // Three pupils of school s queue on node A, a fourth on node B: one line, numbered in arrival order.
        WaitingTicket[] tickets = [await nodeA.TakeTicketAsync("s"), await nodeA.TakeTicketAsync("s"), await nodeA.TakeTicketAsync("s"), await nodeB.TakeTicketAsync("s")];
        Assert.All(tickets, t => Assert.True(t.Global));
        Assert.Equal([1L, 2, 3, 4], tickets.Select(t => t.Number));

        // Another school has a line of its own.
        var other = await nodeB.TakeTicketAsync("q");
        Assert.Equal(new WaitingTicket(1, Global: true), other);

        // Node A is full (no room to let anyone in) but reads the lines at its heartbeat.
        await nodeA.TickAsync(limit: 0, inFlight: 0, queued: 0);
        Assert.True(nodeA.IsOpenFor("s"));
        Assert.True(nodeA.IsOpenFor("q"));
        Assert.False(nodeA.IsOpenFor("third"));
        Assert.Equal(4, nodeA.PlaceOf("s", tickets[3]).Position);
        Assert.Equal(4, nodeB.PlaceOf("s", tickets[3]).Position);

        // A second later node B has room for two (four free slots, half of them): one per school in
        // turn, so the oldest ticket of s, taken on node A, and the ticket of q are let in.
        time.Advance(TimeSpan.FromSeconds(1));
        await nodeB.TickAsync(limit: 4, inFlight: 0, queued: 0);
        await nodeA.TickAsync(limit: 0, inFlight: 0, queued: 0);
        foreach (var node in new[] { nodeA, nodeB })
        {
            Assert.True(node.PlaceOf("s", tickets[0]).MayEnter);
            Assert.True(node.PlaceOf("q", other).MayEnter);

            // One let in over one second, averaged over ten: 0.1 per second, so 10 s a place, on either node.
            Assert.Equal(new WaitingPlace(1, TimeSpan.FromSeconds(10)), Rounded(node.PlaceOf("s", tickets[1])));
            Assert.Equal(new WaitingPlace(3, TimeSpan.FromSeconds(30)), Rounded(node.PlaceOf("s", tickets[3])));
        }

        Assert.Equal(3, nodeA.Size);
        Assert.Equal(nodeA.AdmissionRatePerSecond, nodeB.AdmissionRatePerSecond, 6);

        // Newcomers on either node queue behind: the line is open on both.
        Assert.True(nodeB.IsOpenFor("s"));
        Assert.Equal(5, (await nodeB.TakeTicketAsync("s")).Number);

        // A ticket of a node's own line (from a Redis outage) is not mixed up with the global line.
        Assert.True(nodeA.PlaceOf("s", 4).MayEnter);

        // Room for many: the line empties (never past its last ticket) and closes on both nodes.
        time.Advance(TimeSpan.FromSeconds(1));
        await nodeA.TickAsync(limit: 100, inFlight: 0, queued: 0);
        await nodeB.TickAsync(limit: 0, inFlight: 0, queued: 0);
        Assert.False(nodeA.IsOpenFor("s"));
        Assert.False(nodeB.IsOpenFor("s"));
        Assert.Equal(0, nodeB.Size);
        Assert.Equal(6, (await nodeA.TakeTicketAsync("s")).Number);
        Assert.Equal(1, nodeA.PlaceOf("s", new WaitingTicket(6, Global: true)).Position);
    }

    [Fact]
    public async Task A_pupil_keeps_their_place_whichever_node_answers_and_a_slot_freed_on_either_node_lets_in_the_oldest()
    {
        var configuration = TestRedis.Require();
        var keys = Directory.CreateTempSubdirectory("schoolbel-keys-");
        try
        {
            // Two nodes of one slot each, one Redis and one key ring, as behind a load balancer.
            var settings = new Dictionary<string, string?>
            {
                ["Admission:InitialLimit"] = "1",
                ["Admission:MinLimit"] = "1",
                ["Admission:MaxLimit"] = "1",
                ["Admission:QueueLimit"] = "0",
                ["Admission:ReservedForCritical"] = "0",
                ["Admission:ReservedForNormal"] = "0",
                ["Admission:WaitingRoomHeadroom"] = "1",
                ["Admission:WaitingRoomTick"] = "00:00:01",
                ["Redis:Configuration"] = configuration,
                ["Redis:KeyPrefix"] = "schoolbel-test:" + Guid.NewGuid().ToString("N")[..12] + ":",
            };
            await using var nodeA = await AdmissionTestHost.StartAsync(settings, keys);
            await using var nodeB = await AdmissionTestHost.StartAsync(settings, keys);
            Assert.Equal(RedisState.Available, await nodeA.Redis.ProbeAsync());
            Assert.Equal(RedisState.Available, await nodeB.Redis.ProbeAsync());

            // Both nodes are busy.
            using var holderA = nodeA.NewVisitor();
            using var holderB = nodeB.NewVisitor();
            var busyA = holderA.GetAsync(new Uri("/hold", UriKind.Relative));
            var busyB = holderB.GetAsync(new Uri("/hold", UriKind.Relative));
            await nodeA.WaitForInFlightAsync(1);
            await nodeB.WaitForInFlightAsync(1);

            // Pupil 1 arrives at node A, pupil 2 at node B: one line, places 1 and 2.
            var first = new CookieContainer();
            var second = new CookieContainer();
            using var firstOnA = nodeA.NewVisitor(first);
            using var firstOnB = nodeB.NewVisitor(first);
            using var secondOnA = nodeA.NewVisitor(second);
            using var secondOnB = nodeB.NewVisitor(second);
            Assert.Equal(1, await PlaceAsync(firstOnA));
            Assert.Equal(2, await PlaceAsync(secondOnB));

            // Pupil 2's page refreshes and the balancer sends it to node A: the same place.
            Assert.Equal(2, await PlaceAsync(secondOnA));

            // Node B's slot frees up; its next heartbeat lets in the oldest ticket, pupil 1's from node A.
            nodeB.ReleaseHeld();
            (await busyB).Dispose();
            await nodeB.WaitForInFlightAsync(0);
            await nodeB.Room.TickAsync(nodeB.Limiter.Limit, nodeB.Limiter.InFlight, nodeB.Limiter.Queued);
            await nodeA.Room.TickAsync(nodeA.Limiter.Limit, nodeA.Limiter.InFlight, nodeA.Limiter.Queued);
            using (var firstIn = await firstOnB.GetAsync(new Uri("/work?ms=0", UriKind.Relative)))
            {
                Assert.Equal(HttpStatusCode.OK, firstIn.StatusCode);
            }

            // Pupil 2 is first in line now, on either node, although node B has a free slot this instant.
            Assert.Equal(1, await PlaceAsync(secondOnA));
            Assert.Equal(1, await PlaceAsync(secondOnB));
            Assert.Equal(1, nodeA.Room.Size);
            Assert.Equal(1, nodeB.Room.Size);

            nodeA.ReleaseHeld();
            (await busyA).Dispose();
        }
        finally
        {
            keys.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task With_redis_unreachable_a_node_keeps_its_own_line_and_says_so()
    {
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());

        // A port of this machine where nothing listens: Redis is "down" from the start.
        var node = await NodeAsync("127.0.0.1:1,connectTimeout=500", "schoolbel-test:closed:", time);
        var first = await node.TakeTicketAsync("s");
        var second = await node.TakeTicketAsync("s");
        Assert.Equal(new WaitingTicket(1, Global: false), first);
        Assert.Equal(new WaitingTicket(2, Global: false), second);
        Assert.True(node.IsOpenFor("s"));
        Assert.Equal(2, node.PlaceOf("s", second).Position);

        // Its own heartbeat lets them in, as on a single node.
        time.Advance(TimeSpan.FromSeconds(1));
        await node.TickAsync(limit: 2, inFlight: 0, queued: 0);
        Assert.True(node.PlaceOf("s", first).MayEnter);
        Assert.Equal(1, node.PlaceOf("s", second).Position);

        // A ticket of the global line cannot be placed now: its holder may enter (the limiter still decides).
        Assert.True(node.PlaceOf("s", new WaitingTicket(7, Global: true)).MayEnter);

        // Health and the operator page say why.
        var gate = _disposables.OfType<RedisGate>().Single();
        Assert.Equal(RedisState.Unavailable, gate.State);
        Assert.Equal("Redis onbereikbaar: limieten per node (ook de wachtrij)", gate.Status().Describe());
    }

    public void Dispose()
    {
        foreach (var disposable in Enumerable.Reverse(_disposables))
        {
            disposable.Dispose();
        }

        _services.Dispose();
    }

    /// <summary>The place in line the waiting-room page shows (the request is not let in).</summary>
    private static async Task<int> PlaceAsync(HttpClient visitor)
    {
        using var response = await visitor.GetAsync(new Uri("/work?ms=0", UriKind.Relative));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var page = await response.Content.ReadAsStringAsync();
        var match = System.Text.RegularExpressions.Regex.Match(page, "Je plaats in de rij: <strong>(\\d+)</strong>");
        Assert.True(match.Success, page);
        return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static WaitingPlace Rounded(WaitingPlace place) =>
        place with { EstimatedWait = place.EstimatedWait is { } wait ? TimeSpan.FromSeconds(Math.Round(wait.TotalSeconds, 3)) : null };

    /// <summary>One node's waiting room, with a Redis connection and circuit breaker of its own.</summary>
    private async Task<WaitingRoom> NodeAsync(string configuration, string prefix, FakeTimeProvider time)
    {
        var redisOptions = new RedisOptions { Configuration = configuration, KeyPrefix = prefix };
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(redisOptions.ToClientOptions());
        _disposables.Add(multiplexer);
        var gate = new RedisGate(Options.Create(redisOptions), time, NullLogger<RedisGate>.Instance, _services.GetRequiredService<IMeterFactory>(), multiplexer);
        _disposables.Add(gate);
        await gate.ProbeAsync();
        return new WaitingRoom(Options.Create(new AdmissionOptions { WaitingRoomHeadroom = 1 }), time, gate);
    }
}
