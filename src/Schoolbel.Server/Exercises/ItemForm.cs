using System.Globalization;

namespace Schoolbel.Server.Exercises;

/// <summary>
/// The teacher's item form, without JavaScript: one set of fields for every type. The
/// "entries" box holds one line per option (a leading * marks a right one; "text | feedback"
/// adds feedback), accepted answer, blank ("zon | zonne" = accepted answers of one blank),
/// pair ("7 × 2 = 14") or step, depending on the type.
/// </summary>
public sealed record ItemForm(
    ItemKind Kind,
    string? Skill,
    int Difficulty,
    string? Prompt,
    string? Entries,
    string? Answer,
    string? Tolerance,
    string? Unit,
    bool Multiple,
    bool CaseSensitive,
    bool IgnoreDiacritics,
    bool IgnoreWhitespace,
    string? Hints,
    string? CorrectFeedback,
    string? WrongFeedback)
{
    public (ItemInput? Input, string? Problem) ToInput()
    {
        var lines = Lines(Entries);
        var spec = new ItemSpec
        {
            Kind = Kind,
            Prompt = Prompt?.Trim() ?? "",
            Hints = Lines(Hints),
            CorrectFeedback = Empty(CorrectFeedback),
            WrongFeedback = Empty(WrongFeedback),
            Rules = new TextRules(CaseSensitive, IgnoreDiacritics, IgnoreWhitespace),
        };
        switch (Kind)
        {
            case ItemKind.Choice:
                spec = spec with
                {
                    Multiple = Multiple,
                    Options = [.. lines.Select((line, i) =>
                    {
                        var right = line.StartsWith('*');
                        var parts = line.TrimStart('*').Split('|', 2, StringSplitOptions.TrimEntries);
                        return new ChoiceOption(ExerciseCsv.OptionId(i), parts[0], right, parts.Length > 1 ? Empty(parts[1]) : null);
                    })],
                };
                break;
            case ItemKind.Numeric:
                if (!Marker.TryParseNumber(Answer ?? "", out var value))
                {
                    return (null, "Geef het juiste antwoord als getal.");
                }

                var tolerance = 0m;
                if (!string.IsNullOrWhiteSpace(Tolerance) && !Marker.TryParseNumber(Tolerance, out tolerance))
                {
                    return (null, "De marge is een getal.");
                }

                spec = spec with { Value = value, Tolerance = tolerance, Unit = Empty(Unit) };
                break;
            case ItemKind.ShortText:
                spec = spec with { Accepted = lines };
                break;
            case ItemKind.FillBlanks:
                spec = spec with { Blanks = [.. lines.Select(l => (IReadOnlyList<string>)[.. l.Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)])] };
                break;
            case ItemKind.Matching:
                if (lines.Any(l => !l.Contains('=', StringComparison.Ordinal)))
                {
                    return (null, "Schrijf elk paar als links = rechts.");
                }

                spec = spec with { Pairs = [.. lines.Select(l => l.Split('=', 2, StringSplitOptions.TrimEntries)).Select(p => new MatchPair(p[0], p[1]))] };
                break;
            case ItemKind.Ordering:
                spec = spec with { Sequence = lines };
                break;
            case ItemKind.TrueFalse:
                spec = spec with
                {
                    Truth = (Answer ?? "").Trim().ToLower(CultureInfo.InvariantCulture) switch
                    {
                        "true" or "waar" or "juist" => true,
                        "false" or "niet waar" or "onwaar" or "fout" => false,
                        _ => null,
                    },
                };
                break;
            default:
                return (null, "Kies een soort vraag.");
        }

        return (new ItemInput(Skill, Difficulty, spec), null);
    }

    private static List<string> Lines(string? text) =>
        [.. (text ?? "").Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];

    private static string? Empty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
