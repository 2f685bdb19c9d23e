using TdbPlus.Shards.Keyspace;

namespace TdbPlus.Shards.Families.Streams;

/// <summary>The field/value pairs of a new entry, read without copying (command arguments, test data).</summary>
public interface IFieldPairs
{
    int Count { get; }

    ReadOnlySpan<byte> Field(int i);

    ReadOnlySpan<byte> Value(int i);
}

/// <summary>How XADD/XTRIM trim: Redis's streamAddTrimArgs.</summary>
public enum TrimStrategy { None, MaxLen, MinId }

public readonly record struct TrimSpec(TrimStrategy Strategy, long MaxLen, StreamId MinId, bool Approx, long Limit);

/// <summary>
/// A stream (Redis's OBJ_STREAM): entries packed into byte[] nodes of up to stream-node-max-entries entries /
/// stream-node-max-bytes bytes, indexed by a sorted array of the nodes' first IDs (the radix tree of
/// listpacks in Redis); no managed object per entry. Plus the stream's counters and its consumer groups.
/// </summary>
public sealed partial class StreamObject : IKeyObject
{
    private byte[][] _nodes = new byte[4][];
    private StreamId[] _keys = new StreamId[4];
    private int _head;
    private int _count;
    private long _nodeBytes;

    /// <summary>Live entries (XLEN).</summary>
    public long Length { get; private set; }

    /// <summary>Last ID ever generated or set (last-generated-id).</summary>
    public StreamId LastId { get; set; }

    /// <summary>First live entry's ID as Redis records it (recorded-first-entry-id); 0-0 when empty.</summary>
    public StreamId FirstId { get; set; }

    /// <summary>Greatest ID deleted by XDEL (max-deleted-entry-id).</summary>
    public StreamId MaxDeletedId { get; set; }

    /// <summary>Entries ever added (entries-added).</summary>
    public long EntriesAdded { get; set; }

    /// <summary>Number of nodes (XINFO radix-tree-keys).</summary>
    public int NodeCount => _count;

    public string Encoding => "stream";

    public long MemoryBytes => 96 + _nodeBytes + (long)_nodes.Length * 8 + (long)_keys.Length * 16 + GroupsMemory();

    internal byte[] NodeAt(int i) => _nodes[_head + i];

    internal StreamId KeyAt(int i) => _keys[_head + i];

    // ---- appending ----

    /// <summary>
    /// Appends an entry with <paramref name="id"/> (the caller checked it is greater than <see cref="LastId"/>),
    /// opening a new node when the tail one is full by Redis's rules.
    /// </summary>
    public void Append<T>(in T pairs, StreamId id, long nodeMaxBytes, long nodeMaxEntries) where T : IFieldPairs
    {
        int n = pairs.Count;
        long totalLen = 0;
        for (int i = 0; i < n; i++) totalLen += pairs.Field(i).Length + pairs.Value(i).Length;

        byte[]? tail = _count > 0 ? _nodes[_head + _count - 1] : null;
        if (tail is not null)
        {
            long maxBytes = nodeMaxBytes;
            if (maxBytes == 0 || maxBytes > 1 << 30) maxBytes = 1 << 30;
            if (StreamNode.LpBytes(tail) + totalLen >= maxBytes ||
                (nodeMaxEntries != 0 && StreamNode.Live(tail) + (long)StreamNode.Deleted(tail) >= nodeMaxEntries))
            {
                ShrinkToFit(_count - 1);
                tail = null;
            }
        }

        StreamId master;
        bool same;
        if (tail is null)
        {
            tail = NewNode(pairs, nodeMaxBytes, nodeMaxEntries);
            master = id;
            same = true;
            AddNode(id, tail);
        }
        else
        {
            master = _keys[_head + _count - 1];
            same = SameAsMaster(tail, pairs);
            int live = StreamNode.Live(tail);
            StreamNode.SetLive(tail, live + 1);
            StreamNode.SetLpBytes(tail, StreamNode.LpBytes(tail) + ListpackSize.Integer(live + 1) - ListpackSize.Integer(live));
        }

        // Entry bytes in our encoding, and in Redis's listpack for the node-size rule.
        ulong msDelta = id.Ms - master.Ms;
        ulong seqZ = StreamNode.ZigZag((long)(id.Seq - master.Seq));
        int size = 1 + StreamNode.VarintSize(msDelta) + StreamNode.VarintSize(seqZ);
        int lp = ListpackSize.Integer(same ? StreamNode.FlagSameFields : 0) +
                 ListpackSize.Integer((long)msDelta) + ListpackSize.Integer((long)(id.Seq - master.Seq));
        if (!same)
        {
            size += StreamNode.VarintSize((ulong)n);
            lp += ListpackSize.Integer(n);
        }
        for (int i = 0; i < n; i++)
        {
            var v = pairs.Value(i);
            size += StreamNode.StringSize(v.Length);
            lp += ListpackSize.String(v);
            if (!same)
            {
                var f = pairs.Field(i);
                size += StreamNode.StringSize(f.Length);
                lp += ListpackSize.String(f);
            }
        }
        lp += ListpackSize.Integer(n + 3 + (same ? 0 : n + 1));

        int used = StreamNode.Used(tail);
        if (used + size > tail.Length)
        {
            tail = Grow(_count - 1, used + size);
        }
        int p = used;
        tail[p++] = same ? StreamNode.FlagSameFields : (byte)0;
        StreamNode.WriteVarint(tail, ref p, msDelta);
        StreamNode.WriteVarint(tail, ref p, seqZ);
        if (!same) StreamNode.WriteVarint(tail, ref p, (ulong)n);
        for (int i = 0; i < n; i++)
        {
            if (!same) StreamNode.WriteString(tail, ref p, pairs.Field(i));
            StreamNode.WriteString(tail, ref p, pairs.Value(i));
        }
        StreamNode.SetUsed(tail, p);
        StreamNode.SetLpBytes(tail, StreamNode.LpBytes(tail) + lp);

        Length++;
        EntriesAdded++;
        LastId = id;
        if (Length == 1) FirstId = id;
    }

