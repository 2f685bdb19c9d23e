using System.Buffers.Binary;
using TdbPlus.Resp;

namespace TdbPlus.Shards.Codecs;

/// <summary>
/// Builds a listpack in Redis's byte format (listpack.c): total bytes (u32 LE), element count (u16 LE,
/// 65535 when larger), entries of encoding + data + backlen, then 0xFF. Strings that are canonical 64-bit
/// integers are stored as integers, as lpAppend does. The buffer is reused between builds.
/// </summary>
public sealed class ListpackBuilder
{
    private const int HeaderSize = 6;
    private byte[] _buf = new byte[256];
    private int _len;
    private int _count;

    public int Count => _count;

    /// <summary>Bytes the listpack would take if finished now (header, entries, terminator).</summary>
    public int TotalBytes => _len + 1;

    public void Reset()
    {
        _len = HeaderSize;
        _count = 0;
    }

    public ListpackBuilder() => Reset();

    public void Append(ReadOnlySpan<byte> s)
    {
        if (s.Length > 0 && s.Length < 21 && NumberParser.TryParseInt64(s, out long v))
        {
            AppendInteger(v);
            return;
        }
        int hdr = s.Length < 64 ? 1 : s.Length < 4096 ? 2 : 5;
        int encLen = hdr + s.Length;
        var d = Reserve(encLen + 5);
        if (hdr == 1) d[0] = (byte)(0x80 | s.Length);
        else if (hdr == 2)
        {
            d[0] = (byte)(0xE0 | (s.Length >> 8));
            d[1] = (byte)s.Length;
        }
        else
        {
            d[0] = 0xF0;
            BinaryPrimitives.WriteUInt32LittleEndian(d[1..], (uint)s.Length);
        }
        s.CopyTo(d[hdr..]);
        Commit(encLen, d);
    }

    public void AppendInteger(long v)
    {
        var d = Reserve(9 + 5);
        int encLen;
        if (v >= 0 && v <= 127)
        {
            d[0] = (byte)v;
            encLen = 1;
        }
        else if (v >= -4096 && v <= 4095)
        {
            long u = v < 0 ? (1L << 13) + v : v;
            d[0] = (byte)((u >> 8) | 0xC0);
            d[1] = (byte)u;
            encLen = 2;
        }
        else if (v >= short.MinValue && v <= short.MaxValue)
        {
            d[0] = 0xF1;
            BinaryPrimitives.WriteInt16LittleEndian(d[1..], (short)v);
            encLen = 3;
        }
        else if (v >= -(1 << 23) && v < 1 << 23)
        {
            long u = v < 0 ? (1L << 24) + v : v;
            d[0] = 0xF2;
            d[1] = (byte)u;
            d[2] = (byte)(u >> 8);
            d[3] = (byte)(u >> 16);
            encLen = 4;
        }
        else if (v >= int.MinValue && v <= int.MaxValue)
        {
            d[0] = 0xF3;
            BinaryPrimitives.WriteInt32LittleEndian(d[1..], (int)v);
            encLen = 5;
        }
        else
        {
            d[0] = 0xF4;
            BinaryPrimitives.WriteInt64LittleEndian(d[1..], v);
            encLen = 9;
        }
        Commit(encLen, d);
    }

    /// <summary>The listpack's bytes with its header and terminator; valid until the next change.</summary>
    public ReadOnlySpan<byte> Finish()
    {
        Reserve(1)[0] = 0xFF;
        var all = _buf.AsSpan(0, _len + 1);
        BinaryPrimitives.WriteUInt32LittleEndian(all, (uint)all.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(all[4..], (ushort)Math.Min(_count, 65535));
        return all;
    }

    private Span<byte> Reserve(int size)
    {
        if (_buf.Length - _len < size) Array.Resize(ref _buf, Math.Max(_buf.Length * 2, _len + size));
        return _buf.AsSpan(_len);
    }

    private void Commit(int encLen, Span<byte> d)
    {
        _len += encLen + WriteBacklen(d[encLen..], encLen);
        _count++;
    }

    /// <summary>Bytes the backlen of an entry of <paramref name="l"/> encoded bytes takes.</summary>
    public static int BacklenSize(int l) => l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;

    private static int WriteBacklen(Span<byte> d, int l)
    {
        int n = BacklenSize(l);
        // Most significant 7-bit group first; every byte but the first has the high bit set.
        for (int i = n - 1, shift = 0; i >= 0; i--, shift += 7)
        {
            byte b = (byte)((l >> shift) & 127);
            if (i > 0) b |= 128;
            d[i] = b;
        }
        return n;
    }
}
