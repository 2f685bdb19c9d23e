using TdbPlus.Shards.Families.Lists;

namespace TdbPlus.Shards.Persistence.Rdb;

/// <summary>
/// Writes a list as RDB_TYPE_LIST_QUICKLIST_2: its elements cut into listpack nodes where Redis 7.0's quicklist
/// would cut them when the list is built by tail pushes (_quicklistNodeAllowInsert with the list-max-listpack-size
/// fill), so a list made by RPUSH dumps byte for byte as redis-server dumps it.
/// </summary>
internal static class QuicklistWriter
{
    private const int SafetyLimit = 8192;
    private static readonly int[] s_optimizationLevel = [4096, 8192, 16384, 32768, 65536];

    public static void Write(RdbOutput o, QuickList list, bool compress, int fill)
    {
        fill = Math.Clamp(fill, -5, 1 << 15);
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
        foreach (int n in counts)
        {
            lp.Reset();
            for (int k = 0; k < n; k++)
            {
                lp.Append(list.At(c));
                list.MoveNext(ref c);
            }
            o.WriteLength((ulong)RdbConstants.QuicklistNodePacked);
            o.WriteString(lp.Finish(), compress);
        }
    }

    private static bool AllowInsert(long nodeBytes, int count, int fill, int sz)
    {
        int overhead = sz < 254 ? 1 : 5;
        overhead += sz < 64 ? 1 : sz < 16384 ? 2 : 5;
        long newSize = nodeBytes + sz + overhead;
        if (fill < 0 && newSize <= s_optimizationLevel[-fill - 1]) return true;
        if (newSize > SafetyLimit) return false;
        return count < fill;
    }
}
