using System.Globalization;
using System.Text.RegularExpressions;

namespace Schoolbel.Peak.Journeys;

/// <summary>A message in the inbox list, and whether the list marks it unread.</summary>
internal readonly record struct InboxMessage(Uri Link, bool Unread);

/// <summary>What the hand-in receipt, the inbox and the menu's unread counter say.</summary>
internal static partial class HtmlScan
{
    /// <summary>The SHA-256 values (hex) in the receipt's file table (<c>&lt;td class="hash"&gt;</c>), in page order.</summary>
    public static IReadOnlyList<string> ReceiptHashes(string html)
    {
        ArgumentNullException.ThrowIfNull(html);
        return [.. ReceiptHash().Matches(html).Select(m => m.Groups["hash"].Value)];
    }

    /// <summary>Whether the receipt states when the hand-in was received (<c>id="received"</c> with an ISO 8601 UTC time).</summary>
    public static bool HasReceiptTime(string html)
    {
        ArgumentNullException.ThrowIfNull(html);
        return ReceivedAt().Match(html) is { Success: true } match
            && DateTimeOffset.TryParseExact(match.Groups["at"].Value, "yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _);
    }

    /// <summary>
    /// The unread count on the menu's messages link (<c>id="nav-messages"</c>): its badge, 0
    /// without one; null when the page has no such link.
    /// </summary>
    public static int? UnreadMessages(string html)
    {
        ArgumentNullException.ThrowIfNull(html);
        if (NavMessages().Match(html) is not { Success: true } link)
        {
            return null;
        }

        return Badge().Match(link.Groups["body"].Value) is { Success: true } badge
            ? int.Parse(badge.Groups["count"].Value, CultureInfo.InvariantCulture)
            : 0;
    }

    /// <summary>The inbox list (<c>&lt;ul class="messages"&gt;</c>), newest first as the server orders it.</summary>
    public static IReadOnlyList<InboxMessage> InboxMessages(string html, Uri page)
    {
        ArgumentNullException.ThrowIfNull(html);
        ArgumentNullException.ThrowIfNull(page);
        var messages = new List<InboxMessage>();
        if (MessageList().Match(html) is not { Success: true } list)
        {
            return messages;
        }

        foreach (Match item in MessageItem().Matches(list.Groups["body"].Value))
        {
            if (AttributeValue(item.Groups["link"].Value, "href") is { } href && Uri.TryCreate(page, href, out var uri))
            {
                var classes = AttributeValue(item.Groups["item"].Value, "class") ?? "";
                messages.Add(new InboxMessage(uri, classes.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains("unread", StringComparer.Ordinal)));
            }
        }

        return messages;
    }

    [GeneratedRegex(@"<td\b[^>]*\bclass=""hash""[^>]*>\s*(?:<code>)?\s*(?<hash>[0-9a-fA-F]{64})\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ReceiptHash();

    [GeneratedRegex(@"\bid=""received""[^>]*>(?:(?!</dd>).)*?(?<at>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex ReceivedAt();

    [GeneratedRegex(@"<a\b[^>]*\bid=""nav-messages""[^>]*>(?<body>.*?)</a>", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex NavMessages();

    [GeneratedRegex(@"<span\b[^>]*\bclass=""badge""[^>]*>\s*(?<count>\d+)\s*</span>", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Badge();

    [GeneratedRegex(@"<ul\b[^>]*\bclass=""messages""[^>]*>(?<body>.*?)</ul>", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex MessageList();

    [GeneratedRegex(@"(?<item><li\b[^>]*>)\s*(?<link><a\b[^>]*>)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex MessageItem();
}
