using Microsoft.Extensions.Logging.Abstractions;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Tests;

/// <summary>
/// After a password check the caller goes on at normal priority: inline on the hashing thread
/// (nice +10) the rest of the sign-in request would run slowed down, and so would whatever ran
/// next on that thread (here, once, the next test).
/// </summary>
public sealed class PasswordCheckContinuationTests
{
    [Fact]
    public async Task The_caller_does_not_continue_on_the_lowered_priority_thread()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Thread niceness is read from /proc on Linux.");
        using var pool = new PasswordCheckPool(
            Microsoft.Extensions.Options.Options.Create(new SignInOptions { HashSlots = 1 }), TimeProvider.System,
            NullLogger<PasswordCheckPool>.Instance);
        var before = OwnNice();

        // Slow enough that the await has registered before the check ends, as with a real hash.
        var answer = await pool.RunAsync("school-a", () =>
        {
            Thread.Sleep(100);
            return OwnNice();
        }, TestContext.Current.CancellationToken);

        Assert.Equal(before + BackgroundPriority.Niceness, answer.Result);
        Assert.Equal(before, OwnNice());
    }

    // Field 19 of /proc/thread-self/stat is the nice value of the thread that reads it.
    private static int OwnNice() => int.Parse(
        File.ReadAllText("/proc/thread-self/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[16],
        System.Globalization.CultureInfo.InvariantCulture);
}
