using TdbPlus.Shards.Keyspace;

namespace TdbPlus.Shards.Families.Lists;

/// <summary>
/// A list value as Redis's quicklist: a sequence of nodes, each one byte[] holding up to a size (or count)
/// limit of packed elements (<see cref="ListEntry"/>), so a list costs a few bytes per element plus one small
/// object per node of ~8 KB, never one object per element. Each node keeps free space at both ends, so pushes
/// and pops at either end are O(1); index operations skip whole nodes by their counts and then walk inside
/// one node from its nearer end.
/// </summary>
/// <remarks>
/// Node limits follow list-max-listpack-size: a negative fill -1..-5 caps a node at 4/8/16/32/64 KB of
/// entries, a positive fill caps its element count (with Redis's 8 KB safety limit). An element larger than
/// the limit gets a node of its own. Redis 7.0 reports every list as "quicklist" in OBJECT ENCODING.
/// </remarks>
public sealed class QuickList : IKeyObject
{
    /// <summary>Redis's SIZE_SAFETY_LIMIT: the byte cap of a node when the fill is a count.</summary>
    private const int SafetyLimit = 8192;

    /// <summary>Approximate bytes of a node object and its array header.</summary>
    private const int NodeOverhead = 64;

    private const int ObjectOverhead = 64;

    private static readonly int[] s_sizeLevels = [4096, 8192, 16384, 32768, 65536];

    private readonly int _fill;
    private readonly int _maxBytes;
    private Node[] _nodes;
    private int _head;
    private int _nodeCount;
    private long _bufferBytes;

    /// <param name="fill">list-max-listpack-size: negative for a byte limit per node, positive for a count.</param>
    public QuickList(int fill = -2)
    {
        _fill = fill;
        _maxBytes = fill < 0 ? s_sizeLevels[Math.Min(-(long)fill - 1, s_sizeLevels.Length - 1)] : SafetyLimit;
        _nodes = new Node[4];
        _head = 2;
    }

    public long Count { get; private set; }

    public int NodeCount => _nodeCount;

    public long MemoryBytes => ObjectOverhead + (_nodes.Length * 8L) + ((long)_nodeCount * NodeOverhead) + _bufferBytes;

    public string Encoding => "quicklist";

    /// <summary>A position in the list: a node (0 = first) and the byte offset of an element in it.</summary>
    public struct Cursor
    {
        public int Node;
        public int Pos;
    }

    private sealed class Node(byte[] buf, int start)
    {
        public byte[] Buf = buf;
        public int Start = start;
        public int End = start;
        public int Count;

        public int Bytes => End - Start;

        /// <summary>Byte offset of the element <paramref name="k"/> of this node, walking from the nearer end.</summary>
        public int OffsetOf(int k)
        {
            if (k <= Count / 2)
            {
                int p = Start;
                for (int i = 0; i < k; i++) p += ListEntry.SizeAt(Buf, p);
                return p;
            }
            int q = End;
            for (int i = Count; i > k; i--) q = ListEntry.StartBefore(Buf, q);
            return q;
        }
    }

    private Node N(int i) => _nodes[_head + i];

    // ---- ends ----

    public void PushHead(ReadOnlySpan<byte> value)
    {
        int size = ListEntry.Size(value.Length);
        Node? n = _nodeCount > 0 ? N(0) : null;
        if (n is null || !AllowInsert(n, size))
        {
            n = NewNode(size, atFront: true);
            InsertNode(0, n);
        }
        else Reserve(n, size, front: true);
        n.Start -= size;
        ListEntry.Write(n.Buf, n.Start, value);
        n.Count++;
        Count++;
    }

    public void PushTail(ReadOnlySpan<byte> value)
    {
        int size = ListEntry.Size(value.Length);
        Node? n = _nodeCount > 0 ? N(_nodeCount - 1) : null;
        if (n is null || !AllowInsert(n, size))
        {
            n = NewNode(size, atFront: false);
            InsertNode(_nodeCount, n);
        }
        else Reserve(n, size, front: false);
        ListEntry.Write(n.Buf, n.End, value);
        n.End += size;
        n.Count++;
        Count++;
    }

    public void Push(ReadOnlySpan<byte> value, bool head)
    {
        if (head) PushHead(value);
        else PushTail(value);
    }

    /// <summary>The first element (the list must not be empty); valid until the next change.</summary>
    public ReadOnlySpan<byte> Head
    {
        get
        {
            var n = N(0);
            return ListEntry.Value(n.Buf, n.Start);
        }
    }

