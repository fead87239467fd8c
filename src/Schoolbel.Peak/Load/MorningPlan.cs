using Schoolbel.Peak.Journeys;
using Schoolbel.Peak.Population;
using Schoolbel.Peak.Results;

namespace Schoolbel.Peak.Load;

/// <summary>
/// Decides, before anything is sent, who arrives when and how they get in: the arrival times
/// from the profile, a role and a journey kind per arrival, the account for password sign-ins,
/// and the accounts the warm-up signs in for resumed ones. All from one seed, so a run repeats.
/// </summary>
internal static class MorningPlan
{
    public static IReadOnlyList<(Role Role, double Share)> RoleShares(double teacherShare, double parentShare) =>
    [
        (Role.Pupil, Math.Max(0, 1 - teacherShare - parentShare)),
        (Role.Teacher, teacherShare),
        (Role.Parent, parentShare),
    ];

    /// <summary>
    /// Accounts to sign in during the warm-up: <paramref name="sessions"/> in all, split over the
    /// roles by <paramref name="weights"/> (at least one for every role with weight), and never more
    /// for a role than it has resumed journeys (<paramref name="caps"/>, when known).
    /// </summary>
    public static SessionPool PlanSessions(
        SeedPopulation population, int sessions, IReadOnlyList<(Role Role, double Weight)> weights,
        IReadOnlyDictionary<Role, int>? caps, int seed)
    {
        ArgumentNullException.ThrowIfNull(population);
        ArgumentNullException.ThrowIfNull(weights);
        // CA5394: reproducible from --seed on purpose.
#pragma warning disable CA5394
        var random = new Random(seed);
#pragma warning restore CA5394
        var pool = new SessionPool();
        var total = weights.Sum(w => w.Weight);
        foreach (var (role, weight) in weights)
        {
            if (weight <= 0 || total <= 0 || sessions <= 0)
            {
                continue;
            }

            var count = Math.Max(1, (int)Math.Round(sessions * weight / total));
            if (caps is not null)
            {
                count = Math.Min(count, caps.GetValueOrDefault(role));
            }

            pool.Plan(role, DistinctPicks(population, role, count, random));
        }

        return pool;
    }

    /// <summary>
    /// <paramref name="count"/> accounts of <paramref name="role"/>, each a different one while the
    /// population allows: two sessions of one pupil would be one pupil in two browsers at once
    /// (practising, the second would answer a question the first already answered). When the
    /// population is nearly used up a repeat is accepted after a few tries.
    /// </summary>
    private static IEnumerable<Identity> DistinctPicks(SeedPopulation population, Role role, int count, Random random)
    {
        const int Tries = 50;
        var taken = new HashSet<(string School, string Username)>();
        for (var n = 0; n < count; n++)
        {
            var pick = population.Pick(role, random);
            for (var attempt = 1; attempt < Tries && taken.Contains((pick.School, pick.Username)); attempt++)
            {
                pick = population.Pick(role, random);
            }

            taken.Add((pick.School, pick.Username));
            yield return pick;
        }
    }

    /// <summary>Roles and kinds for each arrival time; accounts for the password journeys.</summary>
    public static IReadOnlyList<Arrival> PlanArrivals(
        IReadOnlyList<TimeSpan> offsets, SeedPopulation population, double resumeShare,
        IReadOnlyList<(Role Role, double Share)> roleShares, int seed)
    {
        ArgumentNullException.ThrowIfNull(offsets);
        ArgumentNullException.ThrowIfNull(population);
        ArgumentNullException.ThrowIfNull(roleShares);
#pragma warning disable CA5394 // reproducible from --seed on purpose
        var random = new Random(seed);
        var arrivals = new List<Arrival>(offsets.Count);
        var resumedPerRole = new Dictionary<Role, int>();
        for (var i = 0; i < offsets.Count; i++)
        {
            var role = PickRole(roleShares, random.NextDouble());
            var resumed = random.NextDouble() < resumeShare;
            if (resumed)
            {
                var index = resumedPerRole.GetValueOrDefault(role);
                resumedPerRole[role] = index + 1;
                arrivals.Add(new Arrival(i, offsets[i], role, JourneyKind.Resumed, null, index));
            }
            else
            {
                arrivals.Add(new Arrival(i, offsets[i], role, JourneyKind.Password, population.Pick(role, random), 0));
            }
        }
#pragma warning restore CA5394

        return arrivals;
    }

    public static Dictionary<Role, int> ResumedPerRole(IEnumerable<Arrival> arrivals) =>
        arrivals.Where(a => a.Kind == JourneyKind.Resumed).GroupBy(a => a.Role).ToDictionary(g => g.Key, g => g.Count());

    private static Role PickRole(IReadOnlyList<(Role Role, double Share)> shares, double draw)
    {
        var total = shares.Sum(s => s.Share);
        var point = draw * total;
        foreach (var (role, share) in shares)
        {
            if (point < share)
            {
                return role;
            }

            point -= share;
        }

        return shares.Last(s => s.Share > 0).Role;
    }
}
