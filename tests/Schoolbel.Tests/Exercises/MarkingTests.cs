using Schoolbel.Server.Exercises;

namespace Schoolbel.Tests.Exercises;

/// <summary>Every item type marked on the server, table-driven, with the edge cases pupils actually type.</summary>
public sealed class MarkingTests
{
    private const ulong Seed = 12345;

    private static readonly ItemSpec SingleChoice = new()
    {
        Kind = ItemKind.Choice,
        Prompt = "7 × 8 =",
        Options = [new("a", "54", false, "Dat is 6 × 9."), new("b", "56", true, "Juist!"), new("c", "63", false)],
    };

    private static readonly ItemSpec MultipleChoice = new()
    {
        Kind = ItemKind.Choice,
        Prompt = "Welke zijn veelvouden van 7?",
        Multiple = true,
        Options = [new("a", "14", true), new("b", "22", false), new("c", "49", true)],
    };

    private static readonly ItemSpec Numeric = new() { Kind = ItemKind.Numeric, Prompt = "0,1 + 0,2 =", Value = 0.3m };
    private static readonly ItemSpec NumericWithUnit = new() { Kind = ItemKind.Numeric, Prompt = "Hoe lang is de lat?", Value = 12.5m, Tolerance = 0.5m, Unit = "cm" };
    private static readonly ItemSpec TextPlain = new() { Kind = ItemKind.ShortText, Prompt = "Schrijf 1 in letters.", Accepted = ["één"] };
    private static readonly ItemSpec TextNoDiacritics = TextPlain with { Rules = new TextRules(IgnoreDiacritics: true) };
    private static readonly ItemSpec TextCaseSensitive = new() { Kind = ItemKind.ShortText, Prompt = "Hoofdstad van België?", Accepted = ["Brussel"], Rules = new TextRules(CaseSensitive: true) };
    private static readonly ItemSpec TextNoSpaces = new() { Kind = ItemKind.ShortText, Prompt = "Telefoonnummer?", Accepted = ["112"], Rules = new TextRules(IgnoreWhitespace: true) };
    private static readonly ItemSpec Blanks = new() { Kind = ItemKind.FillBlanks, Prompt = "De [[1]] schijnt en de [[2]] staat op.", Blanks = [["zon"], ["maan", "mààn"]] };
    private static readonly ItemSpec Matching = new() { Kind = ItemKind.Matching, Prompt = "Verbind", Pairs = [new("7 × 2", "14"), new("7 × 3", "21"), new("7 × 4", "28")] };
    private static readonly ItemSpec Ordering = new() { Kind = ItemKind.Ordering, Prompt = "Van klein naar groot", Sequence = ["7", "14", "21", "28"] };
    private static readonly ItemSpec TrueFalse = new() { Kind = ItemKind.TrueFalse, Prompt = "7 × 7 = 49", Truth = true };