    /// <summary>The last element (the list must not be empty); valid until the next change.</summary>
    public ReadOnlySpan<byte> Tail
    {
        get
        {
            var n = N(_nodeCount - 1);
            return ListEntry.Value(n.Buf, ListEntry.StartBefore(n.Buf, n.End));
        }
    }

    public ReadOnlySpan<byte> Peek(bool head) => head ? Head : Tail;

    public void RemoveHead()
    {
        var n = N(0);
        n.Start += ListEntry.SizeAt(n.Buf, n.Start);
        n.Count--;
        Count--;
        if (n.Count == 0) RemoveNodes(0, 1);
    }

    public void RemoveTail()
    {
        var n = N(_nodeCount - 1);
        n.End = ListEntry.StartBefore(n.Buf, n.End);
        n.Count--;
        Count--;
        if (n.Count == 0) RemoveNodes(_nodeCount - 1, 1);
    }

    /// <summary>Removes and returns the first or last element as a new array.</summary>
    public byte[] Pop(bool head)
    {
        byte[] value = Peek(head).ToArray();
        if (head) RemoveHead();
        else RemoveTail();
        return value;
    }

    // ---- cursors ----

    /// <summary>The cursor of element <paramref name="index"/> (0 &lt;= index &lt; Count), found from the nearer end.</summary>
    public Cursor Seek(long index)
    {
        int i;
        long k;
        if (index < Count / 2)
        {
            i = 0;
            k = index;
            while (k >= N(i).Count)
            {
                k -= N(i).Count;
                i++;
            }
        }
        else
        {
            i = _nodeCount - 1;
            long fromEnd = Count - 1 - index;
            while (fromEnd >= N(i).Count)
            {
                fromEnd -= N(i).Count;
                i--;
            }
            k = N(i).Count - 1 - fromEnd;
        }
        return new Cursor { Node = i, Pos = N(i).OffsetOf((int)k) };
    }

    /// <summary>The element at a cursor; valid until the next change.</summary>
    public ReadOnlySpan<byte> At(Cursor c) => ListEntry.Value(N(c.Node).Buf, c.Pos);

    /// <summary>Moves to the next element; false at the end.</summary>
    public bool MoveNext(ref Cursor c)
    {
        var n = N(c.Node);
        int p = c.Pos + ListEntry.SizeAt(n.Buf, c.Pos);
        if (p < n.End)
        {
            c.Pos = p;
            return true;
        }
        if (c.Node + 1 >= _nodeCount) return false;
        c.Node++;
        c.Pos = N(c.Node).Start;
        return true;
    }

    /// <summary>Moves to the previous element; false at the start.</summary>
    public bool MovePrev(ref Cursor c)
    {
        var n = N(c.Node);
        if (c.Pos > n.Start)
        {
            c.Pos = ListEntry.StartBefore(n.Buf, c.Pos);
            return true;
        }
        if (c.Node == 0) return false;
        c.Node--;
        var prev = N(c.Node);
        c.Pos = ListEntry.StartBefore(prev.Buf, prev.End);
        return true;
    }

    /// <summary>Element <paramref name="index"/> (0 &lt;= index &lt; Count).</summary>
    public ReadOnlySpan<byte> Get(long index)
    {
        var c = Seek(index);
        return At(c);
    }

    /// <summary>
    /// Removes the element at <paramref name="c"/>; the cursor then designates the element that followed it
    /// (<paramref name="forward"/>) or preceded it. False when there is no such element.
    /// </summary>
    public bool RemoveAt(ref Cursor c, bool forward)
    {
        var n = N(c.Node);
        int next = RemoveInNode(n, c.Pos);
        Count--;
        if (n.Count == 0)
        {
            RemoveNodes(c.Node, 1);
            if (forward)
            {
                if (c.Node >= _nodeCount) return false;
                c.Pos = N(c.Node).Start;
                return true;
            }
            c.Node--;
            if (c.Node < 0) return false;
            var prev = N(c.Node);
            c.Pos = ListEntry.StartBefore(prev.Buf, prev.End);
            return true;
        }
        if (forward)
        {
            if (next < n.End)
            {
                c.Pos = next;
                return true;
            }
            if (c.Node + 1 >= _nodeCount) return false;
            c.Node++;
            c.Pos = N(c.Node).Start;
            return true;
        }
        if (next > n.Start)
        {
            c.Pos = ListEntry.StartBefore(n.Buf, next);
            return true;
        }
        if (c.Node == 0) return false;
        c.Node--;
        var p = N(c.Node);
        c.Pos = ListEntry.StartBefore(p.Buf, p.End);
        return true;
    }

