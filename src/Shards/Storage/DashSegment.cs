using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace TdbPlus.Shards.Storage;

/// <summary>One dash-table segment in native memory: 56 regular buckets and 4 stash buckets of 14 slots.</summary>
/// <remarks>
/// Segment: LocalDepth(int) Count(int) StashHomes(ulong), then 60 buckets.
/// Bucket (144 bytes): Busy(ushort) Fingerprint[14] Home[14] pad(2) Record[14] (nint).
/// Busy+fingerprints and homes are each exactly 16 bytes so one vector compare matches a whole bucket.
/// An entry with home bucket h lives in bucket h, bucket h+1 (mod 56) or a stash bucket.
/// </remarks>
internal static unsafe class DashSegment
{
    public const int RegularBuckets = 56;
    public const int StashBuckets = 4;
    public const int TotalBuckets = RegularBuckets + StashBuckets;
    public const int SlotsPerBucket = 14;
    public const int Capacity = TotalBuckets * SlotsPerBucket;
    public const int BucketBytes = 144;
    public const int HeaderBytes = 16;
    public const int Bytes = HeaderBytes + TotalBuckets * BucketBytes;

    private const uint FullMask = (1u << SlotsPerBucket) - 1;
    private const int FingerprintOffset = 2;
    private const int HomeOffset = 16;
    private const int RecordOffset = 32;
    private const int CountOffset = 4;
    private const int StashHomesOffset = 8;

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
    public static ref nint Slot(byte* bucket, int slot) => ref *(nint*)(bucket + RecordOffset + slot * sizeof(nint));

    public static bool TryFind(byte* seg, ReadOnlySpan<byte> key, ulong hash, out byte* bucket, out int slot)
    {
        byte fp = (byte)hash;
        int home = Home(hash);
        bucket = Bucket(seg, home);
        if (Probe(bucket, key, fp, home, out slot))
            return true;
        bucket = Bucket(seg, Next(home));
        if (Probe(bucket, key, fp, home, out slot))
            return true;
        // Most homes never overflow into the stash, so a miss usually costs two buckets only.
        if ((StashHomes(seg) & (1UL << home)) != 0)
        {
            for (int s = RegularBuckets; s < TotalBuckets; s++)
            {
                bucket = Bucket(seg, s);
                if (Probe(bucket, key, fp, home, out slot))
                    return true;
            }
        }
        bucket = null;
        slot = -1;
        return false;
    }

    /// <summary>Places the record in its home bucket, the next one, by displacing a neighbour, or in the stash.</summary>
    public static bool TryInsert(byte* seg, nint rec, ulong hash)
    {
        byte fp = (byte)hash;
        int home = Home(hash);
        byte* own = Bucket(seg, home);
        uint free = ~Busy(own) & FullMask;
        if (free != 0)
        {
            Place(seg, own, BitOperations.TrailingZeroCount(free), fp, home, rec);
            return true;
        }
        int next = Next(home);
        byte* neighbour = Bucket(seg, next);
        free = ~Busy(neighbour) & FullMask;
        if (free != 0)
        {
            Place(seg, neighbour, BitOperations.TrailingZeroCount(free), fp, home, rec);
            return true;
        }
        // Displacement keeps the load factor high before a split: an entry squatting in our home
        // bucket goes back to its own home, or an entry at home in the next bucket moves one further.
        int prev = home == 0 ? RegularBuckets - 1 : home - 1;
        if (TryShift(own, prev, Bucket(seg, prev), out int freed))
        {
            Place(seg, own, freed, fp, home, rec);
            return true;
        }
        if (TryShift(neighbour, next, Bucket(seg, Next(next)), out freed))
        {
            Place(seg, neighbour, freed, fp, home, rec);
            return true;
        }
        for (int s = RegularBuckets; s < TotalBuckets; s++)
        {
            byte* stash = Bucket(seg, s);
            free = ~Busy(stash) & FullMask;
            if (free != 0)
            {
                Place(seg, stash, BitOperations.TrailingZeroCount(free), fp, home, rec);
                *(ulong*)(seg + StashHomesOffset) |= 1UL << home;
                return true;
            }
        }
        return false;
    }

    public static void RemoveAt(byte* seg, byte* bucket, int slot)
    {
        *(ushort*)bucket = (ushort)(Busy(bucket) & ~(1u << slot));
        *(int*)(seg + CountOffset) -= 1;
        if (bucket >= Bucket(seg, RegularBuckets))
        {
            int home = bucket[HomeOffset + slot];
            if (StashGroupMask(seg, home) == 0)
                *(ulong*)(seg + StashHomesOffset) &= ~(1UL << home);
        }
    }

