using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace TdbPlus.Shards.Storage;

/// <summary>One dash-table segment in native memory: 56 regular buckets and 4 stash buckets of 12 slots.</summary>
/// <remarks>
/// Segment (64-byte header): LocalDepth(int) Count(int) StashHomes(ulong) StashHome[4 * 12], then 60 buckets.
/// Bucket (64 bytes, one cache line): Busy(ushort) Fingerprint[12] Displaced(ushort) Ref[12] (uint, see
/// <see cref="RecordRefs"/>). Busy+fingerprints are 14 bytes of one 16-byte vector, so one compare matches a
/// whole bucket. An entry with home bucket h lives in bucket h, in bucket h+1 (mod 56) with its Displaced bit
/// set, or in a stash bucket with its home in the header.
/// </remarks>
internal static unsafe class DashSegment
{
    public const int RegularBuckets = 56;
    public const int StashBuckets = 4;
    public const int TotalBuckets = RegularBuckets + StashBuckets;
    public const int SlotsPerBucket = 12;
    public const int Capacity = TotalBuckets * SlotsPerBucket;
    public const int BucketBytes = 64;
    public const int HeaderBytes = 64;
    public const int Bytes = HeaderBytes + TotalBuckets * BucketBytes;

    private const uint FullMask = (1u << SlotsPerBucket) - 1;
    private const int FingerprintOffset = 2;
    private const int DisplacedOffset = 14;
    private const int RefOffset = 16;
    private const int CountOffset = 4;
    private const int StashHomesOffset = 8;
    private const int StashHomeOffset = 16;

    public static byte* Allocate(int localDepth)
    {
        byte* seg = (byte*)NativeMemory.AlignedAlloc(Bytes, 64);
        NativeMemory.Clear(seg, Bytes);
        *(int*)seg = localDepth;
        return seg;
    }

    public static void Release(byte* seg) => NativeMemory.AlignedFree(seg);

