using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Schoolbel.Server.Exercises;

/// <summary>
/// QTI import and export. Export writes a QTI 2.1 content package (a zip with imsmanifest.xml
/// and one assessmentItem per item). Import takes such a package or a single item file, in QTI
/// 2.1 or QTI 3.0 (whose qti-kebab-case names are read as their 2.1 equivalents). The skill is
/// the item's label and the difficulty an outcome DIFFICULTY with a default value; hints and
/// feedback are modalFeedback; text rules QTI cannot express ride on a class of the item body.
/// </summary>
public static class Qti
{
    private static readonly XNamespace Ns = "http://www.imsglobal.org/xsd/imsqti_v2p1";
    private static readonly XNamespace Cp = "http://www.imsglobal.org/xsd/imscp_v1p1";
    public const int MaxItems = 500;

    public static byte[] ExportPackage(string title, IReadOnlyList<ItemDetails> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            var resources = new XElement(Cp + "resources");
            for (var i = 0; i < items.Count; i++)
            {
                var href = $"items/item{i + 1:D3}.xml";
                var entry = zip.CreateEntry(href, CompressionLevel.Fastest);
                using (var stream = entry.Open())
                {
                    ToXml(items[i], $"item{i + 1:D3}").Save(stream);
                }

                resources.Add(new XElement(Cp + "resource", new XAttribute("identifier", $"R{i + 1:D3}"), new XAttribute("type", "imsqti_item_xmlv2p1"), new XAttribute("href", href),
                    new XElement(Cp + "file", new XAttribute("href", href))));
            }

            var manifest = new XDocument(new XElement(Cp + "manifest", new XAttribute("identifier", "MANIFEST"),
                new XElement(Cp + "metadata", new XElement(Cp + "schema", "QTIv2.1 Package"), new XElement(Cp + "schemaversion", "1.0.0")),
                new XElement(Cp + "organizations"),
                resources));
            using var manifestStream = zip.CreateEntry("imsmanifest.xml", CompressionLevel.Fastest).Open();
            manifest.Save(manifestStream);
        }

