using System.Globalization;
using System.Text;

namespace Schoolbel.Server.Exercises;

/// <summary>The result of marking one answer: right or wrong with feedback, or why the answer cannot be marked.</summary>
public sealed record Mark(bool Correct, string? Feedback, string? Problem = null)
{
    public bool Malformed => Problem is not null;

    public static Mark Bad(string problem) => new(false, null, problem);
}

/// <summary>
/// Marks answers on the server. An answer is a list of strings whatever the item type (chosen
/// option ids; one number or text; one text per blank; per left entry the id of the chosen right
/// entry; entry ids in the chosen order; "true" or "false"), so the form and the API post the same.
/// Pure and allocation-light: it runs for every one of millions of answers a day.
/// </summary>
public static class Marker
{
    public const int MaxAnswerLength = 500;

    public static Mark Mark(ItemSpec spec, IReadOnlyList<string>? values, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (values is null || values.Count == 0)
        {
            return Exercises.Mark.Bad("Er is geen antwoord.");
        }

        if (values.Count > 100 || values.Any(v => v is null || v.Length > MaxAnswerLength))
        {
            return Exercises.Mark.Bad("Het antwoord is te lang.");
        }

        return spec.Kind switch
        {
            ItemKind.Choice => MarkChoice(spec, values),
            ItemKind.Numeric => MarkNumeric(spec, values),
            ItemKind.ShortText => MarkText(spec, values),
            ItemKind.FillBlanks => MarkBlanks(spec, values),
            ItemKind.Matching => MarkMatching(spec, values, seed),
            ItemKind.Ordering => MarkOrdering(spec, values, seed),
            ItemKind.TrueFalse => MarkTrueFalse(spec, values),
            _ => Exercises.Mark.Bad("Onbekend soort vraag."),
        };
    }

    /// <summary>The browser's view of an item: no answer key; entries to place come shuffled by the attempt's seed.</summary>
    public static ItemView View(ItemSpec spec, ulong seed, int hintsShown)
    {
        ArgumentNullException.ThrowIfNull(spec);
        IReadOnlyList<ViewOption> options = spec.Kind switch
        {
            ItemKind.Choice => [.. spec.Options.Select(o => new ViewOption(o.Id, o.Text))],
            ItemKind.Matching => Numbered(Shuffled(spec.Pairs.Select(p => p.Right).ToList(), seed)),
            ItemKind.Ordering => Numbered(Shuffled(spec.Sequence, seed)),
            ItemKind.TrueFalse => [new ViewOption("true", "Waar"), new ViewOption("false", "Niet waar")],
            _ => [],
        };
        return new ItemView(
            spec.Kind,
            spec.Prompt,
            spec.Multiple,
            spec.Unit,
            spec.Kind == ItemKind.FillBlanks ? spec.Blanks.Count : 0,
            options,
            spec.Kind == ItemKind.Matching ? [.. spec.Pairs.Select(p => p.Left)] : [],
            [.. spec.Hints.Take(Math.Clamp(hintsShown, 0, spec.Hints.Count))]);
    }

    /// <summary>What an authored item lacks, in Dutch; empty when it can be used.</summary>
    public static IReadOnlyList<string> Problems(ItemSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(spec.Prompt))
        {
            problems.Add("Geef de vraag.");
        }