    /// <summary>Inserts <paramref name="value"/> before or after the element at <paramref name="c"/> (LINSERT).</summary>
    public void InsertAt(Cursor c, bool after, ReadOnlySpan<byte> value)
    {
        int i = c.Node;
        var n = N(i);
        int size = ListEntry.Size(value.Length);
        int pos = after ? c.Pos + ListEntry.SizeAt(n.Buf, c.Pos) : c.Pos;
        Count++;
        if (AllowInsert(n, size))
        {
            InsertInNode(n, pos, value);
            return;
        }
        if (pos == n.End && i + 1 < _nodeCount && AllowInsert(N(i + 1), size))
        {
            InsertInNode(N(i + 1), N(i + 1).Start, value);
            return;
        }
        if (pos == n.Start && i > 0 && AllowInsert(N(i - 1), size))
        {
            InsertInNode(N(i - 1), N(i - 1).End, value);
            return;
        }
        if (pos == n.End || pos == n.Start)
        {
            var fresh = NewNode(size, atFront: false);
            InsertInNode(fresh, fresh.Start, value);
            InsertNode(pos == n.End ? i + 1 : i, fresh);
            return;
        }
        var right = SplitNode(i, pos);
        if (AllowInsert(n, size)) InsertInNode(n, n.End, value);
        else if (AllowInsert(right, size)) InsertInNode(right, right.Start, value);
        else
        {
            var fresh = NewNode(size, atFront: false);
            InsertInNode(fresh, fresh.Start, value);
            InsertNode(i + 1, fresh);
        }
    }

    /// <summary>Replaces the element at <paramref name="c"/> (LSET).</summary>
    public void ReplaceAt(Cursor c, ReadOnlySpan<byte> value)
    {
        int i = c.Node;
        var n = N(i);
        int oldSize = ListEntry.SizeAt(n.Buf, c.Pos);
        if (oldSize == ListEntry.Size(value.Length))
        {
            ListEntry.Write(n.Buf, c.Pos, value);
            return;
        }
        int next = RemoveInNode(n, c.Pos);
        InsertInNode(n, next, value);
        if (n.Bytes > _maxBytes && n.Count > 1)
        {
            // Grown past the node limit: split it in two halves.
            SplitNode(i, n.OffsetOf(n.Count / 2));
        }
    }

    /// <summary>Removes <paramref name="count"/> elements from index <paramref name="start"/> on (LTRIM, POP with COUNT).</summary>
    public void RemoveRange(long start, long count)
    {
        if (count <= 0 || start >= Count) return;
        if (start < 0) start = 0;
        if (count > Count - start) count = Count - start;
        var c = Seek(start);
        int i = c.Node;
        var first = N(i);
        // Partial removal inside the first node.
        if (c.Pos != first.Start || count < first.Count)
        {
            int k = CountBefore(first, c.Pos);
            int take = (int)Math.Min(count, first.Count - k);
            int to = k + take == first.Count ? first.End : Advance(first, c.Pos, take);
            RemoveBytes(first, c.Pos, to, take);
            count -= take;
            Count -= take;
            if (first.Count == 0) RemoveNodes(i, 1);
            else i++;
        }
        // Whole nodes.
        int whole = 0;
        long wholeElements = 0;
        while (count > 0 && i + whole < _nodeCount && N(i + whole).Count <= count)
        {
            count -= N(i + whole).Count;
            wholeElements += N(i + whole).Count;
            whole++;
        }
        if (whole > 0)
        {
            RemoveNodes(i, whole);
            Count -= wholeElements;
        }
        // The start of the last node.
        if (count > 0)
        {
            var last = N(i);
            int to = Advance(last, last.Start, (int)count);
            RemoveBytes(last, last.Start, to, (int)count);
            Count -= count;
        }
    }

    /// <summary>
    /// After removals in the middle (LREM, LTRIM): merges neighbouring nodes that fit in one and shrinks
    /// mostly empty buffers, so a list that lost most of its elements does not keep their memory.
    /// </summary>
    public void Compact()
    {
        for (int i = 0; i < _nodeCount; i++)
        {
            var n = N(i);
            while (i + 1 < _nodeCount)
            {
                var next = N(i + 1);
                if (n.Bytes + next.Bytes > _maxBytes || (_fill >= 0 && n.Count + next.Count > Math.Max(_fill, 1))) break;
                Reserve(n, next.Bytes, front: false);
                Buffer.BlockCopy(next.Buf, next.Start, n.Buf, n.End, next.Bytes);
                n.End += next.Bytes;
                n.Count += next.Count;
                RemoveNodes(i + 1, 1);
            }
            if (n.Buf.Length > 64 && n.Bytes < n.Buf.Length / 4) Resize(n, Math.Max(n.Bytes + (n.Bytes / 4), 16), front: false);
        }
        if (_nodes.Length > 16 && _nodeCount < _nodes.Length / 4) ResizeNodeArray(Math.Max(4, _nodeCount * 2));
    }

