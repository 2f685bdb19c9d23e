namespace TdbPlus.Shards.Families.Lists;

/// <summary>
/// The layout of one element inside a node buffer: its length as a varint, the bytes, then the length again
/// as a varint written backwards, so an entry can be stepped over in both directions (as listpack's backlen).
/// Small elements (under 128 bytes) cost two bytes of overhead.
/// </summary>
internal static class ListEntry
{
    /// <summary>Bytes of a varint holding <paramref name="length"/>.</summary>
    public static int VarLength(int length) =>
        length < 1 << 7 ? 1 : length < 1 << 14 ? 2 : length < 1 << 21 ? 3 : length < 1 << 28 ? 4 : 5;

    /// <summary>Bytes an element of <paramref name="length"/> bytes takes in a node.</summary>
    public static int Size(int length) => length + 2 * VarLength(length);

    /// <summary>Writes an element at <paramref name="pos"/>; returns the entry size.</summary>
    public static int Write(byte[] buf, int pos, ReadOnlySpan<byte> value)
    {
        int len = value.Length;
        int p = pos;
        uint v = (uint)len;
        while (v >= 0x80)
        {
            buf[p++] = (byte)(v | 0x80);
            v >>= 7;
        }
        buf[p++] = (byte)v;
        value.CopyTo(buf.AsSpan(p));
        p += len;
        // Backward varint: the last byte holds the low 7 bits; 0x80 means more bytes precede it.
        int n = VarLength(len);
        int end = p + n;
        v = (uint)len;
        for (int i = 1; i <= n; i++)
        {
            byte b = (byte)(v & 0x7F);
            v >>= 7;
            if (i < n) b |= 0x80;
            buf[end - i] = b;
        }
        return end - pos;
    }

    /// <summary>Decodes the element starting at <paramref name="pos"/>: its data offset and length; returns the entry size.</summary>
    public static int ReadAt(byte[] buf, int pos, out int dataOffset, out int length)
    {
        int p = pos;
        uint v = 0;
        int shift = 0;
        byte b;
        do
        {
            b = buf[p++];
            v |= (uint)(b & 0x7F) << shift;
            shift += 7;
        }
        while ((b & 0x80) != 0);
        length = (int)v;
        dataOffset = p;
        int n = p - pos;
        return length + 2 * n;
    }

    /// <summary>The start of the element that ends at <paramref name="end"/> (exclusive).</summary>
    public static int StartBefore(byte[] buf, int end)
    {
        int p = end - 1;
        byte b = buf[p];
        uint v = (uint)(b & 0x7F);
        int shift = 7;
        while ((b & 0x80) != 0)
        {
            b = buf[--p];
            v |= (uint)(b & 0x7F) << shift;
            shift += 7;
        }
        int n = end - p;
        return p - (int)v - n;
    }

    public static ReadOnlySpan<byte> Value(byte[] buf, int pos)
    {
        ReadAt(buf, pos, out int offset, out int length);
        return new ReadOnlySpan<byte>(buf, offset, length);
    }

    public static int SizeAt(byte[] buf, int pos) => ReadAt(buf, pos, out _, out _);
}
