using System.Buffers.Text;

namespace TdbPlus.Shards.Commands;

/// <summary>
/// Commands as the logs record them: RESP multibulk arrays appended one after another into a reusable byte
/// buffer (no allocation once it has grown). Handlers and the propagation rewrites write here.
/// </summary>
public sealed class EffectLog
{
    private byte[] _buffer = new byte[256];

    /// <summary>Bytes written.</summary>
    public int Length { get; private set; }

    /// <summary>Commands begun.</summary>
    public int Records { get; private set; }

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, Length);

    public void Clear()
    {
        Length = 0;
        Records = 0;
    }

    /// <summary>Starts a command of <paramref name="argc"/> arguments; exactly that many <see cref="Arg(ReadOnlySpan{byte})"/> calls follow.</summary>
    public void Begin(int argc)
    {
        Records++;
        Header((byte)'*', argc);
    }

    public void Arg(ReadOnlySpan<byte> value)
    {
        Header((byte)'$', value.Length);
        Ensure(value.Length + 2);
        value.CopyTo(_buffer.AsSpan(Length));
        Length += value.Length;
        _buffer[Length++] = (byte)'\r';
        _buffer[Length++] = (byte)'\n';
    }

    public void Arg(long value)
    {
        Span<byte> digits = stackalloc byte[20];
        Utf8Formatter.TryFormat(value, digits, out int n);
        Arg(digits[..n]);
    }

    /// <summary>Appends records written elsewhere (<paramref name="records"/> of them).</summary>
    public void Append(ReadOnlySpan<byte> bytes, int records)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(Length));
        Length += bytes.Length;
        Records += records;
    }

    /// <summary>Drops everything after <paramref name="length"/> bytes (<paramref name="records"/> commands kept).</summary>
    public void Truncate(int length, int records)
    {
        Length = length;
        Records = records;
    }

    private void Header(byte kind, int n)
    {
        Ensure(14);
        _buffer[Length++] = kind;
        Utf8Formatter.TryFormat(n, _buffer.AsSpan(Length), out int w);
        Length += w;
        _buffer[Length++] = (byte)'\r';
        _buffer[Length++] = (byte)'\n';
    }

    private void Ensure(int more)
    {
        if (Length + more <= _buffer.Length) return;
        Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, Length + more));
    }

    /// <summary>Shrinks a buffer a huge command grew, so it is not kept forever.</summary>
    public void Trim(int max)
    {
        if (Length == 0 && _buffer.Length > max) _buffer = new byte[256];
    }
}