    /// <summary>
    /// A node holding the master fields of <paramref name="pairs"/>, sized for the entries it will probably
    /// take (as many like this one as the node limits allow), so that filling it rarely reallocates.
    /// </summary>
    private static byte[] NewNode<T>(in T pairs, long nodeMaxBytes, long nodeMaxEntries) where T : IFieldPairs
    {
        int n = pairs.Count;
        int size = StreamNode.HeaderSize + StreamNode.VarintSize((ulong)n);
        int lp = ListpackSize.Empty + ListpackSize.Integer(1) + ListpackSize.Integer(0) + ListpackSize.Integer(n) +
                 ListpackSize.Integer(0);
        for (int i = 0; i < n; i++)
        {
            var f = pairs.Field(i);
            size += StreamNode.StringSize(f.Length);
            lp += ListpackSize.String(f);
        }
        // An entry with the master's fields: flags, small ID deltas, the values.
        long entry = 5;
        for (int i = 0; i < n; i++) entry += StreamNode.StringSize(pairs.Value(i).Length);
        long entries = nodeMaxEntries is > 0 and <= 1000 ? nodeMaxEntries : 64;
        long bytesCap = nodeMaxBytes is > 0 and <= 1 << 20 ? nodeMaxBytes + 64 : 4096;
        long capacity = size + Math.Min(entry * entries, Math.Max(bytesCap, entry));
        var node = new byte[(int)Math.Min(capacity, 1 << 30)];
        int p = StreamNode.HeaderSize;
        StreamNode.WriteVarint(node, ref p, (ulong)n);
        for (int i = 0; i < n; i++) StreamNode.WriteString(node, ref p, pairs.Field(i));
        StreamNode.SetUsed(node, p);
        StreamNode.SetLive(node, 1);
        StreamNode.SetDeleted(node, 0);
        StreamNode.SetLpBytes(node, lp);
        StreamNode.SetEntriesStart(node, p);
        return node;
    }

    private static bool SameAsMaster<T>(byte[] node, in T pairs) where T : IFieldPairs
    {
        int n = StreamNode.MasterFields(node, out int p);
        if (n != pairs.Count) return false;
        for (int i = 0; i < n; i++)
        {
            if (!StreamNode.ReadString(node, ref p).SequenceEqual(pairs.Field(i))) return false;
        }
        return true;
    }

    private byte[] Grow(int i, int needed)
    {
        var old = _nodes[_head + i];
        int size = Math.Max(needed, old.Length * 2);
        var node = new byte[size];
        old.AsSpan(0, StreamNode.Used(old)).CopyTo(node);
        _nodes[_head + i] = node;
        _nodeBytes += node.Length - old.Length;
        return node;
    }

    /// <summary>Trims a closed node's spare room when it is more than a quarter of it.</summary>
    private void ShrinkToFit(int i)
    {
        var old = _nodes[_head + i];
        int used = StreamNode.Used(old);
        if (old.Length - used <= old.Length / 4) return;
        var node = old.AsSpan(0, used).ToArray();
        _nodes[_head + i] = node;
        _nodeBytes += node.Length - old.Length;
    }