    public static TheoryData<string, string[], bool?> Cases() => new()
    {
        // Single choice: right, wrong, two choices at once (malformed), unknown option (malformed).
        { "single", ["b"], true },
        { "single", ["a"], false },
        { "single", ["a", "b"], null },
        { "single", ["z"], null },
        // Multiple choice: all right ones and nothing else.
        { "multiple", ["a", "c"], true },
        { "multiple", ["c", "a"], true },
        { "multiple", ["a"], false },
        { "multiple", ["a", "b", "c"], false },
        { "multiple", ["a", "a"], null },
        // Numeric: 0.1 + 0.2 is exactly 0.3 (decimal, not binary floating point); comma or point.
        { "numeric", ["0.3"], true },
        { "numeric", ["0,3"], true },
        { "numeric", ["  0,30 "], true },
        { "numeric", ["0.30000000000000004"], false },
        { "numeric", ["3"], false },
        { "numeric", ["drie"], null },
        { "numeric", [""], null },
        { "numeric", ["1e5"], null },
        // Numeric with tolerance and an optional unit.
        { "unit", ["12.5"], true },
        { "unit", ["13 cm"], true },
        { "unit", ["12cm"], true },
        { "unit", ["12,0 CM"], true },
        { "unit", ["11.9"], false },
        { "unit", ["12 m"], false },
        // Short text: case and spaces do not matter by default; accents do unless the item says so.
        { "text", ["één"], true },
        { "text", ["  Één  "], true },
        { "text", ["e\u0301e\u0301n"], true },
        { "text", ["een"], false },
        { "text", [" "], null },
        { "text-ascii", ["Één"], true },
        { "text-ascii", ["een"], true },
        { "text-ascii", ["eén"], true },
        { "text-ascii", ["twee"], false },
        { "text-case", ["Brussel"], true },
        { "text-case", ["brussel"], false },
        { "text-case", ["  Brussel "], true },
        { "text-spaces", ["1 1 2"], true },
        { "text-spaces", ["1  12"], true },
        { "text-spaces", ["113"], false },
        // Fill in the blanks: each blank with its own accepted answers; extra spaces inside collapse.
        { "blanks", ["zon", "maan"], true },
        { "blanks", ["Zon ", "  mààn"], true },
        { "blanks", ["maan", "zon"], false },
        { "blanks", ["zon"], null },
        // True/false.
        { "truefalse", ["true"], true },
        { "truefalse", ["False"], false },
        { "truefalse", ["ja"], null },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Marks_each_item_type(string item, string[] answer, bool? expected)
    {
        var spec = item switch
        {
            "single" => SingleChoice,
            "multiple" => MultipleChoice,
            "numeric" => Numeric,
            "unit" => NumericWithUnit,
            "text" => TextPlain,
            "text-ascii" => TextNoDiacritics,
            "text-case" => TextCaseSensitive,
            "text-spaces" => TextNoSpaces,
            "blanks" => Blanks,
            "truefalse" => TrueFalse,
            _ => throw new ArgumentOutOfRangeException(nameof(item)),
        };

        var mark = Marker.Mark(spec, answer, Seed);

        if (expected is null)
        {
            Assert.True(mark.Malformed, $"'{string.Join("|", answer)}' should be refused as malformed");
            Assert.False(string.IsNullOrWhiteSpace(mark.Problem));
        }
        else
        {
            Assert.False(mark.Malformed, mark.Problem);
            Assert.Equal(expected.Value, mark.Correct);
        }
    }

    [Fact]
    public void Choice_feedback_is_per_option()
    {
        Assert.Equal("Dat is 6 × 9.", Marker.Mark(SingleChoice, ["a"], Seed).Feedback);
        Assert.Equal("Juist!", Marker.Mark(SingleChoice, ["b"], Seed).Feedback);
        Assert.Equal("Let op de eenheid: cm.", Marker.Mark(NumericWithUnit, ["12 m"], Seed).Feedback);
    }

    [Fact]
    public void Matching_and_ordering_are_marked_against_the_shuffle_the_pupil_saw()
    {
        var matching = Marker.View(Matching, Seed, 0);
        Assert.Equal(["7 × 2", "7 × 3", "7 × 4"], matching.Lefts);
        string IdOf(ItemView view, string text) => view.Options.Single(o => o.Text == text).Id;
        Assert.True(Marker.Mark(Matching, [IdOf(matching, "14"), IdOf(matching, "21"), IdOf(matching, "28")], Seed).Correct);
        Assert.False(Marker.Mark(Matching, [IdOf(matching, "21"), IdOf(matching, "14"), IdOf(matching, "28")], Seed).Correct);
        Assert.True(Marker.Mark(Matching, ["1", "2"], Seed).Malformed);
        Assert.True(Marker.Mark(Matching, ["1", "2", "9"], Seed).Malformed);

        var ordering = Marker.View(Ordering, Seed, 0);
        Assert.NotEqual(Ordering.Sequence, ordering.Options.Select(o => o.Text));
        var right = Ordering.Sequence.Select(t => IdOf(ordering, t)).ToArray();
        Assert.True(Marker.Mark(Ordering, right, Seed).Correct);
        Assert.False(Marker.Mark(Ordering, [.. right.Reverse()], Seed).Correct);
        Assert.True(Marker.Mark(Ordering, [right[0], right[0], right[1], right[2]], Seed).Malformed);
        // Another attempt shuffles differently, so the ids of one attempt are no key to another.
        var other = Enumerable.Range(1, 20).Select(s => string.Join(",", Marker.View(Ordering, (ulong)s, 0).Options.Select(o => o.Text))).Distinct().Count();
        Assert.True(other > 5);
    }

    [Fact]
    public void The_view_holds_no_answer_key()
    {
        var specs = new[] { SingleChoice, MultipleChoice, Numeric, NumericWithUnit, TextPlain, Blanks, Matching, Ordering, TrueFalse };
        foreach (var spec in specs)
        {
            var json = System.Text.Json.JsonSerializer.Serialize(Marker.View(spec, Seed, 0), ItemSpec.Json);
            Assert.DoesNotContain("correct", json, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("accepted", json, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("truth", json, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("\"value\"", json, StringComparison.OrdinalIgnoreCase);
        }

        Assert.DoesNotContain("0.3", System.Text.Json.JsonSerializer.Serialize(Marker.View(Numeric, Seed, 0)), StringComparison.Ordinal);
        Assert.DoesNotContain("één", System.Text.Json.JsonSerializer.Serialize(Marker.View(TextPlain, Seed, 0)), StringComparison.Ordinal);
    }

    [Fact]
    public void Authoring_problems_are_named()
    {
        Assert.Empty(Marker.Problems(SingleChoice));
        Assert.NotEmpty(Marker.Problems(SingleChoice with { Options = [new("a", "1", true), new("b", "2", true)] }));
        Assert.NotEmpty(Marker.Problems(Numeric with { Value = null }));
        Assert.NotEmpty(Marker.Problems(Blanks with { Blanks = [["zon"]] }));
        Assert.NotEmpty(Marker.Problems(TextPlain with { Accepted = [" "] }));
        Assert.NotEmpty(Marker.Problems(TrueFalse with { Truth = null }));
        Assert.NotEmpty(Marker.Problems(Ordering with { Sequence = ["1"] }));
    }

    [Fact]
    public void Too_long_or_missing_answers_are_malformed()
    {
        Assert.True(Marker.Mark(TextPlain, [], Seed).Malformed);
        Assert.True(Marker.Mark(TextPlain, null, Seed).Malformed);
        Assert.True(Marker.Mark(TextPlain, [new string('x', 501)], Seed).Malformed);
    }
}
