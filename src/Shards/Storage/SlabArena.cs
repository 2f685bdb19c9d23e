using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace TdbPlus.Shards.Storage;

/// <summary>Single-threaded native memory allocator with size classes; one per shard, owns all its keys and values.</summary>
public sealed unsafe class SlabArena : IDisposable
{
    /// <summary>Largest request served from slab pages; bigger requests go to the system allocator.</summary>
    public const int MaxSmallSize = 32 * 1024;

    /// <summary>Bytes per slab page.</summary>
    public const int PageSize = 64 * 1024;

    // Pages are carved from 1 MB chunks: the system allocator maps those directly, where 64 KB aligned
    // requests would fragment its heap. Chunks are aligned to their size so a block's chunk is found by
    // masking its address, and each chunk starts with its own index (see TryReference).
    private const int ChunkShift = 20;
    private const int ChunkSize = 1 << ChunkShift;
    private const int ChunkHeaderBytes = 8;

    // A reference is chunk index << (ChunkShift - 2) | offset / 4: 31 bits address the first 8192 chunks
    // (8 GB of slab memory per arena); the top bit is left to callers to mark references of another kind.
    private const int OffsetBits = ChunkShift - 2;
    private const int ReferenceChunks = 1 << (31 - OffsetBits);

    private static readonly int[] ClassSizes = BuildClassSizes();
    // Indexed by (size + 3) / 4 so the class lookup is one load instead of a search.
    private static readonly byte[] ClassOfUnits = BuildClassLookup();

    private readonly nint[] _freeHead = new nint[ClassSizes.Length];
    private readonly nint[] _bump = new nint[ClassSizes.Length];
    private readonly nint[] _bumpEnd = new nint[ClassSizes.Length];
    private readonly List<nint> _chunks = new();
    // Base address of each referenceable chunk, so resolving a reference is one load and an add.
    private nint* _chunkBases = (nint*)NativeMemory.AllocZeroed(ReferenceChunks, (nuint)sizeof(nint));
    private nint _chunkNext;
    private nint _chunkEnd;
    private readonly HashSet<nint> _large = new();
    private bool _disposed;

    /// <summary>Bytes in live blocks, counted at their class size, plus live large allocations.</summary>
    public long UsedBytes { get; private set; }

    /// <summary>Bytes obtained from the OS: slab pages plus live large allocations.</summary>
    public long ReservedBytes { get; private set; }

    /// <summary>Number of size classes served from slab pages.</summary>
    public static int ClassCount => ClassSizes.Length;

