using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using TdbPlus.Resp;

namespace TdbPlus.Shards.Codecs;

/// <summary>
/// A growable byte buffer with the RDB primitives (rdbSaveLen, rdbSaveRawString with its integer and LZF
/// encodings, binary doubles, millisecond times). Reused across keys, so writing a string key allocates nothing.
/// </summary>
public sealed class RdbOutput
{
    private byte[] _buf;
    private int _len;
    private byte[] _scratch = [];

    public RdbOutput(int capacity = 4096) => _buf = new byte[Math.Max(64, capacity)];

    public int Length => _len;

    public ReadOnlySpan<byte> Written => _buf.AsSpan(0, _len);

    public void Clear() => _len = 0;

    /// <summary>Drops everything after the first <paramref name="length"/> bytes.</summary>
    public void Truncate(int length) => _len = length;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteByte(byte b)
    {
        if (_len == _buf.Length) Grow(1);
        _buf[_len++] = b;
    }

    public void Write(ReadOnlySpan<byte> data)
    {
        if (_buf.Length - _len < data.Length) Grow(data.Length);
        data.CopyTo(_buf.AsSpan(_len));
        _len += data.Length;
    }

    /// <summary>Room for <paramref name="size"/> bytes at the end; commit them with <see cref="Advance"/>.</summary>
    public Span<byte> GetSpan(int size)
    {
        if (_buf.Length - _len < size) Grow(size);
        return _buf.AsSpan(_len, size);
    }

    public void Advance(int count) => _len += count;

    private void Grow(int extra)
    {
        long want = Math.Max((long)_buf.Length * 2, (long)_len + extra);
        if (want > Array.MaxLength) want = Math.Max(Array.MaxLength, _len + extra);
        Array.Resize(ref _buf, (int)want);
    }

    /// <summary>rdbSaveLen: 6-bit, 14-bit, 32-bit or 64-bit big-endian length.</summary>
    public void WriteLength(ulong len)
    {
        var s = GetSpan(9);
        if (len < 1 << 6)
        {
            s[0] = (byte)len;
            _len += 1;
        }
        else if (len < 1 << 14)
        {
            s[0] = (byte)((len >> 8) | 0x40);
            s[1] = (byte)len;
            _len += 2;
        }
        else if (len <= uint.MaxValue)
        {
            s[0] = 0x80;
            BinaryPrimitives.WriteUInt32BigEndian(s[1..], (uint)len);
            _len += 5;
        }
        else
        {
            s[0] = 0x81;
            BinaryPrimitives.WriteUInt64BigEndian(s[1..], len);
            _len += 9;
        }
    }

    public void WriteLength(long len) => WriteLength((ulong)len);

    /// <summary>
    /// rdbSaveRawString: an integer encoding when the string is a canonical integer of at most 11 characters
    /// that fits 32 bits, else LZF when <paramref name="compress"/> and it is longer than 20 bytes and shrinks,
    /// else the length and the bytes.
    /// </summary>
    public void WriteString(ReadOnlySpan<byte> s, bool compress)
    {
        if (s.Length <= 11 && s.Length > 0 && NumberParser.TryParseInt64(s, out long v) && TryWriteEncodedInteger(v)) return;
        if (compress && s.Length > 20 && TryWriteLzf(s)) return;
        WriteLength((ulong)s.Length);
        Write(s);
    }

    /// <summary>rdbSaveLongLongAsStringObject: the integer encoding when it fits 32 bits, else its digits.</summary>
    public void WriteInteger(long v)
    {
        if (TryWriteEncodedInteger(v)) return;
        Span<byte> digits = stackalloc byte[24];
        int n = NumberParser.Format(v, digits);
        WriteLength((ulong)n);
        Write(digits[..n]);
    }

    private bool TryWriteEncodedInteger(long v)
    {
        var s = GetSpan(5);
        if (v >= sbyte.MinValue && v <= sbyte.MaxValue)
        {
            s[0] = 0xC0 | RdbConstants.EncInt8;
            s[1] = (byte)(sbyte)v;
            _len += 2;
        }
        else if (v >= short.MinValue && v <= short.MaxValue)
        {
            s[0] = 0xC0 | RdbConstants.EncInt16;
            BinaryPrimitives.WriteInt16LittleEndian(s[1..], (short)v);
            _len += 3;
        }
        else if (v >= int.MinValue && v <= int.MaxValue)
        {
            s[0] = 0xC0 | RdbConstants.EncInt32;
            BinaryPrimitives.WriteInt32LittleEndian(s[1..], (int)v);
            _len += 5;
        }
        else return false;
        return true;
    }

    /// <summary>rdbSaveLzfStringObject: only when the compressed form is at most length-4 bytes.</summary>
    private bool TryWriteLzf(ReadOnlySpan<byte> s)
    {
        int limit = s.Length - 4;
        if (_scratch.Length < limit) _scratch = new byte[Math.Max(limit, Math.Min(_scratch.Length * 2, Array.MaxLength))];
        int n = Lzf.Shared.Compress(s, _scratch.AsSpan(0, limit));
        if (n == 0) return false;
        WriteByte(0xC0 | RdbConstants.EncLzf);
        WriteLength((ulong)n);
        WriteLength((ulong)s.Length);
        Write(_scratch.AsSpan(0, n));
        return true;
    }

    /// <summary>rdbSaveBinaryDoubleValue: 8 bytes little-endian.</summary>
    public void WriteBinaryDouble(double d)
    {
        BinaryPrimitives.WriteDoubleLittleEndian(GetSpan(8), d);
        _len += 8;
    }

    /// <summary>rdbSaveMillisecondTime: 8 bytes little-endian.</summary>
    public void WriteMillis(long ms)
    {
        BinaryPrimitives.WriteInt64LittleEndian(GetSpan(8), ms);
        _len += 8;
    }

    public void WriteUInt16LittleEndian(ushort v)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(GetSpan(2), v);
        _len += 2;
    }

    public void WriteUInt64LittleEndian(ulong v)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(GetSpan(8), v);
        _len += 8;
    }
}
