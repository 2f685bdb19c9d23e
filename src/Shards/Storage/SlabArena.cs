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

    // Pages are carved from 1 MB chunks: the system allocator maps those directly (page aligned, no header
    // waste), where 64 KB aligned requests would fragment its heap.
    private const int ChunkSize = 1024 * 1024;

    private static readonly int[] ClassSizes = BuildClassSizes();
    // Indexed by (size + 3) / 4 so the class lookup is one load instead of a search.
    private static readonly byte[] ClassOfUnits = BuildClassLookup();

    private readonly nint[] _freeHead = new nint[ClassSizes.Length];
    private readonly nint[] _bump = new nint[ClassSizes.Length];
    private readonly nint[] _bumpEnd = new nint[ClassSizes.Length];
    private readonly List<nint> _chunks = new();
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

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        foreach (nint chunk in _chunks)
            NativeMemory.AlignedFree((void*)chunk);
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
        if (_chunkNext == _chunkEnd)
        {
            _chunkNext = (nint)NativeMemory.AlignedAlloc(ChunkSize, 4096);
            _chunkEnd = _chunkNext + ChunkSize;
            _chunks.Add(_chunkNext);
            ReservedBytes += ChunkSize;
        }
        nint page = _chunkNext;
        _chunkNext += PageSize;
        // The tail of the previous page that cannot hold one more block is abandoned: at most one
        // block's worth per class, which is cheaper than splitting it across other classes.
        _bumpEnd[c] = page + PageSize;
        return page;
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
