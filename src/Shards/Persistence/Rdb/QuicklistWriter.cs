using TdbPlus.Shards.Codecs;
using TdbPlus.Shards.Families.Lists;

namespace TdbPlus.Shards.Persistence.Rdb;

/// <summary>
/// Writes a list as RDB_TYPE_LIST_QUICKLIST_2: its elements cut into listpack nodes where Redis 7.0's quicklist
/// would cut them when the list is built by tail pushes (_quicklistNodeAllowInsert of 7.0.15 with the list-max-listpack-size
/// fill), so a list made by RPUSH dumps byte for byte as redis-server dumps it.
/// </summary>
internal static class QuicklistWriter
{
    private const int SafetyLimit = 8192;
    private const int PackedThreshold = 1 << 30;
    private static readonly int[] s_optimizationLevel = [4096, 8192, 16384, 32768, 65536];

    /// <param name="compressDepth">list-compress-depth: nodes further than this from both ends are written LZF-compressed, as Redis keeps them.</param>
    public static void Write(RdbOutput o, QuickList list, bool compress, int fill, int compressDepth = 0)
    {
        fill = Math.Clamp(fill, -5, (1 << 15) - 1);
        var lp = RdbValueWriter.Listpack;
        if (list.Count == 0)
        {
            o.WriteLength(0UL);
            return;
        }
        // First pass: node sizes (elements per node), as the quicklist would have grown them.
        var counts = new List<int>();
        long nodeBytes = 0;
        int nodeCount = 0;
        var c = list.Seek(0);
        do
        {
            var e = list.At(c);
            if (nodeCount == 0 || !AllowInsert(nodeBytes, nodeCount, fill, e.Length))
            {
                if (nodeCount > 0) counts.Add(nodeCount);
                lp.Reset();
                nodeCount = 0;
            }
            lp.Append(e);
            nodeBytes = lp.TotalBytes;
            nodeCount++;
        }
        while (list.MoveNext(ref c));
        counts.Add(nodeCount);

        o.WriteLength((ulong)counts.Count);
        c = list.Seek(0);
        // Redis compresses nothing while the list has fewer than 2 * depth nodes.
        bool anyInterior = compressDepth > 0 && counts.Count >= 2 * compressDepth;
        for (int i = 0; i < counts.Count; i++)
        {
            lp.Reset();
            for (int k = 0; k < counts[i]; k++)
            {
                lp.Append(list.At(c));
                list.MoveNext(ref c);
            }
            o.WriteLength((ulong)RdbConstants.QuicklistNodePacked);
            var node = lp.Finish();
            bool interior = anyInterior && i >= compressDepth && i < counts.Count - compressDepth;
            if (!interior || !TryWriteCompressedNode(o, node)) o.WriteString(node, compress);
        }
    }

    /// <summary>
    /// __quicklistCompressNode's rule (at least 48 bytes, compressed into at most its own size and 8 bytes
    /// smaller), written as rdbSaveLzfBlob does; false leaves the node raw.
    /// </summary>
    private static bool TryWriteCompressedNode(RdbOutput o, ReadOnlySpan<byte> node)
    {
        if (node.Length < 48) return false;
        byte[] scratch = System.Buffers.ArrayPool<byte>.Shared.Rent(node.Length);
        try
        {
            int n = Lzf.Shared.Compress(node, scratch.AsSpan(0, node.Length));
            if (n == 0 || n + 8 >= node.Length) return false;
            o.WriteByte(0xC0 | RdbConstants.EncLzf);
            o.WriteLength((ulong)n);
            o.WriteLength((ulong)node.Length);
            o.Write(scratch.AsSpan(0, n));
            return true;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    /// <summary>Whether a node of <paramref name="nodeBytes"/> / <paramref name="count"/> takes one more element of <paramref name="sz"/> bytes.</summary>
    private static bool AllowInsert(long nodeBytes, int count, int fill, int sz)
    {
        if (sz >= PackedThreshold) return false;
        // An overestimate of the entry's listpack overhead (SIZE_ESTIMATE_OVERHEAD).
        long newSize = nodeBytes + sz + 8;
        if (fill < 0) return newSize <= s_optimizationLevel[Math.Min(-fill - 1, s_optimizationLevel.Length - 1)];
        if (newSize > SafetyLimit) return false;
        return count + 1 <= (fill == 0 ? 1 : fill);
    }
}
