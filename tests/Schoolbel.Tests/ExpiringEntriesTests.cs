using Schoolbel.Server.Documents;

namespace Schoolbel.Tests;

/// <summary>The bounded store of the fast path's caches (<see cref="ExpiringEntries{TKey, TValue}"/>).</summary>
public sealed class ExpiringEntriesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 8, 30, 0, TimeSpan.Zero);

    [Fact]
    public void When_full_it_drops_the_expired_entries_and_when_that_is_not_enough_everything()
    {
        var entries = new ExpiringEntries<int, Entry>(10, e => e.Until);
        for (var i = 0; i < 10; i++)
        {
            entries.Add(i, new Entry(i < 5 ? Now.AddSeconds(-1) : Now.AddSeconds(5)), Now);
        }

        Assert.Equal(10, entries.Count);

        // Full: the five expired ones go, the five others stay, and the new one is added.
        entries.Add(10, new Entry(Now.AddSeconds(5)), Now);
        Assert.Equal(6, entries.Count);
        Assert.False(entries.TryGetValue(0, out _));
        Assert.True(entries.TryGetValue(5, out _));

        // Full of live entries: sweeping frees nothing, so everything goes.
        for (var i = 11; i < 15; i++)
        {
            entries.Add(i, new Entry(Now.AddSeconds(5)), Now);
        }

        entries.Add(15, new Entry(Now.AddSeconds(5)), Now);
        Assert.Equal(1, entries.Count);
        Assert.True(entries.TryGetValue(15, out _));
    }

    [Fact]
    public void Remove_takes_out_only_the_entry_it_was_given()
    {
        var entries = new ExpiringEntries<string, Entry>(10, e => e.Until, StringComparer.Ordinal);
        var first = new Entry(Now);
        entries.Add("a", first, Now);
        entries.Add("a", new Entry(Now.AddSeconds(1)), Now);
        Assert.Equal(1, entries.Count);

        entries.Remove("a", new Entry(Now.AddSeconds(9)));
        Assert.Equal(1, entries.Count);
        entries.Remove("a", first);
        Assert.Equal(0, entries.Count);
    }

    private sealed record Entry(DateTimeOffset Until);
}
