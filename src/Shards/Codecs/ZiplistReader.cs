using System.Buffers.Binary;
using TdbPlus.Resp;

namespace TdbPlus.Shards.Codecs;

/// <summary>
/// Walks a ziplist (the pre-7.0 small encoding: zlbytes u32, zltail u32, zllen u16, entries of prevlen +
/// encoding + data, 0xFF), bounds-checked; for loading RDB files written by older Redis versions.
/// </summary>
public ref struct ZiplistReader
{
    private readonly ReadOnlySpan<byte> _zl;
    private int _pos;
    private readonly Span<byte> _scratch;

    public ZiplistReader(ReadOnlySpan<byte> zl, Span<byte> scratch)
    {
        if (zl.Length < 11) throw new RdbFormatException("ziplist shorter than its header");
        if (BinaryPrimitives.ReadUInt32LittleEndian(zl) != (uint)zl.Length)
            throw new RdbFormatException("ziplist total bytes do not match its length");
        if (zl[^1] != 0xFF) throw new RdbFormatException("ziplist without its terminator");
        _zl = zl;
        _pos = 10;
        _scratch = scratch;
    }

    /// <summary>The next entry as bytes (integers as decimal text in the scratch buffer); false at the end.</summary>
    public bool NextBytes(out ReadOnlySpan<byte> value)
    {
        value = default;
        int end = _zl.Length - 1;
        int p = _pos;
        if (p >= end) return false;
        p += _zl[p] < 254 ? 1 : 5;
        if (p >= end) throw Corrupt();
        byte enc = _zl[p];
        long num;
        switch (enc >> 6)
        {
            case 0:
                value = Take(ref p, 1, enc & 0x3F, end);
                break;
            case 1:
                Check(p + 2, end);
                value = Take(ref p, 2, ((enc & 0x3F) << 8) | _zl[p + 1], end);
                break;
            case 2:
                Check(p + 5, end);
                uint len = BinaryPrimitives.ReadUInt32BigEndian(_zl[(p + 1)..]);
                if (len > (uint)end) throw Corrupt();
                value = Take(ref p, 5, (int)len, end);
                break;
            default:
                int size;
                switch (enc)
                {
                    case 0xC0: size = 2; Check(p + 3, end); num = BinaryPrimitives.ReadInt16LittleEndian(_zl[(p + 1)..]); break;
                    case 0xD0: size = 4; Check(p + 5, end); num = BinaryPrimitives.ReadInt32LittleEndian(_zl[(p + 1)..]); break;
                    case 0xE0: size = 8; Check(p + 9, end); num = BinaryPrimitives.ReadInt64LittleEndian(_zl[(p + 1)..]); break;
                    case 0xF0:
                        size = 3;
                        Check(p + 4, end);
                        num = ((_zl[p + 1] | (_zl[p + 2] << 8) | (_zl[p + 3] << 16)) << 8) >> 8;
                        break;
                    case 0xFE: size = 1; Check(p + 2, end); num = (sbyte)_zl[p + 1]; break;
                    default:
                        if (enc >= 0xF1 && enc <= 0xFD)
                        {
                            size = 0;
                            num = (enc & 0x0F) - 1;
                            break;
                        }
                        throw new RdbFormatException($"invalid ziplist entry encoding 0x{enc:x2}");
                }
                p += 1 + size;
                value = _scratch[..NumberParser.Format(num, _scratch)];
                break;
        }
        _pos = p;
        return true;
    }

    private readonly ReadOnlySpan<byte> Take(scoped ref int p, int header, int len, int end)
    {
        Check(p + header + len, end);
        var s = _zl.Slice(p + header, len);
        p += header + len;
        return s;
    }

    private static void Check(int upTo, int end)
    {
        if (upTo > end) throw Corrupt();
    }

    private static RdbFormatException Corrupt() => new("ziplist entry runs past the end of the ziplist");
}