    /// <summary>Moves every entry whose next hash bit is set from <paramref name="src"/> into the empty <paramref name="dst"/>.</summary>
    public static void Split(byte* src, byte* dst)
    {
        int depth = LocalDepth(src);
        int bit = 63 - depth;
        *(int*)src = depth + 1;
        *(int*)dst = depth + 1;

        // A regular entry keeps its bucket and slot: its home is unchanged and the slot is free in dst.
        int moved = 0;
        for (int i = 0; i < RegularBuckets; i++)
        {
            byte* from = Bucket(src, i);
            byte* to = Bucket(dst, i);
            for (uint busy = Busy(from); busy != 0; busy &= busy - 1)
            {
                int s = BitOperations.TrailingZeroCount(busy);
                if ((KeyHash.Hash(Record.Key(Slot(from, s))) >> bit & 1) == 0)
                    continue;
                CopySlot(from, s, to, s);
                *(ushort*)from = (ushort)(Busy(from) & ~(1u << s));
                moved++;
            }
        }
        *(int*)(src + CountOffset) -= moved;
        *(int*)(dst + CountOffset) += moved;

        // Stash entries get another chance at a regular bucket now that both halves have room.
        nint* recs = stackalloc nint[StashBuckets * SlotsPerBucket];
        ulong* hashes = stackalloc ulong[StashBuckets * SlotsPerBucket];
        int n = 0;
        for (int i = RegularBuckets; i < TotalBuckets; i++)
        {
            byte* stash = Bucket(src, i);
            for (uint busy = Busy(stash); busy != 0; busy &= busy - 1)
            {
                nint rec = Slot(stash, BitOperations.TrailingZeroCount(busy));
                recs[n] = rec;
                hashes[n++] = KeyHash.Hash(Record.Key(rec));
            }
            *(ushort*)stash = 0;
        }
        *(int*)(src + CountOffset) -= n;
        *(ulong*)(src + StashHomesOffset) = 0;
        for (int i = 0; i < n; i++)
        {
            bool placed = TryInsert((hashes[i] >> bit & 1) == 0 ? src : dst, recs[i], hashes[i]);
            Debug.Assert(placed, "each half has at least as many free stash slots as entries that left the stash");
        }
    }

    /// <summary>Visits every entry whose home bucket is <paramref name="home"/>; false when the visitor asked to stop.</summary>
    public static bool VisitHomeGroup<TVisitor>(byte* seg, int home, ref TVisitor visitor)
        where TVisitor : struct, IRecordVisitor
    {
        bool more = VisitMatching(Bucket(seg, home), home, ref visitor);
        more &= VisitMatching(Bucket(seg, Next(home)), home, ref visitor);
        if ((StashHomes(seg) & (1UL << home)) != 0)
        {
            for (int s = RegularBuckets; s < TotalBuckets; s++)
                more &= VisitMatching(Bucket(seg, s), home, ref visitor);
        }
        return more;
    }

    /// <summary>Visits every entry of the segment; false as soon as the visitor asks to stop.</summary>
    public static bool VisitAll<TVisitor>(byte* seg, ref TVisitor visitor) where TVisitor : struct, IRecordVisitor
    {
        if (Count(seg) == 0)
            return true;
        for (int i = 0; i < TotalBuckets; i++)
        {
            byte* bucket = Bucket(seg, i);
            for (uint busy = Busy(bucket); busy != 0; busy &= busy - 1)
            {
                if (!visitor.Visit(Slot(bucket, BitOperations.TrailingZeroCount(busy))))
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
    private static uint HomeMask(byte* bucket, int home)
    {
        var homes = Vector128.Load(bucket + HomeOffset);
        return Vector128.Equals(homes, Vector128.Create((byte)home)).ExtractMostSignificantBits() & Busy(bucket);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Probe(byte* bucket, ReadOnlySpan<byte> key, byte fp, int home, out int slot)
    {
        // The first 16 bytes are Busy then the fingerprints, so fingerprint i lands on bit i + 2.
        var meta = Vector128.Load(bucket);
        uint candidates = (Vector128.Equals(meta, Vector128.Create(fp)).ExtractMostSignificantBits() >> FingerprintOffset)
            & HomeMask(bucket, home);
        for (; candidates != 0; candidates &= candidates - 1)
        {
            slot = BitOperations.TrailingZeroCount(candidates);
            if (Record.Key(Slot(bucket, slot)).SequenceEqual(key))
                return true;
        }
        slot = -1;
        return false;
    }

    private static bool VisitMatching<TVisitor>(byte* bucket, int home, ref TVisitor visitor)
        where TVisitor : struct, IRecordVisitor
    {
        bool more = true;
        for (uint mask = HomeMask(bucket, home); mask != 0; mask &= mask - 1)
            more &= visitor.Visit(Slot(bucket, BitOperations.TrailingZeroCount(mask)));
        return more;
    }

    private static uint StashGroupMask(byte* seg, int home)
    {
        uint any = 0;
        for (int s = RegularBuckets; s < TotalBuckets; s++)
            any |= HomeMask(Bucket(seg, s), home);
        return any;
    }

    /// <summary>Moves one entry of <paramref name="from"/> whose home is <paramref name="home"/> into <paramref name="to"/>.</summary>
    private static bool TryShift(byte* from, int home, byte* to, out int freed)
    {
        freed = -1;
        uint candidates = HomeMask(from, home);
        uint free = ~Busy(to) & FullMask;
        if (candidates == 0 || free == 0)
            return false;
        int s = BitOperations.TrailingZeroCount(candidates);
        int d = BitOperations.TrailingZeroCount(free);
        CopySlot(from, s, to, d);
        *(ushort*)from = (ushort)(Busy(from) & ~(1u << s));
        freed = s;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Place(byte* seg, byte* bucket, int slot, byte fp, int home, nint rec)
    {
        bucket[FingerprintOffset + slot] = fp;
        bucket[HomeOffset + slot] = (byte)home;
        Slot(bucket, slot) = rec;
        *(ushort*)bucket = (ushort)(Busy(bucket) | (1u << slot));
        *(int*)(seg + CountOffset) += 1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopySlot(byte* from, int s, byte* to, int d)
    {
        to[FingerprintOffset + d] = from[FingerprintOffset + s];
        to[HomeOffset + d] = from[HomeOffset + s];
        Slot(to, d) = Slot(from, s);
        *(ushort*)to = (ushort)(Busy(to) | (1u << d));
    }
}