    public IKeyObject Clone()
    {
        var copy = new QuickList(_fill);
        copy._nodes = new Node[Math.Max(4, _nodeCount + 4)];
        copy._head = 2;
        for (int i = 0; i < _nodeCount; i++)
        {
            var n = N(i);
            var buf = new byte[Math.Max(n.Bytes, 16)];
            Buffer.BlockCopy(n.Buf, n.Start, buf, 0, n.Bytes);
            copy._nodes[copy._head + i] = new Node(buf, 0) { End = n.Bytes, Count = n.Count };
            copy._bufferBytes += buf.Length;
        }
        copy._nodeCount = _nodeCount;
        copy.Count = Count;
        return copy;
    }

    /// <summary>Every element in order (tests, small lists).</summary>
    public List<byte[]> ToList()
    {
        var list = new List<byte[]>((int)Math.Min(Count, 1 << 20));
        if (Count == 0) return list;
        var c = Seek(0);
        do list.Add(At(c).ToArray());
        while (MoveNext(ref c));
        return list;
    }

    // ---- node internals ----

    private bool AllowInsert(Node n, int size)
    {
        long bytes = (long)n.Bytes + size;
        if (_fill < 0) return bytes <= _maxBytes;
        return bytes <= SafetyLimit && n.Count < _fill;
    }

    private Node NewNode(int size, bool atFront)
    {
        int cap = size;
        // A list that already fills a node is likely to grow on: start its new nodes bigger.
        if (_nodeCount > 0 && _fill < 0) cap = Math.Max(cap, Math.Min(_maxBytes, 1024));
        cap = Math.Max(16, (cap + 15) & ~15);
        var n = new Node(new byte[cap], atFront ? cap : 0);
        _bufferBytes += cap;
        return n;
    }

    /// <summary>Makes room for <paramref name="size"/> bytes at the front or back of a node.</summary>
    private void Reserve(Node n, int size, bool front)
    {
        if (front ? n.Start >= size : n.Buf.Length - n.End >= size) return;
        int used = n.Bytes;
        int need = used + size;
        int cap = n.Buf.Length;
        // Room elsewhere in the buffer: move the bytes over rather than grow (a full node then fills its
        // buffer exactly). Otherwise double, up to the node limit.
        int newCap = need <= cap ? cap : Math.Max(need, Math.Min(cap * 2, Math.Max(_maxBytes, need)));
        Resize(n, newCap, front, size);
    }

    /// <summary>Moves a node's bytes into a buffer of <paramref name="newCap"/> bytes, leaving most free space on one side.</summary>
    private void Resize(Node n, int newCap, bool front, int reserve = 0)
    {
        int used = n.Bytes;
        int slack = newCap - used;
        int start = front ? slack - ((slack - reserve) / 4) : (slack - reserve) / 4;
        byte[] dst = newCap == n.Buf.Length ? n.Buf : new byte[newCap];
        Buffer.BlockCopy(n.Buf, n.Start, dst, start, used);
        if (dst != n.Buf)
        {
            _bufferBytes += newCap - n.Buf.Length;
            n.Buf = dst;
        }
        n.Start = start;
        n.End = start + used;
    }

    /// <summary>Writes an element at byte offset <paramref name="pos"/> of a node, moving the smaller side.</summary>
    private void InsertInNode(Node n, int pos, ReadOnlySpan<byte> value)
    {
        int size = ListEntry.Size(value.Length);
        int front = pos - n.Start;
        int back = n.End - pos;
        bool roomFront = n.Start >= size;
        bool roomBack = n.Buf.Length - n.End >= size;
        if (roomFront && (front <= back || !roomBack))
        {
            Buffer.BlockCopy(n.Buf, n.Start, n.Buf, n.Start - size, front);
            n.Start -= size;
            pos -= size;
        }
        else if (roomBack)
        {
            Buffer.BlockCopy(n.Buf, pos, n.Buf, pos + size, back);
            n.End += size;
        }
        else
        {
            int used = n.Bytes;
            int need = used + size;
            int newCap = Math.Max(need, Math.Min(n.Buf.Length * 2, Math.Max(_maxBytes, need)));
            var dst = new byte[newCap];
            int start = (newCap - need) / 2;
            Buffer.BlockCopy(n.Buf, n.Start, dst, start, front);
            Buffer.BlockCopy(n.Buf, pos, dst, start + front + size, back);
            _bufferBytes += newCap - n.Buf.Length;
            n.Buf = dst;
            n.Start = start;
            n.End = start + need;
            pos = start + front;
        }
        ListEntry.Write(n.Buf, pos, value);
        n.Count++;
    }

