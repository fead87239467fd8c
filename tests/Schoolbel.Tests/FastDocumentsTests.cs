using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Schoolbel.Server.Documents;
using Schoolbel.Server.HotReads;
using Schoolbel.Server.People;

namespace Schoolbel.Tests;

/// <summary>
/// The download fast path's shared document entries (<see cref="FastDocuments"/>): read from the
/// hot cache once for everyone, ended by any change to the course at once and by the clock.
/// </summary>
public sealed class FastDocumentsTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddHybridCache().Services.BuildServiceProvider();
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly Guid _school = Guid.NewGuid();
    private readonly Guid _course = Guid.NewGuid();
    private readonly Guid _item = Guid.NewGuid();
    private readonly Guid _first = Guid.NewGuid();
    private readonly Guid _second = Guid.NewGuid();
    private readonly HotCache _cache;

    public FastDocumentsTests() =>
        _cache = new HotCache(_services.GetRequiredService<HybridCache>(), _clock, Options.Create(new HotReadsOptions()), NullLogger<HotCache>.Instance);

    public void Dispose() => _services.Dispose();

    [Fact]
    public async Task One_entry_serves_everyone_until_the_course_changes()
    {
        var documents = new FastDocuments(_cache);
        Assert.Null(await documents.FindAsync(_school, _item, null, _clock.GetUtcNow()));

        await FillAsync(current: _first, hidden: false);
        var found = await documents.FindAsync(_school, _item, null, _clock.GetUtcNow());
        Assert.Equal("first", found?.Target.BlobHash);
        Assert.Equal(_course, found?.Course);
        var reads = _cache.Counts()[HotKinds.DownloadItem].Reads;
        Assert.Same(found, await documents.FindAsync(_school, _item, null, _clock.GetUtcNow()));
        Assert.Equal(reads, _cache.Counts()[HotKinds.DownloadItem].Reads);

        // A teacher hides it and adds a version: the course's tag ends the entry at once, and
        // until the full path loads the item again the fast path finds nothing.
        _cache.Invalidate(HotTags.Course(_course));
        Assert.Null(await documents.FindAsync(_school, _item, null, _clock.GetUtcNow()));
        await FillAsync(current: _second, hidden: true);
        var after = await documents.FindAsync(_school, _item, null, _clock.GetUtcNow());
        Assert.Equal("second", after?.Target.BlobHash);
        Assert.True(after?.Item.Hidden);

        // A named version is an entry of its own.
        Assert.Equal("first", (await documents.FindAsync(_school, _item, _first, _clock.GetUtcNow()))?.Target.BlobHash);
        Assert.Equal(2, documents.Count);
    }

    [Fact]
    public async Task An_entry_is_read_again_from_the_hot_cache_after_its_lifetime()
    {
        var documents = new FastDocuments(_cache);
        await FillAsync(current: _first, hidden: false);
        var found = await documents.FindAsync(_school, _item, null, _clock.GetUtcNow());

        _clock.Advance(FastDocuments.Lifetime - TimeSpan.FromMilliseconds(1));
        Assert.Same(found, await documents.FindAsync(_school, _item, null, _clock.GetUtcNow()));
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        var reads = _cache.Counts()[HotKinds.DownloadItem].Reads;
        var again = await documents.FindAsync(_school, _item, null, _clock.GetUtcNow());
        Assert.NotNull(found);
        Assert.NotNull(again);
        Assert.NotSame(found, again);
        Assert.Equal(found, again with { Stamp = found.Stamp, Until = found.Until, Tags = found.Tags });
        Assert.Equal(reads + 1, _cache.Counts()[HotKinds.DownloadItem].Reads);
    }

    [Fact]
    public void The_short_key_forms_are_the_general_keys()
    {
        Assert.Equal(HotKeys.Of("k", _school, [_item]), HotKeys.Of("k", _school, _item));
        Assert.Equal(HotKeys.Of("k", _school, [_course, _item]), HotKeys.Of("k", _school, _course, _item));
        Assert.Equal(HotKeys.Of("viewer", _school, [_course, _item, PersonRole.SchoolAdmin]), HotKeys.Of("viewer", _school, _course, _item, PersonRole.SchoolAdmin.ToString()));
        Assert.Equal($"sb:k:{_school:N}:{_item:N}", HotKeys.Of("k", _school, _item));
    }

    /// <summary>What the full path leaves in the hot cache after a download of the item.</summary>
    private async Task FillAsync(Guid current, bool hidden)
    {
        var stamp = _cache.Stamp();
        string[] tags = [HotTags.Course(_course)];
        Assert.True(await _cache.SetAsync<Guid?>(HotKinds.DownloadCourse, DocumentDownloads.CourseKey(_school, _item), [], _course, stamp));
        Assert.True(await _cache.SetAsync(HotKinds.DownloadItem, DocumentDownloads.ItemKey(_school, _course, _item), tags, new DownloadItemState(null, current, hidden, false), stamp));
        foreach (var (version, hash) in new[] { (_first, "first"), (_second, "second") })
        {
            var target = new DownloadTarget(hash, "application/pdf", hash + ".pdf", 10, _clock.GetUtcNow().UtcDateTime);
            Assert.True(await _cache.SetAsync(HotKinds.DownloadVersion, DocumentDownloads.VersionKey(_school, _item, version), [], target, stamp));
        }
    }
}