    private void AddNode(StreamId key, byte[] node)
    {
        if (_head + _count == _nodes.Length)
        {
            if (_head > _nodes.Length / 2)
            {
                Array.Copy(_nodes, _head, _nodes, 0, _count);
                Array.Copy(_keys, _head, _keys, 0, _count);
                Array.Clear(_nodes, _count, _head);
                _head = 0;
            }
            else
            {
                int cap = _nodes.Length * 2;
                var nodes = new byte[cap][];
                var keys = new StreamId[cap];
                Array.Copy(_nodes, _head, nodes, 0, _count);
                Array.Copy(_keys, _head, keys, 0, _count);
                _nodes = nodes;
                _keys = keys;
                _head = 0;
            }
        }
        _nodes[_head + _count] = node;
        _keys[_head + _count] = key;
        _count++;
        _nodeBytes += node.Length + 24;
    }

    /// <summary>
    /// Appends a node decoded from an RDB listpack (kept as it was, tombstones included) after every existing
    /// node; its <paramref name="live"/> entries count toward <see cref="Length"/>.
    /// </summary>
    internal void AppendLoadedNode(StreamId master, byte[] node, int live)
    {
        AddNode(master, node);
        Length += live;
    }

    private void RemoveNode(int i)
    {
        _nodeBytes -= _nodes[_head + i].Length + 24;
        if (i == 0)
        {
            _nodes[_head] = null!;
            _head++;
            _count--;
            if (_count == 0) _head = 0;
            return;
        }
        int at = _head + i;
        Array.Copy(_nodes, at + 1, _nodes, at, _count - i - 1);
        Array.Copy(_keys, at + 1, _keys, at, _count - i - 1);
        _count--;
        _nodes[_head + _count] = null!;
    }

    // ---- lookups ----