        switch (spec.Kind)
        {
            case ItemKind.Choice:
                if (spec.Options.Count < 2)
                {
                    problems.Add("Geef minstens twee keuzes.");
                }

                var right = spec.Options.Count(o => o.Correct);
                if (right == 0 || (!spec.Multiple && right != 1))
                {
                    problems.Add(spec.Multiple ? "Duid minstens één juiste keuze aan." : "Duid precies één juiste keuze aan.");
                }

                if (spec.Options.Select(o => o.Id).Distinct(StringComparer.Ordinal).Count() != spec.Options.Count || spec.Options.Any(o => string.IsNullOrWhiteSpace(o.Id) || string.IsNullOrWhiteSpace(o.Text)))
                {
                    problems.Add("Elke keuze heeft een tekst en een eigen code.");
                }

                break;
            case ItemKind.Numeric:
                if (spec.Value is null)
                {
                    problems.Add("Geef het juiste getal.");
                }

                if (spec.Tolerance < 0)
                {
                    problems.Add("De marge kan niet negatief zijn.");
                }

                break;
            case ItemKind.ShortText:
                if (!spec.Accepted.Any(a => !string.IsNullOrWhiteSpace(a)))
                {
                    problems.Add("Geef minstens één goed antwoord.");
                }

                break;
            case ItemKind.FillBlanks:
                var blanks = ItemSpec.CountBlanks(spec.Prompt ?? "");
                if (blanks == 0)
                {
                    problems.Add("Zet in de tekst de open plaatsen als [[1]], [[2]], ...");
                }
                else if (spec.Blanks.Count != blanks || spec.Blanks.Any(b => !b.Any(a => !string.IsNullOrWhiteSpace(a))))
                {
                    problems.Add($"Geef voor elk van de {blanks} open plaatsen minstens één goed antwoord.");
                }

                break;
            case ItemKind.Matching:
                if (spec.Pairs.Count < 2 || spec.Pairs.Any(p => string.IsNullOrWhiteSpace(p.Left) || string.IsNullOrWhiteSpace(p.Right)))
                {
                    problems.Add("Geef minstens twee volledige paren.");
                }

                break;
            case ItemKind.Ordering:
                if (spec.Sequence.Count < 2 || spec.Sequence.Any(string.IsNullOrWhiteSpace))
                {
                    problems.Add("Geef minstens twee stappen in de juiste volgorde.");
                }

                break;
            case ItemKind.TrueFalse:
                if (spec.Truth is null)
                {
                    problems.Add("Zeg of de uitspraak waar is.");
                }

                break;
            default:
                problems.Add("Onbekend soort vraag.");
                break;
        }

