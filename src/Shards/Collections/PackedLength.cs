using System.Runtime.CompilerServices;

namespace TdbPlus.Shards.Collections;

/// <summary>
/// The length prefix of a packed byte string: LEB128 (one byte below 128, two below 16384...), as used by
/// <see cref="ListPack"/> and <see cref="ByteSlab"/> entries.
/// </summary>
public static class PackedLength
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Size(int length) => length < 0x80 ? 1 : length < 0x4000 ? 2 : length < 0x200000 ? 3 : length < 0x10000000 ? 4 : 5;

    /// <summary>Writes <paramref name="length"/> at the start of <paramref name="dest"/>; returns the bytes written.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Write(Span<byte> dest, int length)
    {
        uint v = (uint)length;
        if (v < 0x80)
        {
            dest[0] = (byte)v;
            return 1;
        }
        int n = 0;
        while (v >= 0x80)
        {
            dest[n++] = (byte)(v | 0x80);
            v >>= 7;
        }
        dest[n++] = (byte)v;
        return n;
    }

    /// <summary>Reads a length at <paramref name="pos"/> of <paramref name="data"/> and moves past it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Read(ReadOnlySpan<byte> data, scoped ref int pos)
    {
        byte b = data[pos++];
        if (b < 0x80) return b;
        return ReadSlow(data, ref pos, b);
    }

    private static int ReadSlow(ReadOnlySpan<byte> data, scoped ref int pos, byte first)
    {
        uint v = (uint)(first & 0x7F);
        int shift = 7;
        while (true)
        {
            byte b = data[pos++];
            v |= (uint)(b & 0x7F) << shift;
            if (b < 0x80) return (int)v;
            shift += 7;
        }
    }

    /// <summary>Reads the length-prefixed string at <paramref name="pos"/> and moves past it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<byte> ReadString(ReadOnlySpan<byte> data, scoped ref int pos)
    {
        int len = Read(data, ref pos);
        var s = data.Slice(pos, len);
        pos += len;
        return s;
    }

    /// <summary>Moves past the length-prefixed string at <paramref name="pos"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Skip(ReadOnlySpan<byte> data, scoped ref int pos)
    {
        int len = Read(data, ref pos);
        pos += len;
    }
}
