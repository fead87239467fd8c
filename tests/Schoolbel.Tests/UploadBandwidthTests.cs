using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Schoolbel.Server.Storage;

namespace Schoolbel.Tests;

/// <summary>
/// The node's upload budget (<see cref="UploadBandwidth"/>): reads beyond it wait for the clock,
/// staging goes through it, a cancelled upload waiting for it leaves nothing behind, and 0 means
/// no budget. Driven by a FakeTimeProvider, so nothing here depends on the machine's speed.
/// </summary>
public sealed class UploadBandwidthTests
{
    private const int Read = UploadBandwidth.MaxRead;

    // 20 reads a second: one read's worth per 50 ms, and a burst (100 ms) of two more.
    private static UploadBandwidth Budget(FakeTimeProvider clock) =>
        new(Options.Create(new StorageOptions { UploadBytesPerSecond = Read * 20L }), clock);

    [Fact]
    public async Task Reads_beyond_the_budget_wait_until_the_clock_adds_to_it()
    {
        var clock = new FakeTimeProvider();
        var bandwidth = Budget(clock);
        var ct = TestContext.Current.CancellationToken;
        var step = TimeSpan.FromMilliseconds(50);

        // A fresh budget lets a burst through at once.
        for (var i = 0; i < 3; i++)
        {
            Assert.True(DoneAtOnce(bandwidth.TakeAsync(Read, ct)));
        }

        var fourth = bandwidth.TakeAsync(Read, ct).AsTask();
        var fifth = bandwidth.TakeAsync(Read, ct).AsTask();
        Assert.False(fourth.IsCompleted);

        clock.Advance(step - TimeSpan.FromMilliseconds(1));
        Assert.False(fourth.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        await fourth.WaitAsync(TimeSpan.FromSeconds(10), ct);
        // In the order they asked: the next one waits for its own 50 ms.
        Assert.False(fifth.IsCompleted);
        clock.Advance(step);
        await fifth.WaitAsync(TimeSpan.FromSeconds(10), ct);

        // Time the budget was not used is not saved up beyond the burst.
        clock.Advance(TimeSpan.FromMinutes(1));
        for (var i = 0; i < 3; i++)
        {
            Assert.True(DoneAtOnce(bandwidth.TakeAsync(Read, ct)));
        }

        Assert.False(bandwidth.TakeAsync(Read, ct).AsTask().IsCompleted);
    }

    [Fact]
    public Task Staging_an_upload_goes_through_the_budget_and_hashes_every_byte() => InTempFolderAsync(async folder =>
    {
        var clock = new FakeTimeProvider();
        var bandwidth = Budget(clock);
        var bytes = RandomNumberGenerator.GetBytes(Read * 4);
        var staging = BlobStaging.StageAsync(folder, new MemoryStream(bytes), long.MaxValue, bandwidth, TestContext.Current.CancellationToken);

        // Three reads fit in the burst; the fourth waits for the clock.
        await WaitUntilAsync(() => !staging.IsCompleted && Directory.GetFiles(folder).Length == 1);
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.False(staging.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(50));
        using var staged = await staging.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(bytes.Length, staged.Length);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), staged.Hash);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(staged.TempPath, TestContext.Current.CancellationToken));
    });

    [Fact]
    public Task An_upload_cancelled_while_it_waits_for_the_budget_leaves_no_file() => InTempFolderAsync(async folder =>
    {
        var bandwidth = Budget(new FakeTimeProvider());
        using var abort = new CancellationTokenSource();
        var staging = BlobStaging.StageAsync(folder, new MemoryStream(new byte[Read * 6]), long.MaxValue, bandwidth, abort.Token);
        await WaitUntilAsync(() => Directory.GetFiles(folder).Length == 1);
        await abort.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => staging.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.Empty(Directory.GetFiles(folder));
    });

    [Fact]
    public void Zero_turns_the_budget_off()
    {
        var bandwidth = new UploadBandwidth(Options.Create(new StorageOptions { UploadBytesPerSecond = 0 }), new FakeTimeProvider());
        for (var i = 0; i < 1000; i++)
        {
            Assert.True(DoneAtOnce(bandwidth.TakeAsync(Read, TestContext.Current.CancellationToken)));
        }
    }

    // A take that fits the budget completes at once, without waiting for the clock.
    private static bool DoneAtOnce(ValueTask take) => take.IsCompletedSuccessfully;

    private static async Task InTempFolderAsync(Func<string, Task> test)
    {
        var folder = Directory.CreateTempSubdirectory("schoolbel-bandwidth-").FullName;
        try
        {
            await test(folder);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        Assert.True(condition());
    }
}
