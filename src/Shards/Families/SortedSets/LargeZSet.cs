using System.IO.Hashing;
using System.Runtime.CompilerServices;

namespace TdbPlus.Shards.Families.SortedSets;

/// <summary>
/// The large sorted-set encoding (what Redis calls skiplist): entries packed in a <see cref="ZSlab"/>, an
/// open-addressing hash index (member -> slab reference, linear probing with backward-shift deletion) and a
/// counted B+tree (<see cref="ZOrderTree"/>) for order, ranks and ranges. No managed object per element.
/// </summary>
internal sealed class LargeZSet
{
    private const int Empty = int.MaxValue;
    private const int MinSlots = 16;
    private const long CompactMinGarbage = 64 * 1024;

    private ZSlab _slab;
    private ZOrderTree _tree;
    private SlotTable _slots;
    private int _mask;

    public LargeZSet(int capacityHint = 0)
    {
        _slab = new ZSlab();
        _tree = new ZOrderTree(_slab);
        _slots = new SlotTable(SlotsFor(capacityHint), Empty);
        _mask = _slots.Length - 1;
    }

    public int Count => _tree.Count;

    public long MemoryBytes => 96 + _slab.AllocatedBytes + 32L * 4 + _slots.MemoryBytes + _tree.MemoryBytes;

