using Schoolbel.Server.Exercises;

namespace Schoolbel.Tests.Exercises;

/// <summary>The Elo-style ability estimate finds a simulated pupil's known ability, and the picker aims at about 75% success.</summary>
public sealed class AdaptiveTests
{
    [Theory]
    [InlineData(-1.5, 1)]
    [InlineData(0.0, 2)]
    [InlineData(1.2, 3)]
    [InlineData(2.5, 4)]
    public void Estimate_converges_on_a_simulated_pupil_of_known_ability(double trueAbility, int seed)
    {
        var random = new Random(seed);
        // A bank of 60 items spread from very easy to very hard.
        var bank = Enumerable.Range(0, 60).Select(i => new Candidate(Guid.NewGuid(), -4 + (8.0 * i / 59))).ToList();
        double ability = 0;
        var answers = 0;
        var recent = new List<Guid>();
        var successes = new List<bool>();
        var wrongInARow = 0;
        for (var n = 0; n < 200; n++)
        {
            var relative = bank.Select(c => c with { Difficulty = c.Difficulty - ability }).ToList();
            var pick = ItemPicker.Pick(relative, 0, wrongInARow >= Elo.StuckAfter, recent, random.Next)!;
            var item = bank.Single(c => c.Id == pick.Id);
            var correct = random.NextDouble() < Elo.Expected(trueAbility, item.Difficulty);
            ability += Elo.Delta(ability, item.Difficulty, correct, answers++);
            wrongInARow = correct ? 0 : wrongInARow + 1;
            recent.Insert(0, item.Id);
            recent = [.. recent.Take(3)];
            if (n >= 100)
            {
                successes.Add(correct);
            }
        }

        Assert.InRange(ability, trueAbility - 0.6, trueAbility + 0.6);
        // Once the estimate has settled the pupil succeeds about three times in four.
        Assert.InRange(successes.Count(s => s) / (double)successes.Count, 0.62, 0.88);
    }

    [Fact]
    public void Picker_aims_at_75_percent_and_a_stuck_pupil_gets_easier_items()
    {
        var bank = Enumerable.Range(-8, 17).Select(i => new Candidate(Guid.NewGuid(), i * 0.5)).ToList();
        var normal = ItemPicker.Pick(bank, 1.0, stuck: false, [], _ => 0)!;
        Assert.InRange(Elo.Expected(1.0, normal.Difficulty), 0.68, 0.82);
        var stuck = ItemPicker.Pick(bank, 1.0, stuck: true, [], _ => 0)!;
        Assert.True(stuck.Difficulty < normal.Difficulty);
        Assert.InRange(Elo.Expected(1.0, stuck.Difficulty), 0.85, 0.95);
        // Items just seen are skipped while others are left.
        var next = ItemPicker.Pick(bank, 1.0, stuck: false, [normal.Id], _ => 0)!;
        Assert.NotEqual(normal.Id, next.Id);
        Assert.Null(ItemPicker.Pick([], 0, false, [], _ => 0));
    }

    [Fact]
    public void Ratings_move_less_as_evidence_grows_and_mastery_is_a_percentage()
    {
        Assert.True(Elo.Delta(0, 0, true, 0) > Elo.Delta(0, 0, true, 100));
        Assert.True(Elo.Delta(0, 0, false, 0) < 0);
        Assert.Equal(100, Elo.MasteryPercent(Elo.MasteryAbility + 1));
        Assert.InRange(Elo.MasteryPercent(0), 50, 60);
        Assert.Equal(3, ExerciseService.Stars(25, 22));
        Assert.Equal(1, ExerciseService.Stars(5, 0));
        Assert.Equal(0, ExerciseService.Stars(4, 4));
    }
}
