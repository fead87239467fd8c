namespace Schoolbel.Server.Exercises;

/// <summary>
/// An Elo-style rating of pupil against item on the logit scale (the Rasch model): the chance
/// that a pupil of ability θ answers an item of difficulty b right is 1 / (1 + e^-(θ - b)).
/// After an answer the ability moves by K · (result − expected); K shrinks with the number of
/// answers (Pelánek's uncertainty function), so a new pupil finds their level in a few items
/// and a seasoned one is not thrown about by one slip.
/// </summary>
public static class Elo
{
    /// <summary>The success rate practice aims at: hard enough to learn, easy enough to keep going.</summary>
    public const double TargetSuccess = 0.75;

    /// <summary>What a stuck pupil gets: easy items, to get going again.</summary>
    public const double StuckSuccess = 0.9;

    /// <summary>Wrong answers in a row (in one skill) that make a pupil stuck: easier items and hints.</summary>
    public const int StuckAfter = 3;

    /// <summary>Ability above which a skill counts as mastered: 90% on a middle (difficulty 0) item.</summary>
    public const double MasteryAbility = 2.2;

    /// <summary>Teachers pick a difficulty 1–5; it becomes a starting rating around 0.</summary>
    public static double DifficultyRating(int level) => (Math.Clamp(level, 1, 5) - 3) * 1.0;

    public static double Expected(double ability, double difficulty) => 1.0 / (1.0 + Math.Exp(difficulty - ability));

    /// <summary>K after <paramref name="answers"/> earlier answers: 0.8 at first, towards 0.15.</summary>
    public static double K(int answers) => Math.Max(0.15, 0.8 / (1.0 + (0.08 * answers)));

    /// <summary>How much an answer moves the pupil's ability.</summary>
    public static double Delta(double ability, double difficulty, bool correct, int answers) =>
        K(answers) * ((correct ? 1.0 : 0.0) - Expected(ability, difficulty));

    /// <summary>The difficulty at which a pupil of this ability succeeds with probability <paramref name="success"/>.</summary>
    public static double TargetDifficulty(double ability, double success) => ability - Math.Log(success / (1.0 - success));

    /// <summary>Mastery as shown to the pupil, 0–100: the chance of answering a middle item right, scaled to the mastery line.</summary>
    public static int MasteryPercent(double ability) =>
        (int)Math.Round(100 * Math.Clamp(Expected(ability, 0) / Expected(MasteryAbility, 0), 0, 1));
}

/// <summary>A candidate item for the next question.</summary>
public sealed record Candidate(Guid Id, double Difficulty);

/// <summary>
/// Picks the next item: the one whose difficulty is closest to where the pupil is expected to
/// succeed 75% of the time (90% when stuck), skipping the items just seen; among items about
/// equally close it picks at random, so pupils of one class do not all get the same sequence.
/// </summary>
public static class ItemPicker
{
    public static Candidate? Pick(IReadOnlyList<Candidate> pool, double ability, bool stuck, IReadOnlyCollection<Guid> recent, Func<int, int> random)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(recent);
        ArgumentNullException.ThrowIfNull(random);
        if (pool.Count == 0)
        {
            return null;
        }

        var target = Elo.TargetDifficulty(ability, stuck ? Elo.StuckSuccess : Elo.TargetSuccess);
        var fresh = pool.Where(c => !recent.Contains(c.Id)).ToList();
        var choices = fresh.Count > 0 ? fresh : [.. pool];
        var best = choices.Min(c => Math.Abs(c.Difficulty - target));
        // Within a quarter logit of the best the expected success differs by under 5 points.
        var near = choices.Where(c => Math.Abs(c.Difficulty - target) <= best + 0.25).ToList();
        if (stuck)
        {
            // Stuck means easier, even when the closest item happens to be above the target.
            var easier = near.Where(c => c.Difficulty <= target + 0.25).ToList();
            near = easier.Count > 0 ? easier : near;
        }

        return near[random(near.Count)];
    }
}
