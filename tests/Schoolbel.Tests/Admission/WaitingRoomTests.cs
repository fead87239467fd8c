using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Schoolbel.Server.Admission;

namespace Schoolbel.Tests.Admission;

public sealed class WaitingRoomTests
{
    private static Dictionary<string, string?> OneSlot() => new()
    {
        ["Admission:InitialLimit"] = "1",
        ["Admission:MinLimit"] = "1",
        ["Admission:MaxLimit"] = "1",
        ["Admission:QueueLimit"] = "0",
        ["Admission:ReservedForCritical"] = "0",
        ["Admission:ReservedForNormal"] = "0",
        ["Admission:WaitingRoomHeadroom"] = "1",
        ["Admission:WaitingRoomTick"] = "00:00:01",
    };

    [Fact]
    public async Task Visitors_the_server_cannot_take_see_their_place_and_an_estimate_and_get_in_in_order()
    {
        await using var host = await AdmissionTestHost.StartAsync(OneSlot());
        using var first = host.NewVisitor();
        using var second = host.NewVisitor();
        using var third = host.NewVisitor();

        // The one slot is busy.
        var busy = first.GetAsync(new Uri("/hold", UriKind.Relative));
        await host.WaitForInFlightAsync(1);

        // The next visitor is refused by the limiter and opens the waiting room: place 1, no estimate yet.
        using var secondWaits = await second.GetAsync(new Uri("/work?ms=0", UriKind.Relative));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, secondWaits.StatusCode);
        Assert.NotNull(secondWaits.Headers.RetryAfter?.Delta);
        Assert.Equal("no-store", secondWaits.Headers.CacheControl?.ToString());
        var page = await secondWaits.Content.ReadAsStringAsync();
        Assert.Contains("Je plaats in de rij: <strong>1</strong>", page, StringComparison.Ordinal);
        Assert.Contains("http-equiv=\"refresh\"", page, StringComparison.Ordinal);

        // While someone waits, a newcomer queues behind them: place 2.
        using var thirdWaits = await third.GetAsync(new Uri("/work?ms=0", UriKind.Relative));
        Assert.Contains("Je plaats in de rij: <strong>2</strong>", await thirdWaits.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(2, host.Room.Size);

        // The slot frees up and one heartbeat passes: the first in line may enter.
        host.ReleaseHeld();
        (await busy).Dispose();
        await host.WaitForInFlightAsync(0);
        host.Time.Advance(TimeSpan.FromSeconds(1));

        using var secondIn = await second.GetAsync(new Uri("/work?ms=0", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, secondIn.StatusCode);
        Assert.Contains(secondIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith(AdmissionCookies.AdmissionCookie + "=", StringComparison.Ordinal));

        // The third is now first in line, with an estimate from the admission rate (one per second,
        // averaged over ten seconds: 0.1/s after one tick, so about 10 s for one place).
        using var thirdStill = await third.GetAsync(new Uri("/work?ms=0", UriKind.Relative));
        var thirdPage = await thirdStill.Content.ReadAsStringAsync();
        Assert.Contains("Je plaats in de rij: <strong>1</strong>", thirdPage, StringComparison.Ordinal);
        Assert.Contains("Geschatte wachttijd: minder dan een minuut.", thirdPage, StringComparison.Ordinal);
        var place = host.Room.PlaceOf("-", 2);
        Assert.Equal(1, place.Position);
        Assert.Equal(10, place.EstimatedWait!.Value.TotalSeconds, 1);

        // Admitted visitors are not queued again while the admission lasts, even when the room is open.
        host.Room.TakeTicket("-");
        using var secondAgain = await second.GetAsync(new Uri("/work?ms=0", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, secondAgain.StatusCode);
    }

    [Fact]
    public void Each_school_waits_in_its_own_line_and_free_places_are_shared_in_turn()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var room = new WaitingRoom(Microsoft.Extensions.Options.Options.Create(new AdmissionOptions { WaitingRoomHeadroom = 1 }), time);

        // A flood from one school, then one pupil of another: that pupil is first in their own line.
        for (var i = 0; i < 100; i++)
        {
            room.TakeTicket("noisy");
        }

        var quietTicket = room.TakeTicket("quiet");
        Assert.Equal(1, room.PlaceOf("quiet", quietTicket).Position);
        Assert.Equal(100, room.PlaceOf("noisy", 100).Position);
        Assert.False(room.IsOpenFor("third"));

        // Room for two visitors this tick (4 free slots, half of them): one per school.
        time.Advance(TimeSpan.FromMilliseconds(200));
        room.Tick(limit: 4, inFlight: 0, queued: 0);
        Assert.True(room.PlaceOf("quiet", quietTicket).MayEnter);
        Assert.True(room.PlaceOf("noisy", 1).MayEnter);
        Assert.Equal(1, room.PlaceOf("noisy", 2).Position);
        Assert.Equal(99, room.Size);
    }

    [Fact]
    public async Task A_forged_ticket_or_admission_cookie_counts_as_none()
    {
        await using var host = await AdmissionTestHost.StartAsync(OneSlot());
        using var first = host.NewVisitor();
        var busy = first.GetAsync(new Uri("/hold", UriKind.Relative));
        await host.WaitForInFlightAsync(1);

        using var forger = host.NewClientWithoutCookies();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/work?ms=0");
        request.Headers.Add("Cookie", $"{AdmissionCookies.AdmissionCookie}=forged; {AdmissionCookies.TicketCookie}=also-forged");
        using var response = await forger.SendAsync(request);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("Je plaats in de rij: <strong>1</strong>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        host.ReleaseHeld();
        (await busy).Dispose();
    }

    [Fact]
    public async Task Api_clients_get_429_with_retry_after_and_a_json_estimate()
    {
        await using var host = await AdmissionTestHost.StartAsync(OneSlot());
        using var first = host.NewVisitor();
        var busy = first.GetAsync(new Uri("/hold", UriKind.Relative));
        await host.WaitForInFlightAsync(1);

        using var api = host.NewVisitor();
        using var response = await api.PostAsync(new Uri("/api/v1/things", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.True(response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(429, body.GetProperty("status").GetInt32());
        Assert.Equal(1, body.GetProperty("position").GetInt64());
        Assert.Equal((int)response.Headers.RetryAfter!.Delta!.Value.TotalSeconds, body.GetProperty("retryAfterSeconds").GetInt32());
        Assert.True(body.TryGetProperty("estimatedWaitSeconds", out _));

        // Health is never queued or shed, even now.
        using var health = await api.GetAsync(new Uri("/health/live", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);

        host.ReleaseHeld();
        (await busy).Dispose();
    }
}
