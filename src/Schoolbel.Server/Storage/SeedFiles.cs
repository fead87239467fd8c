using System.Globalization;
using System.Text;

namespace Schoolbel.Server.Storage;

/// <summary>Deterministic files for load-test seeds: a small valid PDF and a large "video".</summary>
internal static class SeedFiles
{
    /// <summary>A one-page PDF of about <paramref name="size"/> bytes (the rest is an unused padding stream).</summary>
    public static byte[] Pdf(string title, int size)
    {
        var output = new MemoryStream();
        var offsets = new List<long>();
        void Write(string text) => output.Write(Encoding.ASCII.GetBytes(text));
        void Object(string body)
        {
            offsets.Add(output.Position);
            Write(string.Create(CultureInfo.InvariantCulture, $"{offsets.Count} 0 obj\n{body}\nendobj\n"));
        }

        var content = $"BT /F1 24 Tf 72 720 Td ({title}) Tj ET";
        var padding = Math.Max(0, size - 1000);
        Write("%PDF-1.7\n");
        Object("<< /Type /Catalog /Pages 2 0 R >>");
        Object("<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
        Object("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>");
        Object(string.Create(CultureInfo.InvariantCulture, $"<< /Length {content.Length} >>\nstream\n{content}\nendstream"));
        Object("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
        var pad = new StringBuilder(padding);
        for (var i = 0; pad.Length < padding; i++)
        {
            pad.Append(CultureInfo.InvariantCulture, $"% Schoolbel seed padding line {i:D8}\n");
        }

        Object(string.Create(CultureInfo.InvariantCulture, $"<< /Length {pad.Length} >>\nstream\n{pad}\nendstream"));
        var xref = output.Position;
        Write(string.Create(CultureInfo.InvariantCulture, $"xref\n0 {offsets.Count + 1}\n0000000000 65535 f \n"));
        foreach (var offset in offsets)
        {
            Write(string.Create(CultureInfo.InvariantCulture, $"{offset:D10} 00000 n \n"));
        }

        Write(string.Create(CultureInfo.InvariantCulture, $"trailer\n<< /Size {offsets.Count + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"));
        return output.ToArray();
    }

    /// <summary>A stream of <paramref name="size"/> bytes that sniffs as MP4 (an ftyp box, then filler).</summary>
    public static Stream Video(long size) => new VideoStream(size);

    private sealed class VideoStream(long size) : Stream
    {
        private static readonly byte[] Header = [0, 0, 0, 0x18, (byte)'f', (byte)'t', (byte)'y', (byte)'p', (byte)'i', (byte)'s', (byte)'o', (byte)'m', 0, 0, 2, 0, (byte)'i', (byte)'s', (byte)'o', (byte)'m', (byte)'m', (byte)'p', (byte)'4', (byte)'1'];
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => size;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, size - _position);
            for (var i = 0; i < n; i++)
            {
                var at = _position + i;
                buffer[offset + i] = at < Header.Length ? Header[at] : (byte)(at * 31 % 251);
            }

            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
