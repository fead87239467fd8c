using System.Collections.Frozen;
using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Data;

namespace Schoolbel.Server.Schools;

/// <summary>
/// All schools by code, held in memory. Resolving the school happens on every request, so it
/// must not touch the database; a few thousand schools fit easily. The list is reloaded at most
/// every <see cref="MaxAge"/> and at once on this node after a change. A school another node just
/// created is found at once too: a miss reloads the list first if it is older than
/// <see cref="MissAge"/>. Unknown codes (anyone can type one) thus cost at most ten small queries
/// a second per node, one at a time.
/// </summary>
public sealed class SchoolDirectory(IServiceScopeFactory scopes, TimeProvider time, Scaling.ClusterBus? bus = null) : IDisposable
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MissAge = TimeSpan.FromMilliseconds(100);
    private readonly SemaphoreSlim _reload = new(1, 1);
    private volatile Snapshot? _snapshot;

    // Bumped by every invalidation. A reload that began before one (its query may have missed
    // the school just created) answers its caller but is not kept: keeping it would hide the
    // new school for MaxAge, and its token's requests would find no school.
    private long _generation;

    public async ValueTask<SchoolInfo?> FindByCodeAsync(string code, CancellationToken cancellationToken)
    {
        var snapshot = await CurrentAsync(MaxAge, cancellationToken);
        if (snapshot.ByCode.TryGetValue(code, out var found))
        {
            return found;
        }

        return (await CurrentAsync(MissAge, cancellationToken)).ByCode.GetValueOrDefault(code);
    }

    public async ValueTask<SchoolInfo?> FindByIdAsync(Guid id, CancellationToken cancellationToken)
    {
        var snapshot = await CurrentAsync(MaxAge, cancellationToken);
        if (snapshot.ById.TryGetValue(id, out var found))
        {
            return found;
        }

        return (await CurrentAsync(MissAge, cancellationToken)).ById.GetValueOrDefault(id);
    }

    public void Dispose() => _reload.Dispose();

    /// <summary>Call after creating or changing a school: reloads here at once, and on the other nodes (with Redis) within a round trip.</summary>
    public void Invalidate()
    {
        InvalidateHere();
        bus?.Publish(Scaling.ClusterMessages.Schools, ["*"]);
    }

    /// <summary>Reloads on this node only (another node changed a school).</summary>
    internal void InvalidateHere()
    {
        Interlocked.Increment(ref _generation);
        _snapshot = null;
    }

    private async ValueTask<Snapshot> CurrentAsync(TimeSpan maxAge, CancellationToken cancellationToken)
    {
        var snapshot = _snapshot;
        if (snapshot is not null && time.GetUtcNow() - snapshot.LoadedAt < maxAge)
        {
            return snapshot;
        }

        // Single flight: one reload at a time; the others wait for it rather than all querying.
        await _reload.WaitAsync(cancellationToken);
        try
        {
            snapshot = _snapshot;
            if (snapshot is not null && time.GetUtcNow() - snapshot.LoadedAt < maxAge)
            {
                return snapshot;
            }

            var generation = Interlocked.Read(ref _generation);
            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
            var rows = await db.Schools.AsNoTracking()
                .Select(s => new
                {
                    Info = new SchoolInfo(
                        s.Id, s.Code, s.Name, s.DefaultLanguage, s.StaySignedInByDefaultForPupils, s.AllowSimplePupilPasswords,
                        s.RequireTwoFactorForStaff, s.QrSignInNetworks, s.OidcAuthority == null ? null : s.OidcDisplayName ?? "School", null),
                    s.OidcAuthority,
                    s.OidcClientId,
                    s.OidcClientSecret,
                })
                .ToListAsync(cancellationToken);
            var schools = rows
                .Select(r => r.Info with { OidcSettingsStamp = OidcStamp(r.OidcAuthority, r.OidcClientId, r.OidcClientSecret) })
                .ToList();
            snapshot = new Snapshot(
                schools.ToFrozenDictionary(s => s.Code, StringComparer.Ordinal),
                schools.ToFrozenDictionary(s => s.Id),
                time.GetUtcNow());
            if (Interlocked.Read(ref _generation) == generation)
            {
                _snapshot = snapshot;
            }

            return snapshot;
        }
        finally
        {
            _reload.Release();
        }
    }

    /// <summary>
    /// A fingerprint of the identity provider settings, so the sign-in handler of a school is
    /// rebuilt when they change, on every node, without keeping the (protected) secret in memory here.
    /// </summary>
    private static string? OidcStamp(string? authority, string? clientId, string? protectedSecret)
    {
        if (authority is null)
        {
            return null;
        }

        var bytes = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(authority + "\n" + clientId + "\n" + protectedSecret));
        return Convert.ToHexString(bytes, 0, 12);
    }

    private sealed record Snapshot(
        FrozenDictionary<string, SchoolInfo> ByCode,
        FrozenDictionary<Guid, SchoolInfo> ById,
        DateTimeOffset LoadedAt);
}
