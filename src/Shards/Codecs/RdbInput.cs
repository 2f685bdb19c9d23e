using System.Buffers.Binary;
using System.Text;
using TdbPlus.Resp;

namespace TdbPlus.Shards.Codecs;

/// <summary>
/// Buffered, bounds-checked reading of RDB primitives from a stream, keeping the running CRC-64 of what was
/// consumed. Every length is checked against the bytes left (when the stream knows its length) or read in
/// growing chunks (when it does not), so corrupt input fails with <see cref="RdbFormatException"/> instead of
/// a huge allocation or a hang.
/// </summary>
public sealed class RdbInput
{
    private const int MaxChunk = 1 << 20;
    private readonly Stream _stream;
    private readonly byte[] _buf;
    private int _pos;
    private int _end;
    private int _crcFrom;
    private long _base; // stream offset of _buf[0]
    private ulong _crc;
    private readonly byte[][] _slots = [new byte[64], new byte[64], new byte[64], new byte[64], new byte[64]];
    private const int PackedSlot = 4;

    public RdbInput(Stream stream, int bufferSize = 1 << 16)
    {
        _stream = stream;
        _buf = new byte[bufferSize];
        if (stream.CanSeek)
        {
            _base = stream.Position;
            _length = stream.Length;
        }
        Start = _base;
    }

    // The stream's length, read once: FileStream asks the OS each time, and this is checked for every string.
    private readonly long _length = -1;

    /// <summary>The stream position reading started at (0 for streams that cannot seek).</summary>
    public long Start { get; }

    /// <summary>Stream position of the next byte to consume (what error messages report).</summary>
    public long Offset => _base + _pos;

    /// <summary>CRC-64 of every byte consumed so far.</summary>
    public ulong Crc
    {
        get
        {
            FlushCrc();
            return _crc;
        }
    }

    /// <summary>Bytes left in the input, or long.MaxValue when the stream cannot tell.</summary>
    public long Remaining
    {
        get
        {
            if (_length < 0) return long.MaxValue;
            return _length - (_base + _pos);
        }
    }

    public RdbFormatException Error(string what) => RdbFormatException.At(Offset, what);

    private void FlushCrc()
    {
        if (_pos > _crcFrom) _crc = Crc64.Update(_crc, _buf.AsSpan(_crcFrom, _pos - _crcFrom));
        _crcFrom = _pos;
    }

    private bool Fill()
    {
        FlushCrc();
        _base += _pos;
        int keep = _end - _pos;
        if (keep > 0) Buffer.BlockCopy(_buf, _pos, _buf, 0, keep);
        _pos = 0;
        _crcFrom = 0;
        _end = keep;
        int n = _stream.Read(_buf, _end, _buf.Length - _end);
        if (n <= 0) return false;
        _end += n;
        return true;
    }

    public byte ReadByte()
    {
        if (_pos == _end && !Fill()) throw Error("unexpected end of input");
        return _buf[_pos++];
    }

    /// <summary>True at the end of the input (nothing more to read).</summary>
    public bool AtEnd => _pos == _end && !Fill();

    public void ReadExact(Span<byte> dest)
    {
        while (dest.Length > 0)
        {
            if (_pos == _end && !Fill()) throw Error("unexpected end of input");
            int n = Math.Min(dest.Length, _end - _pos);
            _buf.AsSpan(_pos, n).CopyTo(dest);
            _pos += n;
            dest = dest[n..];
        }
    }

    public void Skip(long count)
    {
        CheckAvailable(count, "skipped data");
        while (count > 0)
        {
            if (_pos == _end && !Fill()) throw Error("unexpected end of input");
            int n = (int)Math.Min(count, _end - _pos);
            _pos += n;
            count -= n;
        }
    }

    private void CheckAvailable(long count, string what)
    {
        if (count < 0 || count > Remaining) throw Error($"{what} of {count} bytes runs past the end of the input");
    }

    /// <summary>rdbLoadLenByRef: a length, or (with <paramref name="encoded"/>) a special string encoding number.</summary>
    public ulong ReadLength(out bool encoded)
    {
        encoded = false;
        byte b = ReadByte();
        switch (b >> 6)
        {
            case 0: return (ulong)(b & 0x3F);
            case 1: return (ulong)(((b & 0x3F) << 8) | ReadByte());
            case 2:
                Span<byte> t = stackalloc byte[8];
                if (b == 0x80)
                {
                    ReadExact(t[..4]);
                    return BinaryPrimitives.ReadUInt32BigEndian(t);
                }
                if (b == 0x81)
                {
                    ReadExact(t);
                    return BinaryPrimitives.ReadUInt64BigEndian(t);
                }
                throw Error($"unknown length encoding 0x{b:x2}");
            default:
                encoded = true;
                return (ulong)(b & 0x3F);
        }
    }

    /// <summary>A plain length (an integer-encoded string here is corruption).</summary>
    public ulong ReadLength()
    {
        ulong v = ReadLength(out bool encoded);
        if (encoded) throw Error("expected a length, found a string encoding");
        return v;
    }

