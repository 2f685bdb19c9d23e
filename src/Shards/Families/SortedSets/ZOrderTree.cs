using System.Runtime.CompilerServices;

namespace TdbPlus.Shards.Families.SortedSets;

/// <summary>A monotone predicate over the (score, member) order: true for a prefix of the elements.</summary>
internal interface IZBound
{
    bool Before(double score, ReadOnlySpan<byte> member);
}

/// <summary>Receives elements in order; returning false stops the walk.</summary>
internal interface IZVisitor
{
    bool Visit(ReadOnlySpan<byte> member, double score);
}

internal abstract class ZNode
{
    public int Count;
}

[InlineArray(ZOrderTree.LeafCapacity)]
internal struct ZLeafRefs
{
    private int _element;
}

[InlineArray(ZOrderTree.InnerCapacity)]
internal struct ZInnerChildren
{
    private ZNode? _element;
}

[InlineArray(ZOrderTree.InnerCapacity)]
internal struct ZInnerInts
{
    private int _element;
}

[InlineArray(ZOrderTree.InnerCapacity)]
internal struct ZInnerDoubles
{
    private double _element;
}

internal sealed class ZLeaf : ZNode
{
    public ZLeafRefs Refs;
    public ZLeaf? Prev;
    public ZLeaf? Next;
}

/// <summary>
/// Inner node: child i holds Sizes[i] elements, all ordered at or after separator i (SepScores[i], the
/// member of SepRefs[i]) and before separator i + 1; child 0 has no separator. A separator is the first key
/// of its child when it was set, and stays valid (a bound, not necessarily an element) after removals.
/// </summary>
internal sealed class ZInner : ZNode
{
    public ZInnerChildren Children;
    public ZInnerInts Sizes;
    public ZInnerDoubles SepScores;
    public ZInnerInts SepRefs;
}

/// <summary>
/// The order of a large sorted set: a B+tree of slab references sorted by (score, member) with subtree
/// counts, so rank lookups, rank-to-element and range bounds are O(log n). Leaves are linked for walks.
/// Appends at either end split unevenly, so sets loaded in order keep full leaves.
/// </summary>
internal sealed class ZOrderTree
{
    public const int LeafCapacity = 64;
    public const int InnerCapacity = 32;
    private const int MaxDepth = 16;

    /// <summary>Approximate managed bytes of one leaf and one inner node.</summary>
    public const int LeafBytes = 24 + 8 + LeafCapacity * 4 + 16;
    public const int InnerBytes = 24 + 8 + InnerCapacity * 24;

    private readonly ZSlab _slab;
    private ZNode? _root;
    private ZLeaf? _first;
    private ZLeaf? _last;
    private readonly ZInner[] _pathNodes = new ZInner[MaxDepth];
    private readonly int[] _pathIndex = new int[MaxDepth];
    private readonly ZNode?[] _tmpChildren = new ZNode?[InnerCapacity + 1];
    private readonly int[] _tmpSizes = new int[InnerCapacity + 1];
    private readonly double[] _tmpSepScores = new double[InnerCapacity + 1];
    private readonly int[] _tmpSepRefs = new int[InnerCapacity + 1];

    public ZOrderTree(ZSlab slab) => _slab = slab;

    public int Count { get; private set; }

    public int LeafCount { get; private set; }

    public int InnerCount { get; private set; }

    public long MemoryBytes => (long)LeafCount * LeafBytes + (long)InnerCount * InnerBytes;