    /// <summary>Empties the segment and makes it the only one of a fresh table.</summary>
    public static void Reset(byte* seg) => NativeMemory.Clear(seg, Bytes);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int LocalDepth(byte* seg) => *(int*)seg;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Count(byte* seg) => *(int*)(seg + CountOffset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Home(ulong hash) => (int)((hash >> 8) % RegularBuckets);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Bucket(byte* seg, int index) => seg + HeaderBytes + index * BucketBytes;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Busy(byte* bucket) => *(ushort*)bucket;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref uint Slot(byte* bucket, int slot) => ref *(uint*)(bucket + RefOffset + slot * sizeof(uint));

    public static bool TryFind(byte* seg, ReadOnlySpan<byte> key, ulong hash, RecordRefs refs, out byte* bucket, out int slot)
    {
        byte fp = (byte)hash;
        int home = Home(hash);
        bucket = Bucket(seg, home);
        if (Probe(bucket, key, fp, ~Displaced(bucket), refs, out slot))
            return true;
        bucket = Bucket(seg, Next(home));
        if (Probe(bucket, key, fp, Displaced(bucket), refs, out slot))
            return true;
        // Most homes never overflow into the stash, so a miss usually costs two cache lines only.
        if ((StashHomes(seg) & (1UL << home)) != 0)
        {
            for (int s = RegularBuckets; s < TotalBuckets; s++)
            {
                bucket = Bucket(seg, s);
                if (Probe(bucket, key, fp, StashHomeMask(seg, s, home), refs, out slot))
                    return true;
            }
        }
        bucket = null;
        slot = -1;
        return false;
    }

    /// <summary>Places the reference in its home bucket, the next one, by displacing a neighbour, or in the stash.</summary>
    public static bool TryInsert(byte* seg, uint reference, ulong hash)
    {
        byte fp = (byte)hash;
        int home = Home(hash);
        byte* own = Bucket(seg, home);
        uint free = ~Busy(own) & FullMask;
        if (free != 0)
        {
            Place(seg, own, BitOperations.TrailingZeroCount(free), fp, false, reference);
            return true;
        }
        int next = Next(home);
        byte* neighbour = Bucket(seg, next);
        free = ~Busy(neighbour) & FullMask;
        if (free != 0)
        {
            Place(seg, neighbour, BitOperations.TrailingZeroCount(free), fp, true, reference);
            return true;
        }
        // Displacement keeps the load factor high before a split: an entry squatting in our home
        // bucket goes back to its own home, or an entry at home in the next bucket moves one further.
        int prev = home == 0 ? RegularBuckets - 1 : home - 1;
        if (TryShift(own, Displaced(own), Bucket(seg, prev), false, out int freed))
        {
            Place(seg, own, freed, fp, false, reference);
            return true;
        }
        if (TryShift(neighbour, ~Displaced(neighbour), Bucket(seg, Next(next)), true, out freed))
        {
            Place(seg, neighbour, freed, fp, true, reference);
            return true;
        }
        for (int s = RegularBuckets; s < TotalBuckets; s++)
        {
            byte* stash = Bucket(seg, s);
            free = ~Busy(stash) & FullMask;
            if (free != 0)
            {
                int slot = BitOperations.TrailingZeroCount(free);
                Place(seg, stash, slot, fp, false, reference);
                seg[StashHomeOffset + (s - RegularBuckets) * SlotsPerBucket + slot] = (byte)home;
                *(ulong*)(seg + StashHomesOffset) |= 1UL << home;
                return true;
            }
        }
        return false;
    }

    public static void RemoveAt(byte* seg, byte* bucket, int slot)
    {
        *(ushort*)bucket = (ushort)(Busy(bucket) & ~(1u << slot));
        *(ushort*)(bucket + DisplacedOffset) = (ushort)(Displaced(bucket) & ~(1u << slot));
        *(int*)(seg + CountOffset) -= 1;
        if (bucket >= Bucket(seg, RegularBuckets))
        {
            int s = (int)((bucket - Bucket(seg, RegularBuckets)) / BucketBytes);
            int home = seg[StashHomeOffset + s * SlotsPerBucket + slot];
            uint any = 0;
            for (int i = RegularBuckets; i < TotalBuckets; i++)
                any |= StashHomeMask(seg, i, home);
            if (any == 0)
                *(ulong*)(seg + StashHomesOffset) &= ~(1UL << home);
        }
    }

    /// <summary>Moves every entry whose next hash bit is set from <paramref name="src"/> into the empty <paramref name="dst"/>.</summary>
    public static void Split(byte* src, byte* dst, RecordRefs refs)
    {
        int depth = LocalDepth(src);
        int bit = 63 - depth;
        *(int*)src = depth + 1;
        *(int*)dst = depth + 1;

        // A regular entry keeps its bucket, slot and Displaced bit: its home is unchanged and the slot is free in dst.
        int moved = 0;
        for (int i = 0; i < RegularBuckets; i++)
        {
            byte* from = Bucket(src, i);
            byte* to = Bucket(dst, i);
            for (uint busy = Busy(from); busy != 0; busy &= busy - 1)
            {
                int s = BitOperations.TrailingZeroCount(busy);
                if ((KeyHash.Hash(Record.Key(refs.Resolve(Slot(from, s)))) >> bit & 1) == 0)
                    continue;
                CopySlot(from, s, to, s);
                ClearSlot(from, s);
                moved++;
            }
        }
        *(int*)(src + CountOffset) -= moved;
        *(int*)(dst + CountOffset) += moved;

        // Stash entries get another chance at a regular bucket now that both halves have room.
        uint* stashed = stackalloc uint[StashBuckets * SlotsPerBucket];
        ulong* hashes = stackalloc ulong[StashBuckets * SlotsPerBucket];
        int n = 0;
        for (int i = RegularBuckets; i < TotalBuckets; i++)
        {
            byte* stash = Bucket(src, i);
            for (uint busy = Busy(stash); busy != 0; busy &= busy - 1)
            {
                uint reference = Slot(stash, BitOperations.TrailingZeroCount(busy));
                stashed[n] = reference;
                hashes[n++] = KeyHash.Hash(Record.Key(refs.Resolve(reference)));
            }
            *(ushort*)stash = 0;
        }
        *(int*)(src + CountOffset) -= n;
        *(ulong*)(src + StashHomesOffset) = 0;
        for (int i = 0; i < n; i++)
        {
            bool placed = TryInsert((hashes[i] >> bit & 1) == 0 ? src : dst, stashed[i], hashes[i]);
            Debug.Assert(placed, "each half has at least as many free stash slots as entries that left the stash");
        }
    }

    /// <summary>Visits every entry whose home bucket is <paramref name="home"/>; false when the visitor asked to stop.</summary>
    public static bool VisitHomeGroup<TVisitor>(byte* seg, int home, RecordRefs refs, ref TVisitor visitor)
        where TVisitor : struct, IRecordVisitor
    {
        byte* own = Bucket(seg, home);
        bool more = VisitMask(own, Busy(own) & ~Displaced(own), refs, ref visitor);
        byte* next = Bucket(seg, Next(home));
        more &= VisitMask(next, Busy(next) & Displaced(next), refs, ref visitor);
        if ((StashHomes(seg) & (1UL << home)) != 0)
        {
            for (int s = RegularBuckets; s < TotalBuckets; s++)
                more &= VisitMask(Bucket(seg, s), StashHomeMask(seg, s, home), refs, ref visitor);
        }
        return more;
    }

    /// <summary>Visits every entry of the segment; false as soon as the visitor asks to stop.</summary>
    public static bool VisitAll<TVisitor>(byte* seg, RecordRefs refs, ref TVisitor visitor) where TVisitor : struct, IRecordVisitor
    {
        if (Count(seg) == 0)
            return true;
        for (int i = 0; i < TotalBuckets; i++)
        {
            byte* bucket = Bucket(seg, i);
            for (uint busy = Busy(bucket); busy != 0; busy &= busy - 1)
            {
                if (!visitor.Visit(refs.Resolve(Slot(bucket, BitOperations.TrailingZeroCount(busy)))))
                    return false;
            }
        }
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Next(int bucket) => bucket == RegularBuckets - 1 ? 0 : bucket + 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong StashHomes(byte* seg) => *(ulong*)(seg + StashHomesOffset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Displaced(byte* bucket) => *(ushort*)(bucket + DisplacedOffset);

    /// <summary>Busy slots of stash bucket <paramref name="s"/> whose entries belong to <paramref name="home"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint StashHomeMask(byte* seg, int s, int home)
    {
        // 16 bytes from this bucket's 12 homes: the 4 extra lanes are masked off by Busy (or are the header's end).
        var homes = Vector128.Load(seg + StashHomeOffset + (s - RegularBuckets) * SlotsPerBucket);
        return Vector128.Equals(homes, Vector128.Create((byte)home)).ExtractMostSignificantBits() & Busy(Bucket(seg, s));
    }

    /// <summary>
    /// The record a lookup of <paramref name="hash"/> will most likely compare first: the first entry of the home
    /// bucket (or else the displaced ones of the next) whose fingerprint matches; 0 when there is none. Reads
    /// only the two bucket lines, for prefetching.
    /// </summary>
    public static nint LikelyRecord(byte* seg, ulong hash, RecordRefs refs)
    {
        var fp = Vector128.Create((byte)hash);
        int home = Home(hash);
        byte* bucket = Bucket(seg, home);
        uint candidates = (Vector128.Equals(Vector128.Load(bucket), fp).ExtractMostSignificantBits() >> FingerprintOffset)
            & Busy(bucket) & ~Displaced(bucket);
        if (candidates == 0)
        {
            bucket = Bucket(seg, Next(home));
            candidates = (Vector128.Equals(Vector128.Load(bucket), fp).ExtractMostSignificantBits() >> FingerprintOffset)
                & Busy(bucket) & Displaced(bucket);
            if (candidates == 0) return 0;
        }
        return refs.Resolve(Slot(bucket, BitOperations.TrailingZeroCount(candidates)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Probe(byte* bucket, ReadOnlySpan<byte> key, byte fp, uint allowed, RecordRefs refs, out int slot)
    {
        // The first 16 bytes are Busy then the fingerprints, so fingerprint i lands on bit i + 2.
        var meta = Vector128.Load(bucket);
        uint candidates = (Vector128.Equals(meta, Vector128.Create(fp)).ExtractMostSignificantBits() >> FingerprintOffset)
            & Busy(bucket) & allowed;
        for (; candidates != 0; candidates &= candidates - 1)
        {
            slot = BitOperations.TrailingZeroCount(candidates);
            if (Record.Key(refs.Resolve(Slot(bucket, slot))).SequenceEqual(key))
                return true;
        }
        slot = -1;
        return false;
    }

    private static bool VisitMask<TVisitor>(byte* bucket, uint mask, RecordRefs refs, ref TVisitor visitor)
        where TVisitor : struct, IRecordVisitor
    {
        bool more = true;
        for (; mask != 0; mask &= mask - 1)
            more &= visitor.Visit(refs.Resolve(Slot(bucket, BitOperations.TrailingZeroCount(mask))));
        return more;
    }

    /// <summary>
    /// Moves one entry of <paramref name="from"/> picked by <paramref name="candidates"/> into <paramref name="to"/>,
    /// where it is <paramref name="displaced"/> or at home.
    /// </summary>
    private static bool TryShift(byte* from, uint candidates, byte* to, bool displaced, out int freed)
    {
        freed = -1;
        candidates &= Busy(from);
        uint free = ~Busy(to) & FullMask;
        if (candidates == 0 || free == 0)
            return false;
        int s = BitOperations.TrailingZeroCount(candidates);
        int d = BitOperations.TrailingZeroCount(free);
        CopySlot(from, s, to, d);
        SetDisplaced(to, d, displaced);
        ClearSlot(from, s);
        freed = s;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Place(byte* seg, byte* bucket, int slot, byte fp, bool displaced, uint reference)
    {
        bucket[FingerprintOffset + slot] = fp;
        Slot(bucket, slot) = reference;
        SetDisplaced(bucket, slot, displaced);
        *(ushort*)bucket = (ushort)(Busy(bucket) | (1u << slot));
        *(int*)(seg + CountOffset) += 1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SetDisplaced(byte* bucket, int slot, bool displaced)
    {
        uint bits = Displaced(bucket) & ~(1u << slot);
        *(ushort*)(bucket + DisplacedOffset) = (ushort)(bits | (displaced ? 1u << slot : 0));
    }

    /// <summary>Copies fingerprint, reference and Displaced bit (regular buckets only).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopySlot(byte* from, int s, byte* to, int d)
    {
        to[FingerprintOffset + d] = from[FingerprintOffset + s];
        Slot(to, d) = Slot(from, s);
        SetDisplaced(to, d, (Displaced(from) & (1u << s)) != 0);
        *(ushort*)to = (ushort)(Busy(to) | (1u << d));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ClearSlot(byte* bucket, int s)
    {
        *(ushort*)bucket = (ushort)(Busy(bucket) & ~(1u << s));
        *(ushort*)(bucket + DisplacedOffset) = (ushort)(Displaced(bucket) & ~(1u << s));
    }
}
