using TdbPlus.Resp;

namespace TdbPlus.Shards.Commands;

/// <summary>
/// SCAN cursors over a sharded keyspace: cursor = tableCursor * shards + shard, so a scan walks shard 0's
/// table, then shard 1's, and each call runs on the one shard its cursor names.
/// </summary>
public static class ScanCursor
{
    public static int ShardOf(ReadOnlySpan<byte> cursorArg, int shards) =>
        TryParse(cursorArg, out ulong c) ? (int)(c % (ulong)shards) : 0;

    /// <summary>
    /// Parses a cursor as Redis does (strtoul, base 10): optional sign ("-1" wraps to 2^64-1), no leading
    /// space, nothing after the digits, no overflow; an empty argument is cursor 0.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> s, out ulong cursor)
    {
        cursor = 0;
        int i = 0;
        bool negative = false;
        if (s.Length > 0 && (s[0] == (byte)'+' || s[0] == (byte)'-'))
        {
            negative = s[0] == (byte)'-';
            i = 1;
        }
        int digits = 0;
        for (; i < s.Length; i++, digits++)
        {
            uint d = (uint)(s[i] - '0');
            if (d > 9) return false;
            if (cursor > (ulong.MaxValue - d) / 10) return false;
            cursor = cursor * 10 + d;
        }
        if (digits == 0) return s.Length == 0;
        if (negative) cursor = 0 - cursor;
        return true;
    }

    public static ulong TableCursor(ulong cursor, int shards) => cursor / (ulong)shards;

    /// <summary>The cursor to return after scanning shard <paramref name="shard"/> up to <paramref name="next"/>.</summary>
    public static ulong Next(ulong next, int shard, int shards)
    {
        if (next != 0) return next * (ulong)shards + (ulong)shard;
        return shard + 1 < shards ? (ulong)(shard + 1) : 0;
    }
}
