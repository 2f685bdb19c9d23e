using System.Runtime.CompilerServices;

namespace TdbPlus.Shards.Storage;

/// <summary>Per-shard, per-database key index of records: an extendible-hashing directory of dash segments.</summary>
/// <remarks>
/// Single-threaded. Records must come from the arena given to the constructor (slots hold 4-byte references
/// into it; see <see cref="RecordRefs"/>), and the arena must outlive the table. The caller passes <see cref="KeyHash.Hash"/> of the key with every call; splits
/// rehash keys read from the records, so any other hash would lose entries. The top globalDepth
/// bits of the hash pick the directory slot; a full segment splits alone on its next hash bit.
/// </remarks>
public sealed unsafe partial class DashTable : IDisposable
{
    // Past this a directory slot index no longer fits an array; reaching it means adversarial hashes.
    private const int MaxDepth = 30;

    private nint[] _dir;
    private int _globalDepth;
    // (hash >> 1) >> (63 - depth) is the top depth bits and still 0 when depth is 0 (a shift by 64 is not).
    private int _dirShift;
    private long _count;
    private int _segments;
    private readonly RecordRefs _refs;

    public DashTable(SlabArena arena)
    {
        _refs = new RecordRefs(arena);
        _dir = [(nint)DashSegment.Allocate(0)];
        _dirShift = 63;
        _segments = 1;
    }

    /// <summary>Number of entries.</summary>
    public long Count => _count;

    /// <summary>Native bytes of all segments, the directory and the side table of wide references.</summary>
    public long MemoryBytes => (long)_segments * DashSegment.Bytes + (long)_dir.Length * sizeof(nint) + _refs.MemoryBytes;

    /// <summary>Record with this key, or 0.</summary>
    public nint Find(ReadOnlySpan<byte> key, ulong hash)
    {
        return DashSegment.TryFind(SegmentOf(hash), key, hash, _refs, out byte* bucket, out int slot)
            ? _refs.Resolve(DashSegment.Slot(bucket, slot))
            : 0;
    }

    /// <summary>
    /// Hints the CPU to load the two buckets a lookup of <paramref name="hash"/> probes first (no effect on
    /// the table; a no-op where there is no prefetch instruction).
    /// </summary>
    public void Prefetch(ulong hash)
    {
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported) return;
        int home = DashSegment.Home(hash);
        byte* seg = SegmentOf(hash);
        System.Runtime.Intrinsics.X86.Sse.Prefetch0(DashSegment.Bucket(seg, home));
        System.Runtime.Intrinsics.X86.Sse.Prefetch0(DashSegment.Bucket(seg, home == DashSegment.RegularBuckets - 1 ? 0 : home + 1));
    }

    /// <summary>
    /// Hints the CPU to load the record a lookup of <paramref name="hash"/> will compare (its first two cache
    /// lines: header, key and the start of the value). Reads the buckets, so call it after
    /// <see cref="Prefetch"/> has had time to bring them in.
    /// </summary>
    public void PrefetchRecord(ulong hash)
    {
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported) return;
        nint rec = DashSegment.LikelyRecord(SegmentOf(hash), hash, _refs);
        if (rec == 0) return;
        System.Runtime.Intrinsics.X86.Sse.Prefetch0((void*)rec);
        System.Runtime.Intrinsics.X86.Sse.Prefetch0((void*)(rec + 64));
    }

    /// <summary>Adds a record whose key the caller knows is absent.</summary>
    public void Insert(nint rec, ulong hash)
    {
        uint reference = _refs.Encode(rec);
        while (true)
        {
            byte* seg = SegmentOf(hash);
            if (DashSegment.TryInsert(seg, reference, hash))
            {
                _count++;
                return;
            }
            Split(seg, hash);
        }
    }

    /// <summary>Points the entry with this key at <paramref name="newRec"/>; false when the key is absent.</summary>
    public bool Replace(ReadOnlySpan<byte> key, ulong hash, nint newRec)
    {
        if (!DashSegment.TryFind(SegmentOf(hash), key, hash, _refs, out byte* bucket, out int slot))
            return false;
        ref uint entry = ref DashSegment.Slot(bucket, slot);
        _refs.Release(entry);
        entry = _refs.Encode(newRec);
        return true;
    }

    /// <summary>Unlinks the entry and returns its record for the caller to free, or 0 when absent.</summary>
    public nint Remove(ReadOnlySpan<byte> key, ulong hash)
    {
        byte* seg = SegmentOf(hash);
        if (!DashSegment.TryFind(seg, key, hash, _refs, out byte* bucket, out int slot))
            return 0;
        uint reference = DashSegment.Slot(bucket, slot);
        nint rec = _refs.Resolve(reference);
        _refs.Release(reference);
        DashSegment.RemoveAt(seg, bucket, slot);
        _count--;
        return rec;
    }

    /// <summary>Drops every entry without freeing records and shrinks back to one segment.</summary>
    public void Clear()
    {
        byte* keep = (byte*)_dir[0];
        for (int i = 0; i < _dir.Length;)
        {
            // Step past the segment before releasing it: its depth lives in its own memory.
            nint seg = _dir[i];
            i += SlotsOf(seg);
            if (seg != (nint)keep)
                DashSegment.Release((byte*)seg);
        }
        DashSegment.Reset(keep);
        _refs.Clear();
        _dir = [(nint)keep];
        _globalDepth = 0;
        _dirShift = 63;
        _segments = 1;
        _count = 0;
    }

    public void Dispose()
    {
        for (int i = 0; i < _dir.Length;)
        {
            nint seg = _dir[i];
            i += SlotsOf(seg);
            DashSegment.Release((byte*)seg);
        }
        _dir = [];
        _refs.Dispose();
        _segments = 0;
        _count = 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private byte* SegmentOf(ulong hash) => (byte*)_dir[(int)((hash >> 1) >> _dirShift)];

    /// <summary>Directory slots pointing at the segment (a segment owns an aligned run of them).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int SlotsOf(nint seg) => 1 << (_globalDepth - DashSegment.LocalDepth((byte*)seg));

    private void Split(byte* seg, ulong hash)
    {
        int depth = DashSegment.LocalDepth(seg);
        if (depth >= MaxDepth)
            throw new InvalidOperationException("Dash table directory limit reached: too many keys share hash prefixes.");
        if (depth == _globalDepth)
            GrowDirectory();

        byte* upper = DashSegment.Allocate(depth + 1);
        DashSegment.Split(seg, upper, _refs);
        _segments++;

        int span = 1 << (_globalDepth - depth);
        int start = (int)((hash >> 1) >> _dirShift) & ~(span - 1);
        for (int i = start + span / 2; i < start + span; i++)
            _dir[i] = (nint)upper;
    }

    private void GrowDirectory()
    {
        var grown = new nint[_dir.Length * 2];
        for (int i = 0; i < _dir.Length; i++)
        {
            grown[2 * i] = _dir[i];
            grown[2 * i + 1] = _dir[i];
        }
        _dir = grown;
        _globalDepth++;
        _dirShift--;
    }
}
