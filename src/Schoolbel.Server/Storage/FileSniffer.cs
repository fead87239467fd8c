using System.Text;

namespace Schoolbel.Server.Storage;

/// <summary>What the bytes say a file is. The name only refines a container (a zip may be a .docx).</summary>
public sealed record SniffedType(string ContentType, bool Allowed)
{
    /// <summary>
    /// Inline (opened in the browser) only for types a browser shows without running them:
    /// PDF, images other than SVG, audio, video and plain text. HTML and SVG can carry script,
    /// so they, and everything else, are downloaded as attachments.
    /// </summary>
    public static bool IsInline(string contentType) =>
        contentType == "application/pdf"
        || contentType == "text/plain"
        || (contentType.StartsWith("image/", StringComparison.Ordinal) && contentType != "image/svg+xml")
        || contentType.StartsWith("audio/", StringComparison.Ordinal)
        || contentType.StartsWith("video/", StringComparison.Ordinal);
}

/// <summary>Magic-byte sniffing of uploads, in the spirit of the WHATWG MIME sniffing standard.</summary>
public static class FileSniffer
{
    public const int HeadLength = 512;

    public static SniffedType Sniff(ReadOnlySpan<byte> head, string fileName)
    {
        var extension = Path.GetExtension(fileName).ToLowerInvariant();
        if (head.StartsWith("%PDF-"u8))
        {
            return Ok("application/pdf");
        }

        if (head.StartsWith((byte[])[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return Ok("image/png");
        }

        if (head.StartsWith((byte[])[0xFF, 0xD8, 0xFF]))
        {
            return Ok("image/jpeg");
        }

        if (head.StartsWith("GIF87a"u8) || head.StartsWith("GIF89a"u8))
        {
            return Ok("image/gif");
        }

        if (head.Length >= 12 && head.StartsWith("RIFF"u8))
        {
            var kind = head.Slice(8, 4);
            if (kind.SequenceEqual("WEBP"u8))
            {
                return Ok("image/webp");
            }

            if (kind.SequenceEqual("WAVE"u8))
            {
                return Ok("audio/wav");
            }

            if (kind.SequenceEqual("AVI "u8))
            {
                return Ok("video/x-msvideo");
            }
        }

        if (head.Length >= 12 && head.Slice(4, 4).SequenceEqual("ftyp"u8))
        {
            var brand = head.Slice(8, 4);
            if (brand.SequenceEqual("qt  "u8))
            {
                return Ok("video/quicktime");
            }

            if (brand.StartsWith("M4A"u8))
            {
                return Ok("audio/mp4");
            }

            if (brand.StartsWith("heic"u8) || brand.StartsWith("heix"u8) || brand.StartsWith("mif1"u8))
            {
                return Ok("image/heic");
            }

            return Ok("video/mp4");
        }

        if (head.StartsWith((byte[])[0x1A, 0x45, 0xDF, 0xA3]))
        {
            return Ok("video/webm");
        }

        if (head.StartsWith("OggS"u8))
        {
            return Ok("audio/ogg");
        }

        if (head.StartsWith("ID3"u8) || (head.Length >= 2 && head[0] == 0xFF && (head[1] & 0xE0) == 0xE0))
        {
            return Ok("audio/mpeg");
        }

        if (head.StartsWith("PK\u0003\u0004"u8))
        {
            return Ok(extension switch
            {
                ".docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                ".xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ".pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                ".odt" => "application/vnd.oasis.opendocument.text",
                ".ods" => "application/vnd.oasis.opendocument.spreadsheet",
                ".odp" => "application/vnd.oasis.opendocument.presentation",
                ".epub" => "application/epub+zip",
                _ => "application/zip",
            });
        }

        if (head.StartsWith((byte[])[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]))
        {
            return Ok(extension switch
            {
                ".doc" => "application/msword",
                ".xls" => "application/vnd.ms-excel",
                ".ppt" => "application/vnd.ms-powerpoint",
                _ => "application/x-ole-storage",
            });
        }

        // Programs are refused whatever their name: a school platform has no reason to hand them out.
        if (head.StartsWith("MZ"u8) || head.StartsWith((byte[])[0x7F, (byte)'E', (byte)'L', (byte)'F'])
            || head.StartsWith((byte[])[0xCF, 0xFA, 0xED, 0xFE]) || head.StartsWith((byte[])[0xFE, 0xED, 0xFA, 0xCF])
            || head.StartsWith("#!"u8))
        {
            return new SniffedType("application/octet-stream", Allowed: false);
        }

        if (LooksLikeText(head))
        {
            var text = Encoding.UTF8.GetString(head).TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
            if (text.StartsWith("<svg", StringComparison.OrdinalIgnoreCase)
                || (text.StartsWith("<?xml", StringComparison.OrdinalIgnoreCase) && text.Contains("<svg", StringComparison.OrdinalIgnoreCase)))
            {
                return Ok("image/svg+xml");
            }

            string[] htmlStarts = ["<!doctype html", "<html", "<head", "<body", "<script", "<iframe", "<div", "<p", "<a ", "<!--"];
            if (htmlStarts.Any(h => text.StartsWith(h, StringComparison.OrdinalIgnoreCase)))
            {
                return Ok("text/html");
            }

            if (text.StartsWith("<?xml", StringComparison.OrdinalIgnoreCase))
            {
                return Ok("application/xml");
            }

            return Ok(extension switch
            {
                ".csv" => "text/csv",
                ".md" => "text/markdown",
                _ => "text/plain",
            });
        }

        return Ok("application/octet-stream");
    }

    private static SniffedType Ok(string contentType) => new(contentType, Allowed: true);

    // Text when there is no NUL or other binary control byte and it decodes as UTF-8 (a
    // multi-byte sequence cut off at the end of the head is fine).
    private static bool LooksLikeText(ReadOnlySpan<byte> head)
    {
        if (head.IsEmpty)
        {
            return true;
        }

        foreach (var b in head)
        {
            if (b < 0x09 || (b > 0x0D && b < 0x20 && b != 0x1B))
            {
                return false;
            }
        }

        var trimmed = head;
        for (var i = 0; i < 3 && trimmed.Length > 0 && (trimmed[^1] & 0x80) != 0; i++)
        {
            if (Utf8IsValid(trimmed))
            {
                return true;
            }

            trimmed = trimmed[..^1];
        }

        return Utf8IsValid(trimmed);
    }

    private static bool Utf8IsValid(ReadOnlySpan<byte> bytes) => System.Text.Unicode.Utf8.IsValid(bytes);
}
