using TdbPlus.Resp;

namespace TdbPlus.Shards.Commands;

/// <summary>
/// SCAN cursors over a sharded keyspace: cursor = tableCursor * shards + shard, so a scan walks shard 0's
/// table, then shard 1's, and each call runs on the one shard its cursor names.
/// </summary>
public static class ScanCursor
{
    public static int ShardOf(ReadOnlySpan<byte> cursorArg, int shards) =>
        NumberParser.TryParseUInt64(cursorArg, out ulong c) ? (int)(c % (ulong)shards) : 0;

    public static ulong TableCursor(ulong cursor, int shards) => cursor / (ulong)shards;

    /// <summary>The cursor to return after scanning shard <paramref name="shard"/> up to <paramref name="next"/>.</summary>
    public static ulong Next(ulong next, int shard, int shards)
    {
        if (next != 0) return next * (ulong)shards + (ulong)shard;
        return shard + 1 < shards ? (ulong)(shard + 1) : 0;
    }
}
