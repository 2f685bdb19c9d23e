using System.Numerics;

namespace TdbPlus.Shards.Storage;

public sealed unsafe partial class DashTable
{
    // Cursor = (hash-space position, top PositionBits bits) << HomeBits | home bucket. Positions only
    // ever name segment starts, and splits only cut segments in two, so a position survives any
    // number of splits: everything below it was already visited, whatever the segment layout now.
    private const int PositionBits = 40;
    private const int HomeBits = 6;
    private const ulong PositionEnd = 1UL << PositionBits;
    private const int RandomProbes = 32;

    /// <summary>
    /// Redis SCAN step: visits home-bucket groups from <paramref name="cursor"/> (0 starts) until the
    /// visitor returns false, then returns the cursor of the next unvisited group, or 0 when done.
    /// Entries present for the whole scan are visited at least once even if segments split between calls.
    /// </summary>
    public ulong Scan<TVisitor>(ulong cursor, ref TVisitor visitor) where TVisitor : struct, IRecordVisitor
    {
        if (cursor >> (PositionBits + HomeBits) != 0)
            return 0;
        ulong position = cursor >> HomeBits;
        int home = (int)(cursor & ((1UL << HomeBits) - 1));
        while (true)
        {
            byte* seg = (byte*)_dir[(int)(position >> (PositionBits - _globalDepth))];
            ulong span = 1UL << (PositionBits - DashSegment.LocalDepth(seg));
            ulong start = position & ~(span - 1);
            bool stop = false;
            if (DashSegment.Count(seg) != 0)
            {
                for (; home < DashSegment.RegularBuckets && !stop; home++)
                    stop = !DashSegment.VisitHomeGroup(seg, home, _refs, ref visitor);
            }
            if (stop && home < DashSegment.RegularBuckets)
                return start << HomeBits | (uint)home;
            position = start + span;
            if (position == PositionEnd)
                return 0;
            if (stop)
                return position << HomeBits;
            home = 0;
        }
    }

    /// <summary>Visits every entry once, stopping as soon as the visitor returns false.</summary>
    public void ForEach<TVisitor>(ref TVisitor visitor) where TVisitor : struct, IRecordVisitor
    {
        for (int i = 0; i < _dir.Length; i += SlotsOf(_dir[i]))
        {
            if (!DashSegment.VisitAll((byte*)_dir[i], _refs, ref visitor))
                return;
        }
    }

    /// <summary>A random entry (uniform within a segment, segments weighted by hash-space share), or 0 when empty.</summary>
    public nint RandomRecord(ref ulong rng)
    {
        if (_count == 0)
            return 0;
        // Probing a random slot and accepting only busy ones keeps every entry of a segment equally likely.
        for (int attempt = 0; attempt < RandomProbes; attempt++)
        {
            ulong r = NextRandom(ref rng);
            byte* seg = SegmentOf(r);
            byte* bucket = DashSegment.Bucket(seg, (int)((uint)r % DashSegment.TotalBuckets));
            int slot = (int)((uint)(r >> 32) & 0xFFF) % DashSegment.SlotsPerBucket;
            if ((DashSegment.Busy(bucket) & (1u << slot)) != 0)
                return _refs.Resolve(DashSegment.Slot(bucket, slot));
        }
        // Sparse table: walk from a random directory slot to the first busy slot.
        ulong w = NextRandom(ref rng);
        int first = (int)((w >> 1) >> _dirShift);
        for (int n = 0; n < _dir.Length; n++)
        {
            byte* seg = (byte*)_dir[(first + n) & (_dir.Length - 1)];
            if (DashSegment.Count(seg) == 0)
                continue;
            int b0 = (int)((uint)w % DashSegment.TotalBuckets);
            for (int k = 0; k < DashSegment.TotalBuckets; k++)
            {
                byte* bucket = DashSegment.Bucket(seg, (b0 + k) % DashSegment.TotalBuckets);
                uint busy = DashSegment.Busy(bucket);
                if (busy != 0)
                    return _refs.Resolve(DashSegment.Slot(bucket, BitOperations.TrailingZeroCount(busy)));
            }
        }
        return 0;
    }

    private static ulong NextRandom(ref ulong state)
    {
        ulong x = state == 0 ? 0x9E3779B97F4A7C15UL : state;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        state = x;
        return x;
    }
}