        return problems;
    }

    /// <summary>
    /// The form a typed answer is compared in: Unicode-composed (so "É" typed two ways is one
    /// letter), spaces at the ends dropped and runs of spaces made one (or all dropped), and
    /// optionally without case and accents.
    /// </summary>
    public static string Normalize(string text, TextRules rules)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(rules);
        var composed = text.Normalize(NormalizationForm.FormD);
        var builder = new StringBuilder(composed.Length);
        var space = false;
        foreach (var c in composed)
        {
            if (char.IsWhiteSpace(c))
            {
                space = builder.Length > 0;
                continue;
            }

            if (rules.IgnoreDiacritics && CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark)
            {
                continue;
            }

            if (space && !rules.IgnoreWhitespace)
            {
                builder.Append(' ');
            }

            space = false;
            builder.Append(rules.CaseSensitive ? c : char.ToLowerInvariant(c));
        }

        return builder.ToString().Normalize(NormalizationForm.FormC);
    }

    /// <summary>Reads a number as pupils type it: "0,3", "0.3", "-12", "1 250" is not accepted (ambiguous).</summary>
    public static bool TryParseNumber(string text, out decimal value)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim().Replace(',', '.');
        return decimal.TryParse(trimmed, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>A deterministic shuffle (never the original order when there are two or more) from an attempt's seed.</summary>
    public static IReadOnlyList<T> Shuffled<T>(IReadOnlyList<T> items, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(items);
        var result = items.ToArray();
        var state = seed;
        for (var i = result.Length - 1; i > 0; i--)
        {
            var j = (int)(SplitMix(ref state) % (ulong)(i + 1));
            (result[i], result[j]) = (result[j], result[i]);
        }

        if (result.Length > 1 && result.SequenceEqual(items))
        {
            // An unshuffled list would show the answer of an ordering item.
            result = [.. result[1..], result[0]];
        }

        return result;
    }

    private static ulong SplitMix(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static List<ViewOption> Numbered(IReadOnlyList<string> texts) =>
        [.. texts.Select((t, i) => new ViewOption((i + 1).ToString(CultureInfo.InvariantCulture), t))];

    private static Mark Result(ItemSpec spec, bool correct, string? specific = null) =>
        new(correct, specific ?? (correct ? spec.CorrectFeedback : spec.WrongFeedback));

    private static Mark MarkChoice(ItemSpec spec, IReadOnlyList<string> values)
    {
        if (!spec.Multiple && values.Count != 1)
        {
            return Exercises.Mark.Bad("Kies precies één antwoord.");
        }

        var chosen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            if (!spec.Options.Any(o => o.Id == value))
            {
                return Exercises.Mark.Bad("Die keuze hoort niet bij deze vraag.");
            }

            if (!chosen.Add(value))
            {
                return Exercises.Mark.Bad("Elke keuze mag maar één keer.");
            }
        }

        var correct = spec.Options.All(o => o.Correct == chosen.Contains(o.Id));
        var feedback = spec.Multiple ? null : spec.Options.First(o => o.Id == values[0]).Feedback;
        return Result(spec, correct, feedback);
    }

    private static Mark MarkNumeric(ItemSpec spec, IReadOnlyList<string> values)
    {
        if (values.Count != 1)
        {
            return Exercises.Mark.Bad("Geef één getal.");
        }

        var text = values[0].Trim();
        if (!string.IsNullOrEmpty(spec.Unit) && text.EndsWith(spec.Unit, StringComparison.OrdinalIgnoreCase))
        {
            text = text[..^spec.Unit.Length].TrimEnd();
        }

        if (TryParseNumber(text, out var number))
        {
            return Result(spec, spec.Value is { } right && Math.Abs(number - right) <= spec.Tolerance);
        }

        // "12 m" where centimetres were asked is a wrong answer, not a broken one.
        var numberPart = new string([.. text.TakeWhile(c => char.IsDigit(c) || c is '.' or ',' or '-' or '+')]);
        if (numberPart.Length > 0 && TryParseNumber(numberPart, out _) && !string.IsNullOrEmpty(spec.Unit))
        {
            return Result(spec, false, $"Let op de eenheid: {spec.Unit}.");
        }

        return Exercises.Mark.Bad("Dat is geen getal.");
    }

    private static bool Accepts(IEnumerable<string> accepted, string answer, TextRules rules)
    {
        var given = Normalize(answer, rules);
        return accepted.Any(a => string.Equals(Normalize(a, rules), given, StringComparison.Ordinal));
    }

    private static Mark MarkText(ItemSpec spec, IReadOnlyList<string> values)
    {
        if (values.Count != 1)
        {
            return Exercises.Mark.Bad("Geef één antwoord.");
        }

        if (string.IsNullOrWhiteSpace(values[0]))
        {
            return Exercises.Mark.Bad("Vul een antwoord in.");
        }

        return Result(spec, Accepts(spec.Accepted, values[0], spec.Rules));
    }

    private static Mark MarkBlanks(ItemSpec spec, IReadOnlyList<string> values)
    {
        if (values.Count != spec.Blanks.Count)
        {
            return Exercises.Mark.Bad($"Vul alle {spec.Blanks.Count} open plaatsen in.");
        }

        var correct = true;
        for (var i = 0; i < values.Count; i++)
        {
            correct &= Accepts(spec.Blanks[i], values[i], spec.Rules);
        }

        return Result(spec, correct);
    }

    private static Mark MarkMatching(ItemSpec spec, IReadOnlyList<string> values, ulong seed)
    {
        if (values.Count != spec.Pairs.Count)
        {
            return Exercises.Mark.Bad("Verbind elk woord links met één woord rechts.");
        }

        var rights = Shuffled(spec.Pairs.Select(p => p.Right).ToList(), seed);
        var correct = true;
        for (var i = 0; i < values.Count; i++)
        {
            if (!TryPosition(values[i], rights.Count, out var position))
            {
                return Exercises.Mark.Bad("Die keuze hoort niet bij deze vraag.");
            }

            // By text, so two left entries with the same right entry both count.
            correct &= string.Equals(rights[position], spec.Pairs[i].Right, StringComparison.Ordinal);
        }

        return Result(spec, correct);
    }

    private static Mark MarkOrdering(ItemSpec spec, IReadOnlyList<string> values, ulong seed)
    {
        if (values.Count != spec.Sequence.Count)
        {
            return Exercises.Mark.Bad("Zet alle stappen in een volgorde.");
        }

        var shown = Shuffled(spec.Sequence, seed);
        var used = new HashSet<int>();
        var correct = true;
        for (var i = 0; i < values.Count; i++)
        {
            if (!TryPosition(values[i], shown.Count, out var position) || !used.Add(position))
            {
                return Exercises.Mark.Bad("Gebruik elke stap precies één keer.");
            }

            correct &= string.Equals(shown[position], spec.Sequence[i], StringComparison.Ordinal);
        }

        return Result(spec, correct);
    }

    private static Mark MarkTrueFalse(ItemSpec spec, IReadOnlyList<string> values)
    {
        if (values.Count != 1 || !bool.TryParse(values[0].Trim(), out var answer))
        {
            return Exercises.Mark.Bad("Kies waar of niet waar.");
        }

        return Result(spec, spec.Truth == answer);
    }

    private static bool TryPosition(string id, int count, out int position)
    {
        var ok = int.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= 1 && number <= count;
        position = ok ? number - 1 : -1;
        return ok;
    }
}
