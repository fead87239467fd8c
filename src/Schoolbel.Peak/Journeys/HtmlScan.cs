using System.Net;
using System.Text.RegularExpressions;

namespace Schoolbel.Peak.Journeys;

/// <summary>
/// Just enough HTML reading to click through pages as a pupil would: the anti-forgery token
/// of a form and the links whose address contains a given segment. Regular expressions rather
/// than a DOM parser: the pages are our own, well-formed, and the simulator must stay cheap.
/// </summary>
internal static partial class HtmlScan
{
    public static string? FormToken(string html, string fieldName = "__RequestVerificationToken")
    {
        ArgumentNullException.ThrowIfNull(html);
        foreach (Match input in InputTag().Matches(html))
        {
            var tag = input.Value;
            if (AttributeValue(tag, "name") == fieldName)
            {
                return AttributeValue(tag, "value");
            }
        }

        return null;
    }

    /// <summary>Absolute addresses of <c>&lt;a href&gt;</c> links containing <paramref name="fragment"/>, in page order, without repeats.</summary>
    public static IReadOnlyList<Uri> Links(string html, Uri page, string fragment)
    {
        ArgumentNullException.ThrowIfNull(html);
        ArgumentNullException.ThrowIfNull(page);
        var links = new List<Uri>();
        foreach (Match anchor in AnchorTag().Matches(html))
        {
            var href = AttributeValue(anchor.Value, "href");
            if (href is null || !href.Contains(fragment, StringComparison.OrdinalIgnoreCase)
                || !Uri.TryCreate(page, href, out var uri) || links.Contains(uri))
            {
                continue;
            }

            links.Add(uri);
        }

        return links;
    }

    /// <summary>The absolute action of the first <c>&lt;form&gt;</c> whose action contains <paramref name="fragment"/> (e.g. <c>handler=Schedule</c>).</summary>
    public static Uri? FormAction(string html, Uri page, string fragment)
    {
        ArgumentNullException.ThrowIfNull(html);
        ArgumentNullException.ThrowIfNull(page);
        foreach (Match form in FormTag().Matches(html))
        {
            if (AttributeValue(form.Value, "action") is { } action && action.Contains(fragment, StringComparison.OrdinalIgnoreCase)
                && Uri.TryCreate(page, action, out var uri))
            {
                return uri;
            }
        }

        return null;
    }

    /// <summary>The value of attribute <paramref name="name"/> on the first form that has it (e.g. <c>data-upload-url</c>).</summary>
    public static Uri? FormAttribute(string html, Uri page, string name)
    {
        ArgumentNullException.ThrowIfNull(html);
        ArgumentNullException.ThrowIfNull(page);
        foreach (Match form in FormTag().Matches(html))
        {
            if (AttributeValue(form.Value, name) is { } value && Uri.TryCreate(page, value, out var uri))
            {
                return uri;
            }
        }

        return null;
    }

    /// <summary>Values of the checked checkboxes named <paramref name="fieldName"/>, as the browser would post them.</summary>
    public static IReadOnlyList<string> CheckedValues(string html, string fieldName)
    {
        ArgumentNullException.ThrowIfNull(html);
        var values = new List<string>();
        foreach (Match input in InputTag().Matches(html))
        {
            if (AttributeValue(input.Value, "name") == fieldName && CheckedAttribute().IsMatch(input.Value)
                && AttributeValue(input.Value, "value") is { } value)
            {
                values.Add(value);
            }
        }

        return values;
    }

    /// <summary>
    /// The question form of a practice page (<c>&lt;form id="question"&gt;</c>) filled in as a
    /// pupil who does not know the answer would: one choice, a number or a word per text field,
    /// one option per list. Null when the page has no question. The simulator never knows the
    /// right answer (the server keeps it), so it answers plausibly and accepts being wrong.
    /// </summary>
    public static (Uri Action, IReadOnlyList<KeyValuePair<string, string>> Fields)? QuestionForm(string html, Uri page, Func<int, int> random)
    {
        ArgumentNullException.ThrowIfNull(html);
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(random);
        var form = QuestionFormBlock().Match(html);
        if (!form.Success || AttributeValue(form.Groups["tag"].Value, "action") is not { } action || !Uri.TryCreate(page, action, out var uri))
        {
            return null;
        }

        var body = form.Groups["body"].Value;
        var fields = new List<KeyValuePair<string, string>>();
        var choices = new List<string>();
        var choiceName = "";
        foreach (Match input in InputTag().Matches(body))
        {
            var tag = input.Value;
            var name = AttributeValue(tag, "name");
            var type = AttributeValue(tag, "type")?.ToUpperInvariant() ?? "TEXT";
            if (name is null)
            {
                continue;
            }

            if (type == "HIDDEN")
            {
                fields.Add(new(name, AttributeValue(tag, "value") ?? ""));
            }
            else if (type is "RADIO" or "CHECKBOX")
            {
                choices.Add(AttributeValue(tag, "value") ?? "");
                choiceName = name;
            }
            else if (type is "TEXT" or "NUMBER")
            {
                // A number for a numeric field (a multiple of 7 is as good a guess as any), a word otherwise.
                fields.Add(new(name, AttributeValue(tag, "inputmode") == "decimal"
                    ? (7 * (1 + random(10))).ToString(System.Globalization.CultureInfo.InvariantCulture)
                    : "een"));
            }
        }

        if (choices.Count > 0)
        {
            fields.Add(new(choiceName, choices[random(choices.Count)]));
        }

        foreach (Match select in SelectBlock().Matches(body))
        {
            var options = OptionValue().Matches(select.Groups["body"].Value)
                .Select(o => WebUtility.HtmlDecode(o.Groups["value"].Value)).Where(v => v.Length > 0).ToList();
            if (AttributeValue(select.Groups["tag"].Value, "name") is { } name && options.Count > 0)
            {
                fields.Add(new(name, options[random(options.Count)]));
            }
        }

        return (uri, fields);
    }

    private static string? AttributeValue(string tag, string name)
    {
        foreach (Match attribute in Attribute().Matches(tag))
        {
            if (string.Equals(attribute.Groups["name"].Value, name, StringComparison.OrdinalIgnoreCase))
            {
                var value = attribute.Groups["dq"].Success ? attribute.Groups["dq"].Value
                    : attribute.Groups["sq"].Success ? attribute.Groups["sq"].Value
                    : attribute.Groups["bare"].Value;
                return WebUtility.HtmlDecode(value);
            }
        }

        return null;
    }

    [GeneratedRegex(@"<input\b[^>]*>", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex InputTag();

    [GeneratedRegex(@"<form\b[^>]*>", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex FormTag();

    [GeneratedRegex(@"\schecked(?=[\s/>=])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex CheckedAttribute();

    [GeneratedRegex(@"(?<tag><form\b[^>]*\bid=""question""[^>]*>)(?<body>.*?)</form>", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex QuestionFormBlock();

    [GeneratedRegex(@"(?<tag><select\b[^>]*>)(?<body>.*?)</select>", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex SelectBlock();

    [GeneratedRegex(@"<option\b[^>]*\bvalue=""(?<value>[^""]*)""", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex OptionValue();

    [GeneratedRegex(@"<a\b[^>]*>", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AnchorTag();

    [GeneratedRegex("""(?<name>[^\s=<>"'/]+)\s*=\s*(?:"(?<dq>[^"]*)"|'(?<sq>[^']*)'|(?<bare>[^\s>"']+))""", RegexOptions.CultureInvariant)]
    private static partial Regex Attribute();
}