        return buffer.ToArray();
    }

    /// <summary>Reads a package (zip) or a single item file; errors name the file and what is wrong.</summary>
    public static (IReadOnlyList<ItemInput> Items, IReadOnlyList<string> Errors) Import(byte[] content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var items = new List<ItemInput>();
        var errors = new List<string>();
        if (content.Length > 4 && content[0] == 'P' && content[1] == 'K')
        {
            try
            {
                using var zip = new ZipArchive(new MemoryStream(content), ZipArchiveMode.Read);
                var files = zip.Entries.Where(e => e.FullName.EndsWith(".xml", StringComparison.OrdinalIgnoreCase) && !e.FullName.EndsWith("imsmanifest.xml", StringComparison.OrdinalIgnoreCase))
                    .OrderBy(e => e.FullName, StringComparer.Ordinal).ToList();
                if (files.Count > MaxItems)
                {
                    return (items, [$"Een pakket heeft hoogstens {MaxItems} vragen."]);
                }

                foreach (var file in files)
                {
                    if (file.Length > 1_000_000)
                    {
                        errors.Add($"{file.FullName}: te groot.");
                        continue;
                    }

                    using var stream = file.Open();
                    ReadFile(stream, file.FullName, items, errors);
                }
            }
            catch (InvalidDataException)
            {
                errors.Add("Dit is geen geldig zip-bestand.");
            }
        }
        else
        {
            ReadFile(new MemoryStream(content), "bestand", items, errors);
        }

        if (items.Count == 0 && errors.Count == 0)
        {
            errors.Add("Er staan geen QTI-vragen in dit bestand.");
        }

        return (items, errors);
    }

    public static XDocument ToXml(ItemDetails item, string identifier)
    {
        ArgumentNullException.ThrowIfNull(item);
        var spec = item.Spec;
        var root = new XElement(Ns + "assessmentItem",
            new XAttribute("identifier", identifier),
            new XAttribute("title", Shorten(spec.Prompt)),
            new XAttribute("label", item.Skill),
            new XAttribute("adaptive", "false"),
            new XAttribute("timeDependent", "false"));
        var body = new XElement(Ns + "itemBody");
        var classes = new List<string>();
        if (spec.Rules.CaseSensitive)
        {
            classes.Add("case-sensitive");
        }

        if (spec.Rules.IgnoreDiacritics)
        {
            classes.Add("ignore-diacritics");
        }

        if (spec.Rules.IgnoreWhitespace)
        {
            classes.Add("ignore-whitespace");
        }

        if (classes.Count > 0)
        {
            body.Add(new XAttribute("class", string.Join(' ', classes)));
        }

        static XElement Declaration(string id, string cardinality, string baseType, IEnumerable<string> correct) =>
            new(Ns + "responseDeclaration", new XAttribute("identifier", id), new XAttribute("cardinality", cardinality), new XAttribute("baseType", baseType),
                new XElement(Ns + "correctResponse", correct.Select(c => new XElement(Ns + "value", c))));

        static XElement Mapping(IEnumerable<string> accepted, bool caseSensitive) =>
            new(Ns + "mapping", new XAttribute("defaultValue", "0"),
                accepted.Distinct(StringComparer.Ordinal).Select(a => new XElement(Ns + "mapEntry", new XAttribute("mapKey", a), new XAttribute("mappedValue", "1"), new XAttribute("caseSensitive", caseSensitive ? "true" : "false"))));

        var declarations = new List<XElement>();
        switch (spec.Kind)
        {
            case ItemKind.Choice:
            case ItemKind.TrueFalse:
                var options = spec.Kind == ItemKind.TrueFalse
                    ? [new ChoiceOption("true", "Waar", spec.Truth == true), new ChoiceOption("false", "Niet waar", spec.Truth == false)]
                    : spec.Options;
                declarations.Add(Declaration("RESPONSE", spec.Multiple ? "multiple" : "single", "identifier", options.Where(o => o.Correct).Select(o => o.Id)));
                body.Add(new XElement(Ns + "choiceInteraction", new XAttribute("responseIdentifier", "RESPONSE"), new XAttribute("shuffle", "false"), new XAttribute("maxChoices", spec.Multiple ? "0" : "1"),
                    new XElement(Ns + "prompt", spec.Prompt),
                    options.Select(o => new XElement(Ns + "simpleChoice", new XAttribute("identifier", o.Id), o.Text,
                        o.Feedback is null ? null : new XElement(Ns + "feedbackInline", new XAttribute("outcomeIdentifier", "FEEDBACK"), new XAttribute("identifier", o.Id), new XAttribute("showHide", "show"), o.Feedback)))));
                break;
            case ItemKind.Numeric:
                declarations.Add(Declaration("RESPONSE", "single", "float", [spec.Value!.Value.ToString(CultureInfo.InvariantCulture)]));
                body.Add(new XElement(Ns + "p", spec.Prompt),
                    new XElement(Ns + "p", new XElement(Ns + "textEntryInteraction", new XAttribute("responseIdentifier", "RESPONSE")),
                        spec.Unit is null ? null : new XElement(Ns + "span", new XAttribute("class", "unit"), spec.Unit)));
                break;
            case ItemKind.ShortText:
                var text = Declaration("RESPONSE", "single", "string", [spec.Accepted[0]]);
                text.Add(Mapping(spec.Accepted, spec.Rules.CaseSensitive));
                declarations.Add(text);
                body.Add(new XElement(Ns + "p", spec.Prompt), new XElement(Ns + "p", new XElement(Ns + "textEntryInteraction", new XAttribute("responseIdentifier", "RESPONSE"))));
                break;
            case ItemKind.FillBlanks:
                var paragraph = new XElement(Ns + "p");
                var parts = System.Text.RegularExpressions.Regex.Split(spec.Prompt, @"\[\[(\d+)\]\]");
                for (var i = 0; i < parts.Length; i++)
                {
                    if (i % 2 == 0)
                    {
                        paragraph.Add(parts[i]);
                    }
                    else
                    {
                        paragraph.Add(new XElement(Ns + "textEntryInteraction", new XAttribute("responseIdentifier", "RESPONSE" + parts[i])));
                    }
                }

                for (var b = 0; b < spec.Blanks.Count; b++)
                {
                    var blank = Declaration("RESPONSE" + (b + 1).ToString(CultureInfo.InvariantCulture), "single", "string", [spec.Blanks[b][0]]);
                    blank.Add(Mapping(spec.Blanks[b], spec.Rules.CaseSensitive));
                    declarations.Add(blank);
                }

                body.Add(paragraph);
                break;
            case ItemKind.Matching:
                declarations.Add(Declaration("RESPONSE", "multiple", "directedPair", spec.Pairs.Select((_, i) => $"L{i + 1} R{i + 1}")));
                body.Add(new XElement(Ns + "matchInteraction", new XAttribute("responseIdentifier", "RESPONSE"), new XAttribute("shuffle", "true"), new XAttribute("maxAssociations", spec.Pairs.Count.ToString(CultureInfo.InvariantCulture)),
                    new XElement(Ns + "prompt", spec.Prompt),
                    new XElement(Ns + "simpleMatchSet", spec.Pairs.Select((p, i) => new XElement(Ns + "simpleAssociableChoice", new XAttribute("identifier", $"L{i + 1}"), new XAttribute("matchMax", "1"), p.Left))),
                    new XElement(Ns + "simpleMatchSet", spec.Pairs.Select((p, i) => new XElement(Ns + "simpleAssociableChoice", new XAttribute("identifier", $"R{i + 1}"), new XAttribute("matchMax", "0"), p.Right)))));
                break;
            case ItemKind.Ordering:
                declarations.Add(Declaration("RESPONSE", "ordered", "identifier", spec.Sequence.Select((_, i) => $"S{i + 1}")));
                body.Add(new XElement(Ns + "orderInteraction", new XAttribute("responseIdentifier", "RESPONSE"), new XAttribute("shuffle", "true"),
                    new XElement(Ns + "prompt", spec.Prompt),
                    spec.Sequence.Select((s, i) => new XElement(Ns + "simpleChoice", new XAttribute("identifier", $"S{i + 1}"), s))));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(item), spec.Kind, "Unknown item kind.");
        }

        root.Add(declarations);
        root.Add(new XElement(Ns + "outcomeDeclaration", new XAttribute("identifier", "SCORE"), new XAttribute("cardinality", "single"), new XAttribute("baseType", "float")));
        root.Add(new XElement(Ns + "outcomeDeclaration", new XAttribute("identifier", "DIFFICULTY"), new XAttribute("cardinality", "single"), new XAttribute("baseType", "integer"),
            new XElement(Ns + "defaultValue", new XElement(Ns + "value", item.Difficulty.ToString(CultureInfo.InvariantCulture)))));
        root.Add(body);
        if (spec.Kind == ItemKind.Numeric)
        {
            root.Add(new XElement(Ns + "responseProcessing",
                new XElement(Ns + "responseCondition", new XElement(Ns + "responseIf",
                    new XElement(Ns + "equal", new XAttribute("toleranceMode", "absolute"), new XAttribute("tolerance", $"{spec.Tolerance.ToString(CultureInfo.InvariantCulture)} {spec.Tolerance.ToString(CultureInfo.InvariantCulture)}"),
                        new XElement(Ns + "variable", new XAttribute("identifier", "RESPONSE")), new XElement(Ns + "correct", new XAttribute("identifier", "RESPONSE"))),
                    new XElement(Ns + "setOutcomeValue", new XAttribute("identifier", "SCORE"), new XElement(Ns + "baseValue", new XAttribute("baseType", "float"), "1"))))));
        }
        else
        {
            root.Add(new XElement(Ns + "responseProcessing", new XAttribute("template", "http://www.imsglobal.org/question/qti_v2p1/rptemplates/match_correct")));
        }

        void Feedback(string outcome, string id, string? text)
        {
            if (text is not null)
            {
                root.Add(new XElement(Ns + "modalFeedback", new XAttribute("outcomeIdentifier", outcome), new XAttribute("identifier", id), new XAttribute("showHide", "show"), text));
            }
        }

        Feedback("FEEDBACK", "CORRECT", spec.CorrectFeedback);
        Feedback("FEEDBACK", "INCORRECT", spec.WrongFeedback);
        for (var h = 0; h < spec.Hints.Count; h++)
        {
            Feedback("HINT", "HINT" + (h + 1).ToString(CultureInfo.InvariantCulture), spec.Hints[h]);
        }

        return new XDocument(new XDeclaration("1.0", "utf-8", null), root);
    }

    public static ItemInput FromXml(XElement root)
    {
        ArgumentNullException.ThrowIfNull(root);
        root = Normalize(root);
        if (root.Name.LocalName != "assessmentItem")
        {
            throw new FormatException("Dit is geen assessmentItem.");
        }

        var declarations = root.Elements().Where(e => e.Name.LocalName == "responseDeclaration").ToDictionary(e => (string?)e.Attribute("identifier") ?? "", StringComparer.Ordinal);
        List<string> Correct(string id) =>
            declarations.TryGetValue(id, out var d) ? [.. d.Descendants().Where(e => e.Name.LocalName == "correctResponse").Elements().Select(v => v.Value.Trim())] : [];
        List<string> Accepted(string id)
        {
            var list = Correct(id);
            if (declarations.TryGetValue(id, out var d))
            {
                list.AddRange(d.Descendants().Where(e => e.Name.LocalName == "mapEntry").Select(e => (string?)e.Attribute("mapKey") ?? "").Where(k => k.Length > 0));
            }

            return [.. list.Distinct(StringComparer.Ordinal)];
        }

        var body = root.Elements().FirstOrDefault(e => e.Name.LocalName == "itemBody") ?? throw new FormatException("De vraag heeft geen itemBody.");
        var classes = ((string?)body.Attribute("class") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var caseSensitive = classes.Contains("case-sensitive") || declarations.Values.SelectMany(d => d.Descendants()).Any(e => e.Name.LocalName == "mapEntry" && (string?)e.Attribute("caseSensitive") == "true");
        var rules = new TextRules(caseSensitive, classes.Contains("ignore-diacritics"), classes.Contains("ignore-whitespace"));
        var feedback = root.Elements().Where(e => e.Name.LocalName == "modalFeedback").ToList();
        string? FeedbackOf(string id) => feedback.FirstOrDefault(f => (string?)f.Attribute("identifier") == id && (string?)f.Attribute("outcomeIdentifier") != "HINT")?.Value.Trim();
        var hints = feedback.Where(f => (string?)f.Attribute("outcomeIdentifier") == "HINT").Select(f => f.Value.Trim()).ToList();
        var difficulty = root.Elements().Where(e => e.Name.LocalName == "outcomeDeclaration" && (string?)e.Attribute("identifier") == "DIFFICULTY")
            .Descendants().FirstOrDefault(e => e.Name.LocalName == "value")?.Value;
        var level = int.TryParse(difficulty, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) ? l : 3;
        var skill = (string?)root.Attribute("label") is { Length: > 0 } label ? label : (string?)root.Attribute("title") ?? "";
        string PromptOf(XElement interaction) =>
            interaction.Elements().FirstOrDefault(e => e.Name.LocalName == "prompt")?.Value.Trim()
            ?? string.Join(" ", body.Elements().Where(e => e.Name.LocalName == "p" && !e.Descendants().Any(d => d.Name.LocalName.EndsWith("Interaction", StringComparison.Ordinal))).Select(e => e.Value.Trim()));

        var interactions = body.Descendants().Where(e => e.Name.LocalName.EndsWith("Interaction", StringComparison.Ordinal)).ToList();
        if (interactions.Count == 0)
        {
            throw new FormatException("De vraag heeft geen interactie.");
        }

        var first = interactions[0];
        var responseId = (string?)first.Attribute("responseIdentifier") ?? "RESPONSE";
        var spec = first.Name.LocalName switch
        {
            "choiceInteraction" => ChoiceFrom(first, Correct(responseId), PromptOf(first), declarations.GetValueOrDefault(responseId)),
            "textEntryInteraction" when interactions.Count > 1 || declarations.GetValueOrDefault(responseId)?.Attribute("baseType")?.Value == "string" && first.Parent?.Nodes().OfType<XText>().Any(t => t.Value.Trim().Length > 0) == true
                => BlanksFrom(body, interactions, Accepted),
            "textEntryInteraction" when declarations.GetValueOrDefault(responseId)?.Attribute("baseType")?.Value is "float" or "integer" => NumericFrom(root, body, Correct(responseId), PromptOf(first)),
            "textEntryInteraction" => new ItemSpec { Kind = ItemKind.ShortText, Prompt = PromptOf(first), Accepted = Accepted(responseId) },
            "matchInteraction" => MatchingFrom(first, Correct(responseId), PromptOf(first)),
            "orderInteraction" => OrderingFrom(first, Correct(responseId), PromptOf(first)),
            _ => throw new FormatException($"Het soort vraag {first.Name.LocalName} wordt niet ondersteund."),
        };
        spec = spec with
        {
            Rules = rules,
            Hints = hints,
            CorrectFeedback = FeedbackOf("CORRECT"),
            WrongFeedback = FeedbackOf("INCORRECT"),
        };
        return new ItemInput(skill, level, spec);
    }

    private static ItemSpec ChoiceFrom(XElement interaction, List<string> correct, string prompt, XElement? declaration)
    {
        var options = interaction.Elements().Where(e => e.Name.LocalName == "simpleChoice").Select(c =>
        {
            var id = (string?)c.Attribute("identifier") ?? "";
            var fb = c.Elements().FirstOrDefault(e => e.Name.LocalName == "feedbackInline");
            var text = string.Concat(c.Nodes().Where(n => n != fb).Select(n => n is XElement e ? e.Value : (n as XText)?.Value)).Trim();
            return new ChoiceOption(id, text, correct.Contains(id, StringComparer.Ordinal), fb?.Value.Trim());
        }).ToList();
        if (options.Count == 2 && options.Select(o => o.Id).Order(StringComparer.Ordinal).SequenceEqual(["false", "true"], StringComparer.Ordinal))
        {
            return new ItemSpec { Kind = ItemKind.TrueFalse, Prompt = prompt, Truth = correct.Contains("true", StringComparer.Ordinal) };
        }

        var multiple = (string?)declaration?.Attribute("cardinality") == "multiple";
        return new ItemSpec { Kind = ItemKind.Choice, Prompt = prompt, Multiple = multiple, Options = options };
    }

    private static ItemSpec NumericFrom(XElement root, XElement body, List<string> correct, string prompt)
    {
        if (correct.Count == 0 || !Marker.TryParseNumber(correct[0], out var value))
        {
            throw new FormatException("Het juiste getal ontbreekt.");
        }

        var tolerance = 0m;
        var equal = root.Descendants().FirstOrDefault(e => e.Name.LocalName == "equal" && e.Attribute("tolerance") is not null);
        if (equal is not null && Marker.TryParseNumber(((string)equal.Attribute("tolerance")!).Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], out var t))
        {
            tolerance = t;
        }

        var unit = body.Descendants().FirstOrDefault(e => e.Name.LocalName == "span" && (string?)e.Attribute("class") == "unit")?.Value.Trim();
        return new ItemSpec { Kind = ItemKind.Numeric, Prompt = prompt, Value = value, Tolerance = tolerance, Unit = string.IsNullOrEmpty(unit) ? null : unit };
    }

    private static ItemSpec BlanksFrom(XElement body, List<XElement> interactions, Func<string, List<string>> accepted)
    {
        var paragraph = interactions[0].Parent!;
        var prompt = new StringBuilder();
        var blanks = new List<IReadOnlyList<string>>();
        foreach (var node in paragraph.Nodes())
        {
            if (node is XElement { Name.LocalName: "textEntryInteraction" } entry)
            {
                blanks.Add(accepted((string?)entry.Attribute("responseIdentifier") ?? ""));
                prompt.Append(CultureInfo.InvariantCulture, $"[[{blanks.Count}]]");
            }
            else
            {
                prompt.Append(node is XElement e ? e.Value : (node as XText)?.Value);
            }
        }

        return new ItemSpec { Kind = ItemKind.FillBlanks, Prompt = prompt.ToString().Trim(), Blanks = blanks };
    }

    private static ItemSpec MatchingFrom(XElement interaction, List<string> correct, string prompt)
    {
        var sets = interaction.Elements().Where(e => e.Name.LocalName == "simpleMatchSet").ToList();
        if (sets.Count != 2)
        {
            throw new FormatException("Een verbindvraag heeft twee rijen.");
        }

        Dictionary<string, string> Texts(XElement set) =>
            set.Elements().ToDictionary(e => (string?)e.Attribute("identifier") ?? "", e => e.Value.Trim(), StringComparer.Ordinal);
        var lefts = Texts(sets[0]);
        var rights = Texts(sets[1]);
        var pairs = correct.Select(c => c.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(p => p.Length == 2 && lefts.ContainsKey(p[0]) && rights.ContainsKey(p[1]))
            .Select(p => new MatchPair(lefts[p[0]], rights[p[1]])).ToList();
        return new ItemSpec { Kind = ItemKind.Matching, Prompt = prompt, Pairs = pairs };
    }

    private static ItemSpec OrderingFrom(XElement interaction, List<string> correct, string prompt)
    {
        var choices = interaction.Elements().Where(e => e.Name.LocalName == "simpleChoice").ToDictionary(e => (string?)e.Attribute("identifier") ?? "", e => e.Value.Trim(), StringComparer.Ordinal);
        return new ItemSpec { Kind = ItemKind.Ordering, Prompt = prompt, Sequence = [.. correct.Where(choices.ContainsKey).Select(c => choices[c])] };
    }

    /// <summary>QTI 3.0 writes qti-choice-interaction and response-identifier; read them as QTI 2.1's choiceInteraction and responseIdentifier.</summary>
    private static XElement Normalize(XElement element)
    {
        if (!element.Name.LocalName.StartsWith("qti-", StringComparison.Ordinal) && element.Name.Namespace != "http://www.imsglobal.org/xsd/imsqtiasi_v3p0")
        {
            return element;
        }

        return Convert(element);

        static XElement Convert(XElement e)
        {
            var name = e.Name.LocalName.StartsWith("qti-", StringComparison.Ordinal) ? Camel(e.Name.LocalName[4..]) : e.Name.LocalName;
            return new XElement(Ns + name,
                e.Attributes().Where(a => !a.IsNamespaceDeclaration).Select(a => new XAttribute(Camel(a.Name.LocalName), a.Value)),
                e.Nodes().Select(n => n is XElement child ? Convert(child) : n));
        }

        static string Camel(string kebab)
        {
            var parts = kebab.Split('-');
            return parts[0] + string.Concat(parts.Skip(1).Select(p => p.Length == 0 ? p : char.ToUpperInvariant(p[0]) + p[1..]));
        }
    }

    private static void ReadFile(Stream stream, string name, List<ItemInput> items, List<string> errors)
    {
        try
        {
            // No DTDs and no external entities: an uploaded file must not make us fetch or expand anything.
            using var reader = XmlReader.Create(stream, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, MaxCharactersInDocument = 2_000_000 });
            var document = XDocument.Load(reader);
            items.Add(FromXml(document.Root!));
        }
        catch (XmlException ex)
        {
            errors.Add($"{name}: geen geldige XML ({ex.Message.Split('\n')[0]}).");
        }
        catch (FormatException ex)
        {
            errors.Add($"{name}: {ex.Message}");
        }
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80];
}
