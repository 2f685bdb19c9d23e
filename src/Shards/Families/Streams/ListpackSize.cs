using TdbPlus.Resp;

namespace TdbPlus.Shards.Families.Streams;

/// <summary>
/// Sizes of Redis listpack elements. Streams keep their own compact node format, but Redis decides when a
/// stream node is full from its listpack byte size (stream-node-max-bytes), which shows in XLEN after
/// approximate trimming and in XINFO radix-tree-keys; tracking that size per node keeps node boundaries
/// identical.
/// </summary>
public static class ListpackSize
{
    /// <summary>Listpack header (total bytes + element count) and the end marker.</summary>
    public const int Empty = 6 + 1;

    /// <summary>Bytes of an integer element (encoding plus back-length).</summary>
    public static int Integer(long v)
    {
        int enc = v switch
        {
            >= 0 and <= 127 => 1,
            >= -4096 and <= 4095 => 2,
            >= -32768 and <= 32767 => 3,
            >= -8388608 and <= 8388607 => 4,
            >= int.MinValue and <= int.MaxValue => 5,
            _ => 9,
        };
        return enc + 1;
    }

    /// <summary>Bytes of a string element; strings that read as integers are stored as integers.</summary>
    public static int String(ReadOnlySpan<byte> s)
    {
        if (s.Length <= 20 && NumberParser.TryParseInt64(s, out long v)) return Integer(v);
        int enc = s.Length < 64 ? 1 + s.Length : s.Length < 4096 ? 2 + s.Length : 5 + s.Length;
        return enc + BackLength(enc);
    }

    private static int BackLength(int l) => l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
}
