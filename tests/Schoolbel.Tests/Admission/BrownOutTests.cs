using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Schoolbel.Server.Admission;

namespace Schoolbel.Tests.Admission;

public sealed class BrownOutTests
{
    [Fact]
    public void Sustained_shedding_postpones_non_essential_work_and_calm_resumes_it()
    {
        var time = new FakeTimeProvider();
        var brownOut = new BrownOut(Options.Create(new AdmissionOptions
        {
            BrownOutAfter = TimeSpan.FromSeconds(10),
            BrownOutCalmAfter = TimeSpan.FromSeconds(30),
        }), time);

        // A short burst of shedding is not enough.
        Beat(brownOut, time, overloaded: true, seconds: 5);
        Beat(brownOut, time, overloaded: false, seconds: 1);
        Beat(brownOut, time, overloaded: true, seconds: 9);
        Assert.False(brownOut.IsActive);

        // Ten seconds of it in a row turns brown-out on.
        Beat(brownOut, time, overloaded: true, seconds: 2);
        Assert.True(brownOut.IsActive);

        // A brief lull does not turn it off; thirty calm seconds do.
        Beat(brownOut, time, overloaded: false, seconds: 20);
        Beat(brownOut, time, overloaded: true, seconds: 1);
        Beat(brownOut, time, overloaded: false, seconds: 29);
        Assert.True(brownOut.IsActive);
        Beat(brownOut, time, overloaded: false, seconds: 2);
        Assert.False(brownOut.IsActive);
    }

    [Fact]
    public void The_heartbeat_reports_overload_while_the_waiting_room_is_open()
    {
        var time = new FakeTimeProvider();
        var options = Options.Create(new AdmissionOptions { BrownOutAfter = TimeSpan.FromSeconds(1), WaitingRoomHeadroom = 1 });
        using var limiter = new AdaptiveConcurrencyLimiter(options, time);
        var room = new WaitingRoom(options, time);
        var brownOut = new BrownOut(options, time);
        using var heartbeat = new AdmissionHeartbeat(limiter, room, brownOut, time, options);

        heartbeat.CountShed();
        heartbeat.Beat();
        time.Advance(TimeSpan.FromSeconds(2));
        heartbeat.CountShed();
        heartbeat.Beat();
        Assert.True(brownOut.IsActive);
        Assert.True(heartbeat.Snapshot().BrownOut);
        Assert.Equal(options.Value.InitialLimit, heartbeat.Snapshot().Limit);
    }

    private static void Beat(BrownOut brownOut, FakeTimeProvider time, bool overloaded, int seconds)
    {
        for (var i = 0; i < seconds; i++)
        {
            brownOut.Observe(overloaded);
            time.Advance(TimeSpan.FromSeconds(1));
        }

        brownOut.Observe(overloaded);
    }
}