    /// <summary>A length that counts items or bytes still to come; refuses counts larger than the input.</summary>
    public int ReadCount(string what, int minBytesEach = 1)
    {
        ulong v = ReadLength();
        if (v > int.MaxValue || (long)v * minBytesEach > Remaining) throw Error($"{what} count {v} is larger than the input");
        return (int)v;
    }

    /// <summary>
    /// A string in any of its encodings, into reusable buffer <paramref name="slot"/> (0..3); valid until that
    /// slot is read into again.
    /// </summary>
    public ReadOnlySpan<byte> ReadString(int slot = 0)
    {
        ulong len = ReadLength(out bool encoded);
        if (encoded)
        {
            switch ((int)len)
            {
                case RdbConstants.EncInt8: return FormatInt(slot, (sbyte)ReadByte());
                case RdbConstants.EncInt16:
                {
                    Span<byte> t = stackalloc byte[2];
                    ReadExact(t);
                    return FormatInt(slot, BinaryPrimitives.ReadInt16LittleEndian(t));
                }
                case RdbConstants.EncInt32:
                {
                    Span<byte> t = stackalloc byte[4];
                    ReadExact(t);
                    return FormatInt(slot, BinaryPrimitives.ReadInt32LittleEndian(t));
                }
                case RdbConstants.EncLzf: return ReadLzf(slot);
                default: throw Error($"unknown string encoding {len}");
            }
        }
        if (len > int.MaxValue) throw Error($"string length {len} too large");
        CheckAvailable((long)len, "string");
        return ReadBytes(slot, (int)len);
    }

    /// <summary>
    /// <paramref name="len"/> bytes into a slot; from a stream of unknown length in growing chunks, so a bogus
    /// length ends at the end of the input rather than in one huge allocation.
    /// </summary>
    private Span<byte> ReadBytes(int slot, int len)
    {
        if (len <= MaxChunk || _stream.CanSeek)
        {
            var dest = Slot(slot, len);
            ReadExact(dest);
            return dest;
        }
        int done = 0;
        while (done < len)
        {
            int step = Math.Min(len - done, Math.Max(MaxChunk, done));
            ref byte[] b = ref _slots[slot];
            if (b.Length < done + step) Array.Resize(ref b, done + step);
            ReadExact(b.AsSpan(done, step));
            done += step;
        }
        return _slots[slot].AsSpan(0, len);
    }

    public byte[] ReadStringBytes() => ReadString(3).ToArray();

    public string ReadStringUtf8() => Encoding.UTF8.GetString(ReadString(3));

    private ReadOnlySpan<byte> FormatInt(int slot, long v)
    {
        var dest = Slot(slot, 24);
        return dest[..NumberParser.Format(v, dest)];
    }

    private ReadOnlySpan<byte> ReadLzf(int slot)
    {
        ulong clen = ReadLength();
        ulong len = ReadLength();
        CheckAvailable((long)Math.Min(clen, long.MaxValue), "compressed string");
        // LZF expands at most 264 bytes per 3 input bytes: a larger claimed length is corruption.
        if (len == 0 || len > int.MaxValue || len > clen * 89 + 1) throw Error($"LZF string of {clen} bytes cannot decompress to {len}");
        if (clen > int.MaxValue) throw Error($"compressed string length {clen} too large");
        var packed = ReadBytes(PackedSlot, (int)clen);
        var dest = Slot(slot, (int)len);
        if (!Lzf.Decompress(packed, dest)) throw Error("invalid LZF compressed string");
        return dest;
    }

    private Span<byte> Slot(int slot, int length)
    {
        ref byte[] b = ref _slots[slot];
        if (b.Length < length) b = new byte[Math.Max(length, Math.Min(b.Length * 2, Array.MaxLength))];
        return b.AsSpan(0, length);
    }

    public double ReadBinaryDouble()
    {
        Span<byte> t = stackalloc byte[8];
        ReadExact(t);
        return BinaryPrimitives.ReadDoubleLittleEndian(t);
    }

    public long ReadMillis()
    {
        Span<byte> t = stackalloc byte[8];
        ReadExact(t);
        return BinaryPrimitives.ReadInt64LittleEndian(t);
    }

    public int ReadInt32LittleEndian()
    {
        Span<byte> t = stackalloc byte[4];
        ReadExact(t);
        return BinaryPrimitives.ReadInt32LittleEndian(t);
    }

    /// <summary>rdbLoadDoubleValue (the old ZSET text score): 253 nan, 254 +inf, 255 -inf, else length + text.</summary>
    public double ReadDoubleText()
    {
        byte len = ReadByte();
        switch (len)
        {
            case 253: return double.NaN;
            case 254: return double.PositiveInfinity;
            case 255: return double.NegativeInfinity;
        }
        Span<byte> t = stackalloc byte[256];
        ReadExact(t[..len]);
        if (!double.TryParse(Encoding.ASCII.GetString(t[..len]), System.Globalization.NumberStyles.Float,
                System.Globalization.CultureInfo.InvariantCulture, out double v))
            throw Error("invalid double value");
        return v;
    }
}