    private static int SlotsFor(int count)
    {
        long wanted = Math.Max(MinSlots, (long)count * 4 / 3 + 1);
        return (int)Math.Min(1L << 30, (long)System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)wanted));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Hash(ReadOnlySpan<byte> member) => XxHash3.HashToUInt64(member);

    private int FindSlot(ReadOnlySpan<byte> member, ulong h)
    {
        int i = (int)h & _mask;
        while (true)
        {
            int r = _slots[i];
            if (r == Empty) return -1;
            if (_slab.Member(r).SequenceEqual(member)) return i;
            i = (i + 1) & _mask;
        }
    }

    private void AddSlot(int r, ulong h)
    {
        int i = (int)h & _mask;
        while (_slots[i] != Empty) i = (i + 1) & _mask;
        _slots[i] = r;
    }

    private void RemoveSlot(int i)
    {
        // Backward-shift deletion: pull later entries of the cluster back when their home allows it.
        int j = i;
        while (true)
        {
            j = (j + 1) & _mask;
            int r = _slots[j];
            if (r == Empty) break;
            int home = (int)Hash(_slab.Member(r)) & _mask;
            if (((j - home) & _mask) >= ((j - i) & _mask))
            {
                _slots[i] = r;
                i = j;
            }
        }
        _slots[i] = Empty;
    }

    private void GrowSlotsIfNeeded()
    {
        if ((long)(Count + 1) * 4 <= (long)_slots.Length * 3) return;
        var old = _slots;
        _slots = new SlotTable(old.Length * 2, Empty);
        _mask = _slots.Length - 1;
        for (int i = 0; i < old.Length; i++)
        {
            int r = old[i];
            if (r != Empty) AddSlot(r, Hash(_slab.Member(r)));
        }
    }

    public bool TryGetScore(ReadOnlySpan<byte> member, out double score)
    {
        int slot = FindSlot(member, Hash(member));
        if (slot < 0)
        {
            score = 0;
            return false;
        }
        score = _slab.Score(_slots[slot]);
        return true;
    }

    /// <summary>Adds a member that is not in the set.</summary>
    public void InsertNew(ReadOnlySpan<byte> member, double score)
    {
        GrowSlotsIfNeeded();
        int r = _slab.Add(score, member);
        AddSlot(r, Hash(member));
        _tree.Insert(r);
    }

    /// <summary>Changes the score of a member that is in the set.</summary>
    public void UpdateScore(ReadOnlySpan<byte> member, double newScore)
    {
        int r = _slots[FindSlot(member, Hash(member))];
        double old = _slab.Score(r);
        _tree.Remove(old, _slab.Member(r));
        _slab.SetScore(r, newScore);
        _tree.Insert(r);
    }

    public bool Remove(ReadOnlySpan<byte> member)
    {
        int slot = FindSlot(member, Hash(member));
        if (slot < 0) return false;
        int r = _slots[slot];
        _tree.Remove(_slab.Score(r), _slab.Member(r));
        RemoveSlot(slot);
        _slab.Release(r);
        return true;
    }

    /// <summary>0-based rank of a member, or -1.</summary>
    public int Rank(ReadOnlySpan<byte> member)
    {
        int slot = FindSlot(member, Hash(member));
        if (slot < 0) return -1;
        int r = _slots[slot];
        return _tree.Rank(_slab.Score(r), _slab.Member(r));
    }

    public int CountBefore<TB>(TB bound) where TB : IZBound, allows ref struct => _tree.CountBefore(bound);

    public void Walk<TV>(int start, bool reverse, ref TV visitor) where TV : IZVisitor, allows ref struct =>
        _tree.Walk(start, reverse, ref visitor);

    public ReadOnlySpan<byte> MemberAt(int rank, out double score)
    {
        int r = _tree.RefAt(rank);
        score = _slab.Score(r);
        return _slab.Member(r);
    }

    /// <summary>Removes ranks first..last (inclusive, valid); returns how many.</summary>
    public int RemoveRange(int first, int last)
    {
        int n = last - first + 1;
        if (n > Count / 2 && n > 1024)
        {
            // Most of the set goes: rebuild from the survivors instead.
            var refs = new List<int>(Count);
            _tree.CopyRefs(refs);
            refs.RemoveRange(first, n);
            Rebuild(refs);
            return n;
        }
        for (int k = 0; k < n; k++)
        {
            int r = _tree.RemoveAt(first);
            RemoveSlot(FindSlot(_slab.Member(r), Hash(_slab.Member(r))));
            _slab.Release(r);
        }
        return n;
    }

    /// <summary>Reclaims the slab space of removed entries when it outweighs the live data.</summary>
    public void CompactIfNeeded()
    {
        if (_slab.GarbageBytes < CompactMinGarbage || _slab.GarbageBytes < _slab.LiveBytes) return;
        var refs = new List<int>(Count);
        _tree.CopyRefs(refs);
        Rebuild(refs);
    }

    /// <summary>Rebuilds slab, tree and index from the given references (in order) of the current slab.</summary>
    private void Rebuild(List<int> refs)
    {
        var old = _slab;
        var slab = new ZSlab();
        var fresh = new int[refs.Count];
        for (int k = 0; k < refs.Count; k++) fresh[k] = slab.Add(old.Score(refs[k]), old.Member(refs[k]));
        _slab = slab;
        _tree = new ZOrderTree(slab);
        _tree.BulkLoad(fresh);
        _slots = new SlotTable(SlotsFor(fresh.Length), Empty);
        _mask = _slots.Length - 1;
        foreach (int r in fresh) AddSlot(r, Hash(slab.Member(r)));
    }

    /// <summary>Appends an element greater than every element present (conversions, copies, bulk builds).</summary>
    public void AppendSorted(ReadOnlySpan<byte> member, double score) => InsertNew(member, score);

    public LargeZSet Clone()
    {
        var copy = new LargeZSet(Count);
        var refs = new List<int>(Count);
        _tree.CopyRefs(refs);
        var fresh = new int[refs.Count];
        for (int k = 0; k < refs.Count; k++) fresh[k] = copy._slab.Add(_slab.Score(refs[k]), _slab.Member(refs[k]));
        copy._tree.BulkLoad(fresh);
        foreach (int r in fresh) copy.AddSlot(r, Hash(copy._slab.Member(r)));
        return copy;
    }

    /// <summary>
    /// One step of ZSCAN: visits whole hash buckets in Redis's reverse-binary cursor order (an element's
    /// bucket is its home slot), so every element present for the whole scan is returned at least once.
    /// </summary>
    public ulong Scan(ulong cursor, int count, List<(byte[] Member, double Score)> into)
    {
        ulong mask = (ulong)_mask;
        ulong v = cursor;
        int iterations = count * 10;
        do
        {
            int bucket = (int)(v & mask);
            // Elements whose home is this bucket sit in the cluster that starts there.
            for (int i = bucket; ; i = (i + 1) & _mask)
            {
                int r = _slots[i];
                if (r == Empty) break;
                var m = _slab.Member(r);
                if (((int)Hash(m) & _mask) == bucket) into.Add((m.ToArray(), _slab.Score(r)));
                if (((i + 1) & _mask) == bucket) break;
            }
            v |= ~mask;
            v = ReverseBits(v);
            v++;
            v = ReverseBits(v);
        }
        while (v != 0 && iterations-- > 0 && into.Count < count);
        return v;
    }

    private static ulong ReverseBits(ulong v)
    {
        ulong r = 0;
        for (int k = 0; k < 64; k++)
        {
            r = (r << 1) | (v & 1);
            v >>= 1;
        }
        return r;
    }

    internal void Validate()
    {
        _tree.Validate();
        int used = 0;
        for (int i = 0; i < _slots.Length; i++)
        {
            int r = _slots[i];
            if (r == Empty) continue;
            used++;
            if (FindSlot(_slab.Member(r), Hash(_slab.Member(r))) != i) throw new InvalidOperationException("hash index lost a member");
        }
        if (used != Count) throw new InvalidOperationException($"index holds {used} members, tree {Count}");
    }
}
