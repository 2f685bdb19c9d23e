using System.Buffers.Binary;
using TdbPlus.Resp;

namespace TdbPlus.Shards.Codecs;

/// <summary>
/// Walks a listpack in Redis's byte format, checking every length against the blob (a corrupt listpack
/// throws <see cref="RdbFormatException"/>, never reads out of bounds).
/// </summary>
public ref struct ListpackReader
{
    private readonly ReadOnlySpan<byte> _lp;
    private int _pos;
    private readonly Span<byte> _scratch;

    /// <param name="scratch">At least 20 bytes, where integer entries are written as text by <see cref="NextBytes"/>.</param>
    public ListpackReader(ReadOnlySpan<byte> lp, Span<byte> scratch)
    {
        if (lp.Length < 7) throw new RdbFormatException("listpack shorter than its header");
        if (BinaryPrimitives.ReadUInt32LittleEndian(lp) != (uint)lp.Length)
            throw new RdbFormatException("listpack total bytes do not match its length");
        if (lp[^1] != 0xFF) throw new RdbFormatException("listpack without its terminator");
        _lp = lp;
        _pos = 6;
        _scratch = scratch;
        HeaderCount = BinaryPrimitives.ReadUInt16LittleEndian(lp[4..]);
    }

    /// <summary>The element count in the header (65535 means "count them").</summary>
    public int HeaderCount { get; }

    public readonly bool AtEnd => _pos >= _lp.Length - 1;

    /// <summary>Counts the entries (validating them all).</summary>
    public static int CountEntries(ReadOnlySpan<byte> lp)
    {
        Span<byte> scratch = stackalloc byte[24];
        var r = new ListpackReader(lp, scratch);
        int n = 0;
        while (r.Next(out _, out _, out _)) n++;
        if (r.HeaderCount != 65535 && r.HeaderCount != n) throw new RdbFormatException("listpack element count does not match its header");
        return n;
    }

    /// <summary>The next entry: a string, or an integer (<paramref name="isInt"/>); false at the end.</summary>
    public bool Next(out ReadOnlySpan<byte> str, out long num, out bool isInt)
    {
        str = default;
        num = 0;
        isInt = false;
        if (AtEnd) return false;
        int p = _pos;
        int avail = _lp.Length - 1 - p;
        byte b = _lp[p];
        int encLen;
        if ((b & 0x80) == 0)
        {
            num = b;
            isInt = true;
            encLen = 1;
        }
        else if ((b & 0xC0) == 0x80)
        {
            int len = b & 0x3F;
            encLen = 1 + len;
            Need(encLen, avail);
            str = _lp.Slice(p + 1, len);
        }
        else if ((b & 0xE0) == 0xC0)
        {
            Need(2, avail);
            long u = ((b & 0x1F) << 8) | _lp[p + 1];
            num = u >= 1 << 12 ? u - (1 << 13) : u;
            isInt = true;
            encLen = 2;
        }
        else if ((b & 0xF0) == 0xE0)
        {
            Need(2, avail);
            int len = ((b & 0x0F) << 8) | _lp[p + 1];
            encLen = 2 + len;
            Need(encLen, avail);
            str = _lp.Slice(p + 2, len);
        }
        else
        {
            switch (b)
            {
                case 0xF0:
                    Need(5, avail);
                    uint len = BinaryPrimitives.ReadUInt32LittleEndian(_lp[(p + 1)..]);
                    if (len > (uint)avail) throw new RdbFormatException("listpack string longer than the listpack");
                    encLen = 5 + (int)len;
                    Need(encLen, avail);
                    str = _lp.Slice(p + 5, (int)len);
                    break;
                case 0xF1:
                    Need(3, avail);
                    num = BinaryPrimitives.ReadInt16LittleEndian(_lp[(p + 1)..]);
                    isInt = true;
                    encLen = 3;
                    break;
                case 0xF2:
                    Need(4, avail);
                    int v24 = _lp[p + 1] | (_lp[p + 2] << 8) | (_lp[p + 3] << 16);
                    num = (v24 << 8) >> 8;
                    isInt = true;
                    encLen = 4;
                    break;
                case 0xF3:
                    Need(5, avail);
                    num = BinaryPrimitives.ReadInt32LittleEndian(_lp[(p + 1)..]);
                    isInt = true;
                    encLen = 5;
                    break;
                case 0xF4:
                    Need(9, avail);
                    num = BinaryPrimitives.ReadInt64LittleEndian(_lp[(p + 1)..]);
                    isInt = true;
                    encLen = 9;
                    break;
                default:
                    throw new RdbFormatException($"invalid listpack entry encoding 0x{b:x2}");
            }
        }
        int back = ListpackBuilder.BacklenSize(encLen);
        Need(encLen + back, avail);
        // The backlen must decode to the entry's size, as lpValidateNext checks.
        long decoded = 0;
        for (int i = 0; i < back; i++) decoded = (decoded << 7) | (uint)(_lp[p + encLen + i] & 127);
        if (decoded != encLen) throw new RdbFormatException("listpack entry back-length mismatch");
        _pos = p + encLen + back;
        return true;
    }

    /// <summary>The next entry as bytes (integers as their decimal text in the scratch buffer).</summary>
    public bool NextBytes(out ReadOnlySpan<byte> value)
    {
        if (!Next(out var str, out long num, out bool isInt))
        {
            value = default;
            return false;
        }
        value = isInt ? _scratch[..NumberParser.Format(num, _scratch)] : str;
        return true;
    }

    /// <summary>The next entry, which must exist and be an integer (stream listpacks).</summary>
    public long NextInteger(string what)
    {
        if (!Next(out var str, out long num, out bool isInt)) throw new RdbFormatException($"listpack ends before {what}");
        if (isInt) return num;
        if (!NumberParser.TryParseInt64(str, out num)) throw new RdbFormatException($"listpack {what} is not an integer");
        return num;
    }

    private static void Need(int n, int avail)
    {
        if (n > avail) throw new RdbFormatException("listpack entry runs past the end of the listpack");
    }
}