    // ---- comparisons ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int CompareToRef(double score, ReadOnlySpan<byte> member, int r)
    {
        double s = _slab.Score(r);
        if (score < s) return -1;
        if (score > s) return 1;
        return member.SequenceCompareTo(_slab.Member(r));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int CompareToSep(double score, ReadOnlySpan<byte> member, ZInner n, int i)
    {
        double s = n.SepScores[i];
        if (score < s) return -1;
        if (score > s) return 1;
        return member.SequenceCompareTo(_slab.Member(n.SepRefs[i]));
    }

    /// <summary>The child whose range holds the key: the last one whose separator is at or before it.</summary>
    private int ChildFor(ZInner n, double score, ReadOnlySpan<byte> member)
    {
        int lo = 1, hi = n.Count - 1, found = 0;
        while (lo <= hi)
        {
            int mid = (lo + hi) >> 1;
            if (CompareToSep(score, member, n, mid) >= 0)
            {
                found = mid;
                lo = mid + 1;
            }
            else hi = mid - 1;
        }
        return found;
    }

    /// <summary>First position in the leaf whose key is greater than (strict) or at least (not strict) the key.</summary>
    private int LeafSearch(ZLeaf leaf, double score, ReadOnlySpan<byte> member, bool strict)
    {
        int lo = 0, hi = leaf.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >> 1;
            int c = CompareToRef(score, member, leaf.Refs[mid]);
            if (c > 0 || (strict && c == 0)) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    // ---- node bookkeeping ----

    private ZLeaf NewLeaf()
    {
        LeafCount++;
        return new ZLeaf();
    }

    private ZInner NewInner()
    {
        InnerCount++;
        return new ZInner();
    }

    private void UnlinkLeaf(ZLeaf leaf)
    {
        if (leaf.Prev is null) _first = leaf.Next;
        else leaf.Prev.Next = leaf.Next;
        if (leaf.Next is null) _last = leaf.Prev;
        else leaf.Next.Prev = leaf.Prev;
        leaf.Prev = leaf.Next = null;
        LeafCount--;
    }

    // ---- insertion ----

    /// <summary>Inserts slab reference <paramref name="r"/>, whose (score, member) is not in the tree.</summary>
    public void Insert(int r)
    {
        double score = _slab.Score(r);
        var member = _slab.Member(r);
        Count++;
        if (_root is null)
        {
            var first = NewLeaf();
            first.Refs[0] = r;
            first.Count = 1;
            _root = _first = _last = first;
            return;
        }
        int depth = 0;
        var node = _root;
        while (node is ZInner inner)
        {
            int i = ChildFor(inner, score, member);
            inner.Sizes[i]++;
            _pathNodes[depth] = inner;
            _pathIndex[depth] = i;
            depth++;
            node = inner.Children[i]!;
        }
        var leaf = (ZLeaf)node;
        int pos = LeafSearch(leaf, score, member, strict: true);
        if (leaf.Count < LeafCapacity)
        {
            InsertIntoLeaf(leaf, pos, r);
            return;
        }
        SplitLeaf(leaf, pos, r, depth);
    }

    private static void InsertIntoLeaf(ZLeaf leaf, int pos, int r)
    {
        Span<int> refs = leaf.Refs;
        refs[pos..leaf.Count].CopyTo(refs[(pos + 1)..]);
        refs[pos] = r;
        leaf.Count++;
    }

    private void SplitLeaf(ZLeaf leaf, int pos, int r, int depth)
    {
        ZLeaf left, right;
        if (pos == LeafCapacity && leaf.Next is null)
        {
            // Appending to the last leaf: the new element starts a leaf of its own.
            left = leaf;
            right = NewLeaf();
            right.Refs[0] = r;
            right.Count = 1;
            LinkAfter(left, right);
        }
        else if (pos == 0 && leaf.Prev is null)
        {
            // Prepending to the first leaf: the new element gets a leaf before it.
            left = NewLeaf();
            left.Refs[0] = r;
            left.Count = 1;
            right = leaf;
            left.Next = right;
            right.Prev = left;
            _first = left;
        }
        else
        {
            left = leaf;
            right = NewLeaf();
            const int half = (LeafCapacity + 1) / 2;
            Span<int> src = leaf.Refs;
            Span<int> dst = right.Refs;
            if (pos < half)
            {
                int move = LeafCapacity - (half - 1);
                src.Slice(half - 1, move).CopyTo(dst);
                right.Count = move;
                leaf.Count = half - 1;
                InsertIntoLeaf(leaf, pos, r);
            }
            else
            {
                int move = LeafCapacity - half;
                src.Slice(half, move).CopyTo(dst);
                right.Count = move;
                leaf.Count = half;
                InsertIntoLeaf(right, pos - half, r);
            }
            LinkAfter(left, right);
        }
        int sep = right.Refs[0];
        InsertChild(depth - 1, left, right, left.Count, right.Count, _slab.Score(sep), sep);
    }

    private void LinkAfter(ZLeaf left, ZLeaf right)
    {
        right.Next = left.Next;
        right.Prev = left;
        if (left.Next is null) _last = right;
        else left.Next.Prev = right;
        left.Next = right;
    }

    private bool IsRightmost(int depth)
    {
        for (int k = 0; k < depth; k++)
            if (_pathIndex[k] != _pathNodes[k].Count - 1) return false;
        return true;
    }

    /// <summary>
    /// After the child at path position <paramref name="depth"/> split into (left, right), puts left in its
    /// place and right after it, splitting this node in turn when it is full.
    /// </summary>
    private void InsertChild(int depth, ZNode left, ZNode right, int leftSize, int rightSize, double sepScore, int sepRef)
    {
        if (depth < 0)
        {
            var root = NewInner();
            root.Children[0] = left;
            root.Children[1] = right;
            root.Sizes[0] = leftSize;
            root.Sizes[1] = rightSize;
            root.SepScores[1] = sepScore;
            root.SepRefs[1] = sepRef;
            root.Count = 2;
            _root = root;
            return;
        }
        var p = _pathNodes[depth];
        int i = _pathIndex[depth];
        p.Children[i] = left;
        p.Sizes[i] = leftSize;
        int at = i + 1;
        if (p.Count < InnerCapacity)
        {
            for (int k = p.Count; k > at; k--)
            {
                p.Children[k] = p.Children[k - 1];
                p.Sizes[k] = p.Sizes[k - 1];
                p.SepScores[k] = p.SepScores[k - 1];
                p.SepRefs[k] = p.SepRefs[k - 1];
            }
            p.Children[at] = right;
            p.Sizes[at] = rightSize;
            p.SepScores[at] = sepScore;
            p.SepRefs[at] = sepRef;
            p.Count++;
            return;
        }

        // Full: lay out the InnerCapacity + 1 children, then share them between p and a new node q.
        int total = InnerCapacity + 1;
        for (int k = 0, s = 0; k < total; k++)
        {
            if (k == at)
            {
                _tmpChildren[k] = right;
                _tmpSizes[k] = rightSize;
                _tmpSepScores[k] = sepScore;
                _tmpSepRefs[k] = sepRef;
                continue;
            }
            _tmpChildren[k] = p.Children[s];
            _tmpSizes[k] = p.Sizes[s];
            _tmpSepScores[k] = p.SepScores[s];
            _tmpSepRefs[k] = p.SepRefs[s];
            s++;
        }
        int keep = at == InnerCapacity && IsRightmost(depth) ? InnerCapacity : total / 2;
        var q = NewInner();
        int pSize = 0, qSize = 0;
        for (int k = 0; k < keep; k++)
        {
            p.Children[k] = _tmpChildren[k];
            p.Sizes[k] = _tmpSizes[k];
            p.SepScores[k] = _tmpSepScores[k];
            p.SepRefs[k] = _tmpSepRefs[k];
            pSize += _tmpSizes[k];
        }
        for (int k = keep; k < InnerCapacity; k++) p.Children[k] = null;
        p.Count = keep;
        for (int k = keep; k < total; k++)
        {
            q.Children[k - keep] = _tmpChildren[k];
            q.Sizes[k - keep] = _tmpSizes[k];
            q.SepScores[k - keep] = _tmpSepScores[k];
            q.SepRefs[k - keep] = _tmpSepRefs[k];
            qSize += _tmpSizes[k];
        }
        q.Count = total - keep;
        Array.Clear(_tmpChildren);
        InsertChild(depth - 1, p, q, pSize, qSize, _tmpSepScores[keep], _tmpSepRefs[keep]);
    }

    // ---- removal ----

    /// <summary>Removes the element with this key, which must be in the tree.</summary>
    public void Remove(double score, ReadOnlySpan<byte> member)
    {
        int depth = 0;
        var node = _root!;
        while (node is ZInner inner)
        {
            int i = ChildFor(inner, score, member);
            inner.Sizes[i]--;
            _pathNodes[depth] = inner;
            _pathIndex[depth] = i;
            depth++;
            node = inner.Children[i]!;
        }
        var leaf = (ZLeaf)node;
        int pos = LeafSearch(leaf, score, member, strict: false);
        if (pos >= leaf.Count || CompareToRef(score, member, leaf.Refs[pos]) != 0)
            throw new InvalidOperationException("sorted set order lost an element");
        RemoveFromLeaf(leaf, pos, depth);
    }

    /// <summary>Removes the element at 0-based rank <paramref name="rank"/> and returns its reference.</summary>
    public int RemoveAt(int rank)
    {
        int depth = 0;
        var node = _root!;
        while (node is ZInner inner)
        {
            int i = 0;
            while (rank >= inner.Sizes[i])
            {
                rank -= inner.Sizes[i];
                i++;
            }
            inner.Sizes[i]--;
            _pathNodes[depth] = inner;
            _pathIndex[depth] = i;
            depth++;
            node = inner.Children[i]!;
        }
        var leaf = (ZLeaf)node;
        int r = leaf.Refs[rank];
        RemoveFromLeaf(leaf, rank, depth);
        return r;
    }

    private void RemoveFromLeaf(ZLeaf leaf, int pos, int depth)
    {
        Span<int> refs = leaf.Refs;
        refs[(pos + 1)..leaf.Count].CopyTo(refs[pos..]);
        leaf.Count--;
        Count--;
        if (leaf.Count == 0)
        {
            UnlinkLeaf(leaf);
            if (depth == 0)
            {
                _root = null;
                return;
            }
            RemoveChild(depth - 1, _pathIndex[depth - 1]);
            return;
        }
        if (depth > 0 && leaf.Count < LeafCapacity / 4) TryMergeLeaf(leaf, depth - 1);
    }

    private void TryMergeLeaf(ZLeaf leaf, int parentDepth)
    {
        var p = _pathNodes[parentDepth];
        int i = _pathIndex[parentDepth];
        const int limit = LeafCapacity * 3 / 4;
        if (i + 1 < p.Count)
        {
            var right = (ZLeaf)p.Children[i + 1]!;
            if (leaf.Count + right.Count <= limit)
            {
                MergeLeaves(leaf, right);
                p.Sizes[i] += p.Sizes[i + 1];
                RemoveChild(parentDepth, i + 1);
                return;
            }
        }
        if (i > 0)
        {
            var left = (ZLeaf)p.Children[i - 1]!;
            if (left.Count + leaf.Count <= limit)
            {
                MergeLeaves(left, leaf);
                p.Sizes[i - 1] += p.Sizes[i];
                RemoveChild(parentDepth, i);
            }
        }
    }

    private void MergeLeaves(ZLeaf left, ZLeaf right)
    {
        Span<int> dst = left.Refs;
        Span<int> src = right.Refs;
        src[..right.Count].CopyTo(dst[left.Count..]);
        left.Count += right.Count;
        right.Count = 0;
        UnlinkLeaf(right);
    }

    /// <summary>Drops child <paramref name="index"/> of the node at path position <paramref name="depth"/>.</summary>
    private void RemoveChild(int depth, int index)
    {
        var p = _pathNodes[depth];
        for (int k = index; k < p.Count - 1; k++)
        {
            p.Children[k] = p.Children[k + 1];
            p.Sizes[k] = p.Sizes[k + 1];
            // Child 0 has no separator: shifting onto it simply forgets the old one.
            p.SepScores[k] = p.SepScores[k + 1];
            p.SepRefs[k] = p.SepRefs[k + 1];
        }
        p.Count--;
        p.Children[p.Count] = null;
        if (p.Count == 0)
        {
            InnerCount--;
            if (depth == 0) _root = null;
            else RemoveChild(depth - 1, _pathIndex[depth - 1]);
            return;
        }
        if (depth == 0)
        {
            while (_root is ZInner { Count: 1 } single)
            {
                _root = single.Children[0];
                InnerCount--;
            }
            return;
        }
        if (p.Count < InnerCapacity / 4) TryMergeInner(depth);
    }

    private void TryMergeInner(int depth)
    {
        var p = _pathNodes[depth];
        var g = _pathNodes[depth - 1];
        int i = _pathIndex[depth - 1];
        const int limit = InnerCapacity * 3 / 4;
        if (i + 1 < g.Count)
        {
            var right = (ZInner)g.Children[i + 1]!;
            if (p.Count + right.Count <= limit)
            {
                MergeInner(p, right, g.SepScores[i + 1], g.SepRefs[i + 1]);
                g.Sizes[i] += g.Sizes[i + 1];
                RemoveChild(depth - 1, i + 1);
                return;
            }
        }
        if (i > 0)
        {
            var left = (ZInner)g.Children[i - 1]!;
            if (left.Count + p.Count <= limit)
            {
                MergeInner(left, p, g.SepScores[i], g.SepRefs[i]);
                g.Sizes[i - 1] += g.Sizes[i];
                RemoveChild(depth - 1, i);
            }
        }
    }

    /// <summary>Appends the children of <paramref name="right"/> to <paramref name="left"/>; the parent's separator bounds them.</summary>
    private static void MergeInner(ZInner left, ZInner right, double sepScore, int sepRef)
    {
        int n = left.Count;
        for (int k = 0; k < right.Count; k++)
        {
            left.Children[n + k] = right.Children[k];
            left.Sizes[n + k] = right.Sizes[k];
            left.SepScores[n + k] = k == 0 ? sepScore : right.SepScores[k];
            left.SepRefs[n + k] = k == 0 ? sepRef : right.SepRefs[k];
        }
        left.Count = n + right.Count;
    }

    // ---- queries ----

    /// <summary>How many elements sort before the bound (the bound's predicate is true for them).</summary>
    public int CountBefore<TB>(TB bound) where TB : IZBound, allows ref struct
    {
        int count = 0;
        var node = _root;
        if (node is null) return 0;
        while (node is ZInner inner)
        {
            int lo = 1, hi = inner.Count - 1, child = 0;
            while (lo <= hi)
            {
                int mid = (lo + hi) >> 1;
                if (bound.Before(inner.SepScores[mid], _slab.Member(inner.SepRefs[mid])))
                {
                    child = mid;
                    lo = mid + 1;
                }
                else hi = mid - 1;
            }
            for (int k = 0; k < child; k++) count += inner.Sizes[k];
            node = inner.Children[child]!;
        }
        var leaf = (ZLeaf)node;
        int a = 0, b = leaf.Count;
        while (a < b)
        {
            int mid = (a + b) >> 1;
            int r = leaf.Refs[mid];
            if (bound.Before(_slab.Score(r), _slab.Member(r))) a = mid + 1;
            else b = mid;
        }
        return count + a;
    }

    /// <summary>0-based rank of an element known to be in the tree.</summary>
    public int Rank(double score, ReadOnlySpan<byte> member) => CountBefore(new KeyBound(score, member));

    private readonly ref struct KeyBound(double score, ReadOnlySpan<byte> member) : IZBound
    {
        private readonly ReadOnlySpan<byte> _member = member;

        public bool Before(double s, ReadOnlySpan<byte> m) => s < score || (s == score && m.SequenceCompareTo(_member) < 0);
    }

    private ZLeaf Locate(int rank, out int pos)
    {
        var node = _root!;
        while (node is ZInner inner)
        {
            int i = 0;
            while (rank >= inner.Sizes[i])
            {
                rank -= inner.Sizes[i];
                i++;
            }
            node = inner.Children[i]!;
        }
        pos = rank;
        return (ZLeaf)node;
    }

    /// <summary>The slab reference at 0-based rank <paramref name="rank"/> (0 &lt;= rank &lt; Count).</summary>
    public int RefAt(int rank)
    {
        var leaf = Locate(rank, out int pos);
        return leaf.Refs[pos];
    }

    /// <summary>Visits elements from rank <paramref name="start"/> forward (or backward) until the visitor stops.</summary>
    public void Walk<TV>(int start, bool reverse, ref TV visitor) where TV : IZVisitor, allows ref struct
    {
        if ((uint)start >= (uint)Count) return;
        var leaf = Locate(start, out int pos);
        while (true)
        {
            int r = leaf.Refs[pos];
            if (!visitor.Visit(_slab.Member(r), _slab.Score(r))) return;
            if (reverse)
            {
                if (--pos < 0)
                {
                    if (leaf.Prev is null) return;
                    leaf = leaf.Prev;
                    pos = leaf.Count - 1;
                }
            }
            else if (++pos == leaf.Count)
            {
                if (leaf.Next is null) return;
                leaf = leaf.Next;
                pos = 0;
            }
        }
    }

    /// <summary>Every reference in order (for rebuilds and conversions).</summary>
    public void CopyRefs(List<int> into)
    {
        for (var leaf = _first; leaf is not null; leaf = leaf.Next)
            for (int k = 0; k < leaf.Count; k++) into.Add(leaf.Refs[k]);
    }

    /// <summary>Builds the tree over references already in order, with full leaves.</summary>
    public void BulkLoad(ReadOnlySpan<int> refs)
    {
        if (_root is not null) throw new InvalidOperationException("bulk load into a non-empty tree");
        if (refs.Length == 0) return;
        var level = new List<ZNode>((refs.Length + LeafCapacity - 1) / LeafCapacity);
        var firstRefs = new List<int>(level.Capacity);
        var sizes = new List<int>(level.Capacity);
        ZLeaf? prev = null;
        for (int start = 0; start < refs.Length; start += LeafCapacity)
        {
            int n = Math.Min(LeafCapacity, refs.Length - start);
            var leaf = NewLeaf();
            refs.Slice(start, n).CopyTo(leaf.Refs);
            leaf.Count = n;
            leaf.Prev = prev;
            if (prev is null) _first = leaf;
            else prev.Next = leaf;
            prev = leaf;
            level.Add(leaf);
            firstRefs.Add(refs[start]);
            sizes.Add(n);
        }
        _last = prev;
        while (level.Count > 1)
        {
            var up = new List<ZNode>((level.Count + InnerCapacity - 1) / InnerCapacity);
            var upFirst = new List<int>(up.Capacity);
            var upSizes = new List<int>(up.Capacity);
            for (int start = 0; start < level.Count; start += InnerCapacity)
            {
                int n = Math.Min(InnerCapacity, level.Count - start);
                var inner = NewInner();
                int total = 0;
                for (int k = 0; k < n; k++)
                {
                    inner.Children[k] = level[start + k];
                    inner.Sizes[k] = sizes[start + k];
                    total += sizes[start + k];
                    if (k > 0)
                    {
                        int sep = firstRefs[start + k];
                        inner.SepScores[k] = _slab.Score(sep);
                        inner.SepRefs[k] = sep;
                    }
                }
                inner.Count = n;
                up.Add(inner);
                upFirst.Add(firstRefs[start]);
                upSizes.Add(total);
            }
            level = up;
            firstRefs = upFirst;
            sizes = upSizes;
        }
        _root = level[0];
        Count = refs.Length;
    }

    /// <summary>Checks every invariant (tests).</summary>
    internal void Validate()
    {
        int counted = _root is null ? 0 : ValidateNode(_root, null, 0, null, 0);
        if (counted != Count) throw new InvalidOperationException($"count {Count} but {counted} elements");
        int linked = 0;
        ZLeaf? prev = null;
        for (var leaf = _first; leaf is not null; leaf = leaf.Next)
        {
            if (leaf.Prev != prev) throw new InvalidOperationException("broken leaf links");
            linked += leaf.Count;
            prev = leaf;
        }
        if (prev != _last) throw new InvalidOperationException("last leaf mismatch");
        if (linked != Count) throw new InvalidOperationException("leaf chain count mismatch");
        int previous = -1;
        for (var leaf = _first; leaf is not null; leaf = leaf.Next)
            for (int k = 0; k < leaf.Count; k++)
            {
                int r = leaf.Refs[k];
                if (previous >= 0 && CompareToRef(_slab.Score(previous), _slab.Member(previous), r) >= 0)
                    throw new InvalidOperationException("elements out of order");
                previous = r;
            }
    }

    private int ValidateNode(ZNode node, double? lowScore, int lowRef, double? highScore, int highRef)
    {
        if (node is ZLeaf leaf)
        {
            if (leaf.Count == 0) throw new InvalidOperationException("empty leaf");
            for (int k = 0; k < leaf.Count; k++)
            {
                int r = leaf.Refs[k];
                if (lowScore is { } ls && CompareToRef(ls, _slab.Member(lowRef), r) > 0)
                    throw new InvalidOperationException("element below its separator");
                if (highScore is { } hs && CompareToRef(hs, _slab.Member(highRef), r) <= 0)
                    throw new InvalidOperationException("element at or above the next separator");
            }
            return leaf.Count;
        }
        var inner = (ZInner)node;
        if (inner.Count == 0) throw new InvalidOperationException("empty inner node");
        int total = 0;
        for (int k = 0; k < inner.Count; k++)
        {
            double? lo = k == 0 ? lowScore : inner.SepScores[k];
            int loRef = k == 0 ? lowRef : inner.SepRefs[k];
            double? hi = k + 1 < inner.Count ? inner.SepScores[k + 1] : highScore;
            int hiRef = k + 1 < inner.Count ? inner.SepRefs[k + 1] : highRef;
            int n = ValidateNode(inner.Children[k]!, lo, loRef, hi, hiRef);
            if (n != inner.Sizes[k]) throw new InvalidOperationException("stale subtree size");
            total += n;
        }
        return total;
    }
}
