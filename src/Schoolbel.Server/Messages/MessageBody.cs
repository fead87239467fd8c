using Ganss.Xss;

namespace Schoolbel.Server.Messages;

/// <summary>
/// Turns a message body (Markdown) into HTML that is safe to show: the Markdown renderer of
/// documents (raw HTML shown as text, only http(s)/mailto/relative links), then HtmlSanitizer
/// over its output as a second line of defence, without style attributes or any script-capable
/// construct.
/// </summary>
public static class MessageBody
{
    // HtmlSanitizer is safe to share between threads once configured.
    private static readonly HtmlSanitizer Sanitizer = CreateSanitizer();

    public static string ToHtml(string? markdown) => Sanitizer.Sanitize(Documents.Markdown.ToHtml(markdown));

    private static HtmlSanitizer CreateSanitizer()
    {
        var sanitizer = new HtmlSanitizer();
        sanitizer.AllowedAttributes.Remove("style");
        sanitizer.AllowedTags.Remove("style");
        sanitizer.AllowedSchemes.Clear();
        sanitizer.AllowedSchemes.Add("http");
        sanitizer.AllowedSchemes.Add("https");
        sanitizer.AllowedSchemes.Add("mailto");
        sanitizer.AllowDataAttributes = false;
        return sanitizer;
    }
}
