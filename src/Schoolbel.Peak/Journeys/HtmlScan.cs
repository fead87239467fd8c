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

    [GeneratedRegex(@"<a\b[^>]*>", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AnchorTag();

    [GeneratedRegex("""(?<name>[^\s=<>"'/]+)\s*=\s*(?:"(?<dq>[^"]*)"|'(?<sq>[^']*)'|(?<bare>[^\s>"']+))""", RegexOptions.CultureInvariant)]
    private static partial Regex Attribute();
}