    /// <summary>Removes the element at <paramref name="pos"/>; returns where the element after it now starts.</summary>
    private static int RemoveInNode(Node n, int pos)
    {
        int size = ListEntry.SizeAt(n.Buf, pos);
        int front = pos - n.Start;
        int back = n.End - pos - size;
        n.Count--;
        if (front <= back)
        {
            Buffer.BlockCopy(n.Buf, n.Start, n.Buf, n.Start + size, front);
            n.Start += size;
            return pos + size;
        }
        Buffer.BlockCopy(n.Buf, pos + size, n.Buf, pos, back);
        n.End -= size;
        return pos;
    }

    /// <summary>Removes the bytes [from, to) holding <paramref name="elements"/> elements, moving the smaller side.</summary>
    private static void RemoveBytes(Node n, int from, int to, int elements)
    {
        int size = to - from;
        int front = from - n.Start;
        int back = n.End - to;
        if (front <= back)
        {
            Buffer.BlockCopy(n.Buf, n.Start, n.Buf, n.Start + size, front);
            n.Start += size;
        }
        else
        {
            Buffer.BlockCopy(n.Buf, to, n.Buf, from, back);
            n.End -= size;
        }
        n.Count -= elements;
    }

    private static int Advance(Node n, int pos, int elements)
    {
        for (int k = 0; k < elements; k++) pos += ListEntry.SizeAt(n.Buf, pos);
        return pos;
    }

    private static int CountBefore(Node n, int pos)
    {
        int k = 0;
        for (int p = n.Start; p < pos; p += ListEntry.SizeAt(n.Buf, p)) k++;
        return k;
    }

    /// <summary>Moves the elements of node <paramref name="i"/> from <paramref name="pos"/> on into a new node after it.</summary>
    private Node SplitNode(int i, int pos)
    {
        var n = N(i);
        int moved = n.End - pos;
        int count = 0;
        for (int p = pos; p < n.End; p += ListEntry.SizeAt(n.Buf, p)) count++;
        int cap = Math.Max(16, (moved + 15) & ~15);
        var right = new Node(new byte[cap], 0) { End = moved, Count = count };
        Buffer.BlockCopy(n.Buf, pos, right.Buf, 0, moved);
        _bufferBytes += cap;
        n.End = pos;
        n.Count -= count;
        InsertNode(i + 1, right);
        return right;
    }

    private void InsertNode(int i, Node n)
    {
        bool roomFront = _head > 0;
        bool roomBack = _head + _nodeCount < _nodes.Length;
        if (!roomFront && (!roomBack || i == 0))
        {
            // Re-centre (growing when more than half full) so pushes of new nodes at either end stay O(1).
            ResizeNodeArray(_nodeCount * 2 + 2 > _nodes.Length ? _nodes.Length * 2 : _nodes.Length);
            roomFront = _head > 0;
            roomBack = _head + _nodeCount < _nodes.Length;
        }
        if (roomFront && (i <= _nodeCount / 2 || !roomBack))
        {
            Array.Copy(_nodes, _head, _nodes, _head - 1, i);
            _head--;
        }
        else
        {
            Array.Copy(_nodes, _head + i, _nodes, _head + i + 1, _nodeCount - i);
        }
        _nodes[_head + i] = n;
        _nodeCount++;
    }

    private void RemoveNodes(int i, int count)
    {
        for (int k = 0; k < count; k++) _bufferBytes -= N(i + k).Buf.Length;
        if (i == 0)
        {
            Array.Clear(_nodes, _head, count);
            _head += count;
        }
        else
        {
            int tail = _nodeCount - i - count;
            Array.Copy(_nodes, _head + i + count, _nodes, _head + i, tail);
            Array.Clear(_nodes, _head + _nodeCount - count, count);
        }
        _nodeCount -= count;
        if (_nodeCount == 0) _head = _nodes.Length / 2;
    }

    /// <summary>Reallocates the node array with the nodes centred, so both ends have room to grow.</summary>
    private void ResizeNodeArray(int length)
    {
        var fresh = new Node[length];
        int head = (length - _nodeCount) / 2;
        Array.Copy(_nodes, _head, fresh, head, _nodeCount);
        _nodes = fresh;
        _head = head;
    }
}
