using System.Text.Json;
using System.Text.Json.Serialization;

namespace Schoolbel.Server.Exercises;

/// <summary>The seven item types of the issue; multiple choice has one or several right options.</summary>
public enum ItemKind
{
    Choice = 1,
    Numeric = 2,
    ShortText = 3,
    FillBlanks = 4,
    Matching = 5,
    Ordering = 6,
    TrueFalse = 7,
}

/// <summary>An option of a choice item, with the feedback a pupil gets for choosing it.</summary>
public sealed record ChoiceOption(string Id, string Text, bool Correct, string? Feedback = null);

/// <summary>How a typed answer is compared with the accepted ones.</summary>
public sealed record TextRules(bool CaseSensitive = false, bool IgnoreDiacritics = false, bool IgnoreWhitespace = false);

/// <summary>A pair of a matching item: the pupil matches each left entry with its right entry.</summary>
public sealed record MatchPair(string Left, string Right);

/// <summary>
/// What defines one item: its type, prompt and the answer key. Stored as JSON on
/// <see cref="ExerciseItem"/> and never sent to the browser (the browser gets <see cref="ItemView"/>).
/// Only the fields of its <see cref="Kind"/> are used.
/// </summary>
public sealed record ItemSpec
{
    public required ItemKind Kind { get; init; }

    /// <summary>The question. For fill in the blanks, each blank is written <c>[[1]]</c>, <c>[[2]]</c>, ...</summary>
    public required string Prompt { get; init; }

    /// <summary>Choice: the options (several may be right when <see cref="Multiple"/>).</summary>
    public IReadOnlyList<ChoiceOption> Options { get; init; } = [];

    /// <summary>Choice: the pupil picks every right option, not one.</summary>
    public bool Multiple { get; init; }

    /// <summary>Numeric: the right value, how far off still counts, and the unit the pupil may add.</summary>
    public decimal? Value { get; init; }
    public decimal Tolerance { get; init; }
    public string? Unit { get; init; }

    /// <summary>Short text: accepted answers. Fill in the blanks: per blank, its accepted answers.</summary>
    public IReadOnlyList<string> Accepted { get; init; } = [];
    public IReadOnlyList<IReadOnlyList<string>> Blanks { get; init; } = [];
    public TextRules Rules { get; init; } = new();

    /// <summary>Matching: the right pairs.</summary>
    public IReadOnlyList<MatchPair> Pairs { get; init; } = [];

    /// <summary>Ordering: the entries in their right order.</summary>
    public IReadOnlyList<string> Sequence { get; init; } = [];

    /// <summary>True/false: the right answer.</summary>
    public bool? Truth { get; init; }

    /// <summary>Feedback on a right and a wrong answer (choice options may carry their own).</summary>
    public string? CorrectFeedback { get; init; }
    public string? WrongFeedback { get; init; }

    /// <summary>Hints, shown one by one to a pupil who is stuck.</summary>
    public IReadOnlyList<string> Hints { get; init; } = [];

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static ItemSpec FromJson(string json) =>
        JsonSerializer.Deserialize<ItemSpec>(json, Json) ?? throw new JsonException("Empty item.");

    /// <summary>The number of blanks in a fill-in-the-blanks prompt.</summary>
    public static int CountBlanks(string prompt)
    {
        var count = 0;
        while (prompt.Contains($"[[{count + 1}]]", StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}

/// <summary>
/// What a pupil's browser gets of an item: the prompt and what to choose from, never which
/// option is right. Ordering entries and matching right-hand entries come shuffled (per
/// attempt, so a reload shows the same order); each carries an id the answer refers to.
/// </summary>
public sealed record ItemView(
    ItemKind Kind,
    string Prompt,
    bool Multiple,
    string? Unit,
    int BlankCount,
    IReadOnlyList<ViewOption> Options,
    IReadOnlyList<string> Lefts,
    IReadOnlyList<string> Hints);

/// <summary>Something to pick or place, by id.</summary>
public sealed record ViewOption(string Id, string Text);
