using System.Buffers.Text;
using System.Runtime.CompilerServices;
using System.Text;

namespace TdbPlus.Resp;

/// <summary>
/// Writes replies into a growable output buffer in the connection's protocol (RESP2 or RESP3); the buffer is
/// reused across batches so replying allocates nothing in steady state.
/// </summary>
public sealed class RespWriter
{
    private static ReadOnlySpan<byte> Crlf => "\r\n"u8;

    private byte[] _buffer;

    public RespWriter(int initialCapacity = 16 * 1024) => _buffer = new byte[initialCapacity];

    /// <summary>2 or 3, as chosen by HELLO.</summary>
    public int Protocol { get; set; } = 2;

    public bool Resp3 => Protocol == 3;

    public int Length { get; private set; }

    /// <summary>Bytes the buffer can hold before it grows (CLIENT LIST rbs).</summary>
    public int Capacity => _buffer.Length;

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, Length);

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, Length);

    public void Clear() => Length = 0;

    /// <summary>Drops everything written after <paramref name="length"/> (CLIENT REPLY OFF/SKIP).</summary>
    public void Truncate(int length) => Length = length;

    /// <summary>Shrinks an oversized buffer once a burst is over, so idle connections stay small.</summary>
    public void Trim(int keepCapacity)
    {
        if (Length == 0 && _buffer.Length > keepCapacity) _buffer = new byte[keepCapacity];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> GetSpan(int size)
    {
        if (_buffer.Length - Length < size) Grow(size);
        return _buffer.AsSpan(Length);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Advance(int count) => Length += count;

    private void Grow(int size)
    {
        long wanted = Math.Max((long)_buffer.Length * 2, (long)Length + size);
        Array.Resize(ref _buffer, (int)Math.Min(wanted, Array.MaxLength));
    }

    public void Raw(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        Length += bytes.Length;
    }

    public void Ok() => Raw("+OK\r\n"u8);

    public void SimpleString(ReadOnlySpan<byte> text)
    {
        var span = GetSpan(text.Length + 3);
        span[0] = (byte)'+';
        text.CopyTo(span[1..]);
        Crlf.CopyTo(span[(1 + text.Length)..]);
        Length += text.Length + 3;
    }

    public void SimpleString(string text) => Line((byte)'+', text);

    /// <summary>An error reply; <paramref name="text"/> starts with its code ("ERR ...", "WRONGTYPE ...").</summary>
    public void Error(string text) => Line((byte)'-', text);

    public void Error(ReadOnlySpan<byte> text)
    {
        var span = GetSpan(text.Length + 3);
        span[0] = (byte)'-';
        text.CopyTo(span[1..]);
        Crlf.CopyTo(span[(1 + text.Length)..]);
        Length += text.Length + 3;
    }

    // Errors may quote client bytes; Latin-1 keeps each byte as it came, and CR/LF become spaces as in Redis.
    private void Line(byte prefix, string text)
    {
        var span = GetSpan(text.Length + 3);
        span[0] = (byte)prefix;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            span[1 + i] = c is '\r' or '\n' ? (byte)' ' : (byte)c;
        }
        Crlf.CopyTo(span[(1 + text.Length)..]);
        Length += text.Length + 3;
    }

    public void Integer(long value)
    {
        if ((ulong)value < 2)
        {
            Raw(value == 0 ? ":0\r\n"u8 : ":1\r\n"u8);
            return;
        }
        PrefixedNumber((byte)':', value);
    }

    public void Bulk(ReadOnlySpan<byte> value)
    {
        var span = GetSpan(value.Length + 24);
        span[0] = (byte)'$';
        Utf8Formatter.TryFormat(value.Length, span[1..], out int n);
        int p = 1 + n;
        span[p++] = (byte)'\r';
        span[p++] = (byte)'\n';
        value.CopyTo(span[p..]);
        p += value.Length;
        span[p++] = (byte)'\r';
        span[p++] = (byte)'\n';
        Length += p;
    }

    public void Bulk(string ascii)
    {
        int len = Encoding.UTF8.GetByteCount(ascii);
        var span = GetSpan(len + 24);
        span[0] = (byte)'$';
        Utf8Formatter.TryFormat(len, span[1..], out int n);
        int p = 1 + n;
        span[p++] = (byte)'\r';
        span[p++] = (byte)'\n';
        p += Encoding.UTF8.GetBytes(ascii, span[p..]);
        span[p++] = (byte)'\r';
        span[p++] = (byte)'\n';
        Length += p;
    }

    /// <summary>A bulk reply holding the decimal form of a number (RESP2 replies Redis sends as strings).</summary>
    public void BulkInteger(long value)
    {
        Span<byte> digits = stackalloc byte[24];
        Utf8Formatter.TryFormat(value, digits, out int n);
        Bulk(digits[..n]);
    }

    public void NullBulk() => Raw(Resp3 ? "_\r\n"u8 : "$-1\r\n"u8);

    public void NullArray() => Raw(Resp3 ? "_\r\n"u8 : "*-1\r\n"u8);

    public void ArrayHeader(int count) => PrefixedNumber((byte)'*', count);

    public void EmptyArray() => Raw("*0\r\n"u8);

    /// <summary>A map of <paramref name="pairs"/> pairs; a flat array of twice as many items in RESP2.</summary>
    public void MapHeader(int pairs) => PrefixedNumber(Resp3 ? (byte)'%' : (byte)'*', Resp3 ? pairs : pairs * 2);

    public void SetHeader(int count) => PrefixedNumber(Resp3 ? (byte)'~' : (byte)'*', count);

    public void PushHeader(int count) => PrefixedNumber(Resp3 ? (byte)'>' : (byte)'*', count);

    public void Boolean(bool value)
    {
        if (Resp3) Raw(value ? "#t\r\n"u8 : "#f\r\n"u8);
        else Integer(value ? 1 : 0);
    }

    /// <summary>A double as Redis 7.0 sends it: "%.17g", a bulk string in RESP2 and a ',' double in RESP3.</summary>
    public void Double(double value)
    {
        Span<byte> text = stackalloc byte[40];
        int n = DoubleFormatter.FormatG17(value, text);
        if (Resp3)
        {
            var span = GetSpan(n + 3);
            span[0] = (byte)',';
            text[..n].CopyTo(span[1..]);
            Crlf.CopyTo(span[(1 + n)..]);
            Length += n + 3;
        }
        else Bulk(text[..n]);
    }

    /// <summary>Verbatim text (RESP3 '=' with a 3-letter format); a bulk string in RESP2.</summary>
    public void Verbatim(ReadOnlySpan<byte> text)
    {
        if (!Resp3)
        {
            Bulk(text);
            return;
        }
        var span = GetSpan(text.Length + 32);
        span[0] = (byte)'=';
        Utf8Formatter.TryFormat(text.Length + 4, span[1..], out int n);
        int p = 1 + n;
        "\r\ntxt:"u8.CopyTo(span[p..]);
        p += 6;
        text.CopyTo(span[p..]);
        p += text.Length;
        span[p++] = (byte)'\r';
        span[p++] = (byte)'\n';
        Length += p;
    }

    /// <summary>Starts an aggregate whose size is known only after its items are written.</summary>
    public int BeginDeferred() => Length;

    /// <summary>Inserts the header of an aggregate begun at <paramref name="start"/>.</summary>
    public void EndDeferredArray(int start, int count) => InsertHeader(start, (byte)'*', count);

    public void EndDeferredMap(int start, int pairs) =>
        InsertHeader(start, Resp3 ? (byte)'%' : (byte)'*', Resp3 ? pairs : pairs * 2);

    public void EndDeferredSet(int start, int count) => InsertHeader(start, Resp3 ? (byte)'~' : (byte)'*', count);

    private void InsertHeader(int start, byte prefix, long count)
    {
        Span<byte> header = stackalloc byte[24];
        header[0] = prefix;
        Utf8Formatter.TryFormat(count, header[1..], out int n);
        header[1 + n] = (byte)'\r';
        header[2 + n] = (byte)'\n';
        int h = n + 3;
        GetSpan(h);
        Buffer.BlockCopy(_buffer, start, _buffer, start + h, Length - start);
        header[..h].CopyTo(_buffer.AsSpan(start));
        Length += h;
    }

    private void PrefixedNumber(byte prefix, long value)
    {
        var span = GetSpan(24);
        span[0] = prefix;
        Utf8Formatter.TryFormat(value, span[1..], out int n);
        span[1 + n] = (byte)'\r';
        span[2 + n] = (byte)'\n';
        Length += n + 3;
    }
}
