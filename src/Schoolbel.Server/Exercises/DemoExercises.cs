using System.Globalization;

namespace Schoolbel.Server.Exercises;

/// <summary>The demo school's exercise set "Tafels van 7", so a fresh install has something real to practise.</summary>
internal static class DemoExercises
{
    public const string Skill = "tafels van 7";

    public static (ExerciseSet Set, IReadOnlyList<ExerciseItem> Items) TafelsVan7(Guid schoolId, Guid courseId, Guid teacherId, DateTime now)
    {
        var set = new ExerciseSet { SchoolId = schoolId, CourseId = courseId, Title = "Tafels van 7", CreatedAt = now, CreatedBy = teacherId };
        var specs = new List<(int Level, ItemSpec Spec)>();
        for (var n = 1; n <= 10; n++)
        {
            // 7 × 1, × 2, × 10 are easy; 7 × 7 and 7 × 8 are the classic stumbling blocks.
            var level = n is 1 or 2 or 10 ? 1 : n is 5 or 3 ? 2 : n is 7 or 8 ? 4 : 3;
            specs.Add((level, new ItemSpec
            {
                Kind = ItemKind.Numeric,
                Prompt = string.Create(CultureInfo.InvariantCulture, $"{n} × 7 ="),
                Value = n * 7,
                Hints = [string.Create(CultureInfo.InvariantCulture, $"Tel {n - 1} × 7 = {(n - 1) * 7} en doe er nog 7 bij.")],
            }));
        }

        specs.Add((3, new ItemSpec
        {
            Kind = ItemKind.Choice,
            Prompt = "Hoeveel is 6 × 7?",
            Options = [new("a", "36", false, "Dat is 6 × 6."), new("b", "42", true, "Juist!"), new("c", "48", false, "Dat is 6 × 8.")],
            Hints = ["5 × 7 = 35. Nog één keer 7 erbij."],
        }));
        specs.Add((2, new ItemSpec { Kind = ItemKind.TrueFalse, Prompt = "7 × 4 = 28", Truth = true, Hints = ["Verdubbel 7 × 2 = 14."] }));
        specs.Add((4, new ItemSpec
        {
            Kind = ItemKind.Matching,
            Prompt = "Verbind de som met de uitkomst.",
            Pairs = [new("3 × 7", "21"), new("8 × 7", "56"), new("9 × 7", "63")],
        }));
        specs.Add((5, new ItemSpec { Kind = ItemKind.FillBlanks, Prompt = "[[1]] × 7 = 49 en 7 × [[2]] = 70", Blanks = [["7"], ["10"]] }));
        var items = specs.Select((s, i) => new ExerciseItem
        {
            SchoolId = schoolId,
            CourseId = courseId,
            SetId = set.Id,
            Kind = s.Spec.Kind,
            Skill = Skill,
            Difficulty = Elo.DifficultyRating(s.Level),
            Spec = s.Spec.ToJson(),
            Position = i,
            CreatedAt = now,
        }).ToList();
        return (set, items);
    }
}