    /// <summary>Bytes actually consumed by a request of <paramref name="size"/> bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ClassSize(int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        return size <= MaxSmallSize ? ClassSizes[ClassOfUnits[(size + 3) >> 2]] : size;
    }

    /// <summary>
    /// Returns memory of at least <paramref name="size"/> bytes, 4-byte aligned: classes step by 4 bytes up to
    /// 256 so small records waste almost nothing (callers read wider fields unaligned).
    /// </summary>
    public byte* Allocate(int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (size > MaxSmallSize)
            return AllocateLarge(size);

        int c = ClassOfUnits[(size + 3) >> 2];
        int classSize = ClassSizes[c];
        nint block = _freeHead[c];
        if (block != 0)
        {
            _freeHead[c] = Unsafe.ReadUnaligned<nint>((void*)block);
        }
        else
        {
            block = _bump[c];
            if (block == 0 || _bumpEnd[c] - block < classSize)
                block = NewPage(c);
            _bump[c] = block + classSize;
        }
        UsedBytes += classSize;
        return (byte*)block;
    }

    /// <summary>Releases memory from <see cref="Allocate"/>; <paramref name="size"/> must be the size that was requested.</summary>
    public void Free(byte* p, int size)
    {
        if (p == null)
            return;
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        if (size > MaxSmallSize)
        {
            if (!_large.Remove((nint)p))
                throw new InvalidOperationException("Pointer was not a large allocation of this arena.");
            NativeMemory.Free(p);
            UsedBytes -= size;
            ReservedBytes -= size;
            return;
        }

        int c = ClassOfUnits[(size + 3) >> 2];
        Unsafe.WriteUnaligned(p, _freeHead[c]);
        _freeHead[c] = (nint)p;
        UsedBytes -= ClassSizes[c];
    }

    /// <summary>
    /// Resizes a large allocation (both sizes above <see cref="MaxSmallSize"/>) with the system's realloc, which
    /// can extend in place or remap pages instead of copying; anything else is allocate, copy, free.
    /// </summary>
    public byte* Reallocate(byte* p, int oldSize, int newSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(newSize);
        if (oldSize > MaxSmallSize && newSize > MaxSmallSize)
        {
            if (!_large.Remove((nint)p))
                throw new InvalidOperationException("Pointer was not a large allocation of this arena.");
            byte* q = (byte*)NativeMemory.Realloc(p, (nuint)newSize);
            _large.Add((nint)q);
            UsedBytes += newSize - oldSize;
            ReservedBytes += newSize - oldSize;
            return q;
        }
        byte* fresh = Allocate(newSize);
        Buffer.MemoryCopy(p, fresh, newSize, Math.Min(oldSize, newSize));
        Free(p, oldSize);
        return fresh;
    }

    /// <summary>
    /// A 31-bit reference to a live block of <paramref name="size"/> bytes, for indexes that store 4 bytes
    /// instead of a pointer; false for large blocks and for chunks past the first 8 GB.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool TryReference(byte* p, int size, out uint reference)
    {
        reference = 0;
        // Only slab blocks live in chunks; reading a "header" below a large block could touch unmapped memory.
        if (size > MaxSmallSize)
            return false;
        nint chunk = (nint)p & ~(nint)(ChunkSize - 1);
        uint index = *(uint*)chunk;
        if (index >= ReferenceChunks)
            return false;
        reference = index << OffsetBits | (uint)(((nint)p - chunk) >> 2);
        return true;
    }

    /// <summary>Table of chunk base addresses for <see cref="Resolve"/>; fixed for the arena's lifetime.</summary>
    internal nint* ChunkBases => _chunkBases;

    /// <summary>Address of a block from <see cref="TryReference"/>, given the arena's <see cref="ChunkBases"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static nint Resolve(nint* chunkBases, uint reference) =>
        chunkBases[reference >> OffsetBits] + (nint)((reference & ((1u << OffsetBits) - 1)) << 2);

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        foreach (nint chunk in _chunks)
            NativeMemory.AlignedFree((void*)chunk);
        NativeMemory.Free(_chunkBases);
        _chunkBases = null;
        foreach (nint block in _large)
            NativeMemory.Free((void*)block);
        _chunks.Clear();
        _chunkNext = _chunkEnd = 0;
        _large.Clear();
        Array.Clear(_freeHead);
        Array.Clear(_bump);
        Array.Clear(_bumpEnd);
        UsedBytes = 0;
        ReservedBytes = 0;
    }

    private nint NewPage(int c)
    {
        bool first = _chunkNext == _chunkEnd;
        if (first)
        {
            _chunkNext = (nint)NativeMemory.AlignedAlloc(ChunkSize, ChunkSize);
            _chunkEnd = _chunkNext + ChunkSize;
            int index = _chunks.Count;
            *(int*)_chunkNext = index;
            if (index < ReferenceChunks)
                _chunkBases[index] = _chunkNext;
            _chunks.Add(_chunkNext);
            ReservedBytes += ChunkSize;
        }
        nint page = _chunkNext;
        _chunkNext += PageSize;
        // The tail of the previous page that cannot hold one more block is abandoned: at most one
        // block's worth per class, which is cheaper than splitting it across other classes.
        _bumpEnd[c] = page + PageSize;
        return first ? page + ChunkHeaderBytes : page;
    }

    private byte* AllocateLarge(int size)
    {
        byte* p = (byte*)NativeMemory.Alloc((nuint)size);
        _large.Add((nint)p);
        UsedBytes += size;
        ReservedBytes += size;
        return p;
    }

    private static int[] BuildClassSizes()
    {
        var sizes = new List<int>();
        for (int s = 8; s <= 256; s += 4)
            sizes.Add(s);
        for (int s = 272; s <= 512; s += 16)
            sizes.Add(s);
        int last = 512;
        while (last < MaxSmallSize)
        {
            int next = (last + last / 8 + 15) & ~15;
            last = Math.Min(next, MaxSmallSize);
            sizes.Add(last);
        }
        return sizes.ToArray();
    }

    private static byte[] BuildClassLookup()
    {
        var lookup = new byte[(MaxSmallSize >> 2) + 1];
        int c = 0;
        for (int units = 0; units < lookup.Length; units++)
        {
            while (ClassSizes[c] < units * 4)
                c++;
            lookup[units] = checked((byte)c);
        }
        return lookup;
    }
}
