using Microsoft.Extensions.Caching.Memory;
using Schoolbel.Server.HotReads;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Scaling;

/// <summary>The kinds of <see cref="ClusterBus"/> messages, and what a node does when another node sends one.</summary>
internal static class ClusterMessages
{
    /// <summary>Items: <see cref="HotTags"/> whose entries are stale.</summary>
    public const string CacheTags = "tags";

    /// <summary>Items: ids (N format) of sessions that were ended (sign-out, sign-out everywhere, password change).</summary>
    public const string SessionsEnded = "sessions";

    /// <summary>A school was created or changed: reload the list of schools.</summary>
    public const string Schools = "schools";
}

/// <summary>
/// Connects the caches of this node to <see cref="ClusterBus"/> at start (a hosted service, so
/// it runs before the bus subscribes and no message finds a kind without its handler).
/// </summary>
internal sealed class ClusterLinks(ClusterBus bus, HotCache hotCache, IMemoryCache memory, SchoolDirectory schools) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        bus.On(ClusterMessages.CacheTags, hotCache.InvalidateHere);
        bus.On(ClusterMessages.SessionsEnded, ids =>
        {
            foreach (var id in ids)
            {
                if (Guid.TryParseExact(id, "N", out var sessionId))
                {
                    memory.Remove(SessionStore.CacheKey(sessionId));
                }
            }
        });
        bus.On(ClusterMessages.Schools, _ => schools.InvalidateHere());

        // Messages may have been lost while Redis was away: forget what could be stale. Cached
        // session checks and the list of schools live for seconds only, so they are left to expire.
        bus.Resynced(hotCache.InvalidateAllHere);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
