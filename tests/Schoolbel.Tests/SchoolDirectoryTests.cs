using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Schoolbel.Server.Schools;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests;

/// <summary>The in-memory list of schools on a node that did not create the school itself.</summary>
public sealed class SchoolDirectoryTests(SharedApps apps)
{
    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task A_school_created_on_another_node_is_found_at_the_first_miss_after_a_moment_not_after_the_lists_30_seconds(string provider)
    {
        var app = await apps.GetAsync(provider);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        // "Another node": a directory of its own on the same database, which nobody invalidates.
        using var elsewhere = new SchoolDirectory(app.Services.GetRequiredService<IServiceScopeFactory>(), clock);
        Assert.Null(await elsewhere.FindByCodeAsync("no-such-school", CancellationToken.None)); // loads the list

        var school = await TestSchool.CreateAsync(app);

        // Within 100 ms of the last load a miss stays a miss (unknown codes cost at most ten loads a second)...
        clock.Advance(TimeSpan.FromMilliseconds(50));
        Assert.Null(await elsewhere.FindByCodeAsync(school.Code, CancellationToken.None));
        // ...after that the miss reloads the list, long before its 30 s are up.
        clock.Advance(TimeSpan.FromMilliseconds(60));
        Assert.Equal(school.Id, (await elsewhere.FindByCodeAsync(school.Code, CancellationToken.None))?.Id);

        var next = await TestSchool.CreateAsync(app);
        clock.Advance(TimeSpan.FromMilliseconds(110));
        Assert.Equal(next.Code, (await elsewhere.FindByIdAsync(next.Id, CancellationToken.None))?.Code);
    }
}