    /// <summary>Relative index of the last node whose first ID is at most <paramref name="id"/>, or -1.</summary>
    internal int FindNodeAtOrBefore(StreamId id)
    {
        int lo = 0, hi = _count - 1, found = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_keys[_head + mid] <= id)
            {
                found = mid;
                lo = mid + 1;
            }
            else hi = mid - 1;
        }
        return found;
    }

    /// <summary>Finds a live entry by ID: its node (relative index) and header.</summary>
    internal bool TryFind(StreamId id, out int nodeIndex, out EntryHeader entry)
    {
        entry = default;
        nodeIndex = FindNodeAtOrBefore(id);
        if (nodeIndex < 0) return false;
        var node = NodeAt(nodeIndex);
        var master = KeyAt(nodeIndex);
        int mf = StreamNode.MasterFields(node, out _);
        int p = StreamNode.EntriesStart(node);
        int end = StreamNode.Used(node);
        while (p < end)
        {
            int next = StreamNode.ReadEntry(node, p, master, mf, out var e);
            int c = e.Id.CompareTo(id);
            if (c == 0)
            {
                if (e.IsDeleted) return false;
                entry = e;
                return true;
            }
            if (c > 0) return false;
            p = next;
        }
        return false;
    }

    /// <summary>True when a live entry has this ID (streamEntryExists).</summary>
    public bool Exists(StreamId id) => TryFind(id, out _, out _);

    /// <summary>The last live entry's ID (streamLastValidID); 0-0 when empty.</summary>
    public StreamId LastValidId()
    {
        var c = new StreamCursor(this, StreamId.Zero, StreamId.Max, reverse: true);
        var id = c.MoveNext() ? c.Id : StreamId.Zero;
        c.Dispose();
        return id;
    }

    /// <summary>The first live entry's ID; <paramref name="ifEmpty"/> when there is none.</summary>
    public StreamId FirstValidId(StreamId ifEmpty)
    {
        var c = new StreamCursor(this, StreamId.Zero, StreamId.Max, reverse: false);
        var id = c.MoveNext() ? c.Id : ifEmpty;
        c.Dispose();
        return id;
    }

    // ---- deleting ----

    /// <summary>Marks a live entry deleted (freeing its node when it was the node's last live one).</summary>
    public bool Delete(StreamId id)
    {
        if (!TryFind(id, out int ni, out var e)) return false;
        var node = NodeAt(ni);
        int live = StreamNode.Live(node);
        if (live == 1) RemoveNode(ni);
        else
        {
            node[e.Offset] |= StreamNode.FlagDeleted;
            MarkCounts(node, live, StreamNode.Deleted(node), -1);
        }
        Length--;
        return true;
    }

    /// <summary>Moves <paramref name="delta"/> entries (negative) from live to deleted, keeping the listpack size.</summary>
    private static void MarkCounts(byte[] node, int live, int deleted, int delta)
    {
        int nl = live + delta, nd = deleted - delta;
        StreamNode.SetLive(node, nl);
        StreamNode.SetDeleted(node, nd);
        StreamNode.SetLpBytes(node, StreamNode.LpBytes(node) + ListpackSize.Integer(nl) - ListpackSize.Integer(live) +
            ListpackSize.Integer(nd) - ListpackSize.Integer(deleted));
    }

    /// <summary>Redis's streamTrim: removes whole nodes from the head, then (unless approximate) entries of one more.</summary>
    public long Trim(in TrimSpec spec)
    {
        if (spec.Strategy == TrimStrategy.None) return 0;
        long deleted = 0;
        while (_count > 0)
        {
            if (spec.Strategy == TrimStrategy.MaxLen && Length <= spec.MaxLen) break;
            var node = NodeAt(0);
            var master = KeyAt(0);
            int entries = StreamNode.Live(node);
            if (spec.Limit != 0 && deleted + entries > spec.Limit) break;
            bool removeNode = spec.Strategy == TrimStrategy.MaxLen
                ? Length - entries >= spec.MaxLen
                : LastIdInNode(node, master) < spec.MinId;
            if (removeNode)
            {
                RemoveNode(0);
                Length -= entries;
                deleted += entries;
                continue;
            }
            if (spec.Approx) break;

            int mf = StreamNode.MasterFields(node, out _);
            int p = StreamNode.EntriesStart(node);
            int end = StreamNode.Used(node);
            int fromNode = 0;
            while (p < end)
            {
                int next = StreamNode.ReadEntry(node, p, master, mf, out var e);
                bool stop = spec.Strategy == TrimStrategy.MaxLen ? Length <= spec.MaxLen : e.Id >= spec.MinId;
                if (stop) break;
                if (!e.IsDeleted)
                {
                    node[p] |= StreamNode.FlagDeleted;
                    fromNode++;
                    Length--;
                }
                p = next;
            }
            MarkCounts(node, entries, StreamNode.Deleted(node), -fromNode);
            deleted += fromNode;
            break;
        }
        if (Length == 0) FirstId = StreamId.Zero;
        else if (deleted != 0) FirstId = FirstValidId(StreamId.Max);
        return deleted;
    }

    /// <summary>The ID of the node's last entry, deleted or not (lpGetEdgeStreamID).</summary>
    private static StreamId LastIdInNode(byte[] node, StreamId master)
    {
        int mf = StreamNode.MasterFields(node, out _);
        int p = StreamNode.EntriesStart(node);
        int end = StreamNode.Used(node);
        var last = StreamId.Zero;
        while (p < end)
        {
            p = StreamNode.ReadEntry(node, p, master, mf, out var e);
            last = e.Id;
        }
        return last;
    }

    // ---- XINFO figures ----

    /// <summary>
    /// Nodes of the radix tree Redis would hold for these node keys (XINFO radix-tree-nodes): keys are 16-byte
    /// big-endian IDs; a run of single-child positions is one compressed node, a fork one node, each key a leaf.
    /// </summary>
    public long RadixTreeNodes()
    {
        if (_count == 0) return 1;
        var keys = new byte[_count * 16];
        for (int i = 0; i < _count; i++) KeyAt(i).WriteBigEndian(keys.AsSpan(i * 16, 16));
        return CountRaxNodes(keys, 0, _count, 0);
    }

    private static long CountRaxNodes(byte[] keys, int lo, int hi, int depth)
    {
        if (depth == 16) return 1;
        if (hi - lo == 1) return 2;
        // Longest common prefix of the (sorted) range = that of its first and last keys.
        var first = keys.AsSpan(lo * 16, 16);
        var last = keys.AsSpan((hi - 1) * 16, 16);
        int lcp = depth;
        while (lcp < 16 && first[lcp] == last[lcp]) lcp++;
        if (lcp > depth) return 1 + CountRaxNodes(keys, lo, hi, lcp);
        long total = 1;
        int start = lo;
        while (start < hi)
        {
            byte b = keys[start * 16 + depth];
            int end = start + 1;
            while (end < hi && keys[end * 16 + depth] == b) end++;
            total += CountRaxNodes(keys, start, end, depth + 1);
            start = end;
        }
        return total;
    }

    // ---- IKeyObject ----

    public IKeyObject Clone()
    {
        var copy = new StreamObject
        {
            _nodes = new byte[Math.Max(4, _count)][],
            _keys = new StreamId[Math.Max(4, _count)],
            _count = _count,
            _nodeBytes = _nodeBytes,
            Length = Length,
            LastId = LastId,
            FirstId = FirstId,
            MaxDeletedId = MaxDeletedId,
            EntriesAdded = EntriesAdded,
        };
        for (int i = 0; i < _count; i++)
        {
            copy._nodes[i] = (byte[])NodeAt(i).Clone();
            copy._keys[i] = KeyAt(i);
        }
        if (_groups is not null)
        {
            copy._groups = new List<ConsumerGroup>(_groups.Count);
            foreach (var g in _groups) copy._groups.Add(g.Clone());
        }
        return copy;
    }
}
