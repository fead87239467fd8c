using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;

namespace Schoolbel.Server.Exercises;

/// <summary>
/// CSV for simple sets (numeric and multiple choice), one item per row:
/// <c>type,skill,difficulty,question,answer,options,tolerance,unit,hint</c>. type is
/// <c>numeric</c> or <c>choice</c>; for choice, options and the right answer(s) are separated by
/// <c>|</c> (several right answers make a multiple-answer item). Comma or semicolon both work
/// (Excel in Flanders writes semicolons); numbers take a decimal point or comma.
/// </summary>
public static class ExerciseCsv
{
    public const int MaxRows = 500;
    private static readonly string[] Columns = ["type", "skill", "difficulty", "question", "answer", "options", "tolerance", "unit", "hint"];

    public static (IReadOnlyList<ItemInput> Items, IReadOnlyList<string> Errors) Read(TextReader text)
    {
        var items = new List<ItemInput>();
        var errors = new List<string>();
        var config = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            PrepareHeaderForMatch = args => args.Header.Trim().ToLowerInvariant(),
            DetectDelimiter = true,
            TrimOptions = TrimOptions.Trim,
            BadDataFound = null,
            MissingFieldFound = null,
        };
        using var csv = new CsvReader(text, config);
        try
        {
            if (!csv.Read() || !csv.ReadHeader())
            {
                return (items, ["Het bestand is leeg: de eerste regel moet de kolomnamen bevatten."]);
            }

            var header = csv.HeaderRecord!.Select(h => h.Trim().ToLowerInvariant()).ToHashSet();
            var missing = Columns.Take(5).Where(c => !header.Contains(c)).ToList();
            if (missing.Count > 0)
            {
                return (items, [$"Kolommen ontbreken: {string.Join(", ", missing)}."]);
            }

            while (csv.Read())
            {
                var line = csv.Parser.RawRow;
                if (items.Count >= MaxRows)
                {
                    errors.Add($"Een bestand heeft hoogstens {MaxRows} vragen.");
                    break;
                }

                string Field(string name) => header.Contains(name) ? csv.GetField(name)?.Trim() ?? "" : "";
                var item = ReadRow(Field, out var problem);
                if (item is null)
                {
                    errors.Add($"Regel {line}: {problem}");
                    continue;
                }

                foreach (var p in Marker.Problems(item.Spec!))
                {
                    errors.Add($"Regel {line}: {p}");
                }

                items.Add(item);
                if (errors.Count >= 50)
                {
                    break;
                }
            }
        }
        catch (CsvHelperException ex)
        {
            errors.Add("Dit is geen geldig CSV-bestand: " + ex.Message.Split('\n')[0]);
        }

        return (items, errors);
    }

    /// <summary>The numeric and choice items of a set as CSV; other types do not fit a row and are left out (use QTI).</summary>
    public static string Write(IEnumerable<ItemDetails> items)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = new CsvWriter(writer, new CsvConfiguration(CultureInfo.InvariantCulture)))
        {
            foreach (var column in Columns)
            {
                csv.WriteField(column);
            }

            csv.NextRecord();
            foreach (var item in items)
            {
                var spec = item.Spec;
                if (spec.Kind is not (ItemKind.Numeric or ItemKind.Choice))
                {
                    continue;
                }

                var numeric = spec.Kind == ItemKind.Numeric;
                csv.WriteField(numeric ? "numeric" : "choice");
                csv.WriteField(item.Skill);
                csv.WriteField(item.Difficulty.ToString(CultureInfo.InvariantCulture));
                csv.WriteField(spec.Prompt);
                csv.WriteField(numeric
                    ? spec.Value!.Value.ToString(CultureInfo.InvariantCulture)
                    : string.Join("|", spec.Options.Where(o => o.Correct).Select(o => o.Text)));
                csv.WriteField(numeric ? "" : string.Join("|", spec.Options.Select(o => o.Text)));
                csv.WriteField(numeric && spec.Tolerance != 0 ? spec.Tolerance.ToString(CultureInfo.InvariantCulture) : "");
                csv.WriteField(spec.Unit ?? "");
                csv.WriteField(spec.Hints.Count > 0 ? spec.Hints[0] : "");
                csv.NextRecord();
            }
        }

        return writer.ToString();
    }

    private static ItemInput? ReadRow(Func<string, string> field, out string? problem)
    {
        problem = null;
        var type = field("type").ToLowerInvariant();
        if (!int.TryParse(field("difficulty") is { Length: > 0 } d ? d : "3", NumberStyles.Integer, CultureInfo.InvariantCulture, out var difficulty))
        {
            problem = "de moeilijkheid is een getal van 1 tot 5.";
            return null;
        }

        var hint = field("hint");
        IReadOnlyList<string> hints = hint.Length > 0 ? [hint] : [];
        var question = field("question");
        switch (type)
        {
            case "numeric" or "getal":
                if (!Marker.TryParseNumber(field("answer"), out var value))
                {
                    problem = $"'{field("answer")}' is geen getal.";
                    return null;
                }

                var tolerance = 0m;
                if (field("tolerance") is { Length: > 0 } t && !Marker.TryParseNumber(t, out tolerance))
                {
                    problem = $"de marge '{t}' is geen getal.";
                    return null;
                }

                var unit = field("unit");
                return new ItemInput(field("skill"), difficulty, new ItemSpec
                {
                    Kind = ItemKind.Numeric, Prompt = question, Value = value, Tolerance = tolerance, Unit = unit.Length > 0 ? unit : null, Hints = hints,
                });
            case "choice" or "meerkeuze":
                var right = Split(field("answer"));
                var options = Split(field("options"));
                if (right.Any(r => !options.Contains(r, StringComparer.Ordinal)))
                {
                    problem = "elk juist antwoord moet ook bij de keuzes (options) staan.";
                    return null;
                }

                return new ItemInput(field("skill"), difficulty, new ItemSpec
                {
                    Kind = ItemKind.Choice,
                    Prompt = question,
                    Multiple = right.Count > 1,
                    Options = [.. options.Select((o, i) => new ChoiceOption(OptionId(i), o, right.Contains(o, StringComparer.Ordinal)))],
                    Hints = hints,
                });
            default:
                problem = $"type '{type}' kan niet in CSV: gebruik numeric of choice (andere soorten via QTI).";
                return null;
        }
    }

    /// <summary>Option ids a, b, c, ..., z, aa, ab, ...</summary>
    public static string OptionId(int index)
    {
        var builder = new StringBuilder();
        index++;
        while (index > 0)
        {
            index--;
            builder.Insert(0, (char)('a' + (index % 26)));
            index /= 26;
        }

        return builder.ToString();
    }

    private static List<string> Split(string text) =>
        [.. text.Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];
}
