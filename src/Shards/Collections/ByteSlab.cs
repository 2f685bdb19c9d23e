namespace TdbPlus.Shards.Collections;

/// <summary>
/// Append-only storage of many small byte records in a few large chunks, addressed by a 64-bit location
/// (chunk index in the high half, offset in the low half), so a large collection holds its element bytes in
/// a handful of arrays instead of one object per element. Freed records only count as garbage; the owner
/// rewrites its live records into a fresh slab when <see cref="ShouldCompact"/> says so.
/// </summary>
public sealed class ByteSlab
{
    /// <summary>Chunks grow by doubling from this size...</summary>
    public const int MinChunk = 512;

    /// <summary>...up to this size; a record larger than the current chunk size gets a chunk of its own.</summary>
    public const int MaxChunk = 256 * 1024;

    private byte[][] _chunks = [];
    private int _chunkCount;
    private int _used; // bytes used in the last chunk
    private int _nextChunkSize = MinChunk;

    /// <summary>Bytes of live records.</summary>
    public long LiveBytes { get; private set; }

    /// <summary>Bytes of freed records still occupying chunk space.</summary>
    public long GarbageBytes { get; private set; }

    /// <summary>Bytes of all chunks (what the slab costs in memory).</summary>
    public long CapacityBytes { get; private set; }

    /// <summary>True when at least half of the stored bytes are garbage (and enough to be worth a rewrite).</summary>
    public bool ShouldCompact => GarbageBytes > 4096 && GarbageBytes > LiveBytes;

    /// <summary>Reserves <paramref name="size"/> contiguous bytes; returns their location and the span to fill.</summary>
    public long Allocate(int size, out Span<byte> dest)
    {
        if (_chunkCount == 0 || _chunks[_chunkCount - 1].Length - _used < size) NewChunk(size);
        int chunk = _chunkCount - 1;
        int offset = _used;
        _used += size;
        LiveBytes += size;
        dest = _chunks[chunk].AsSpan(offset, size);
        return ((long)chunk << 32) | (uint)offset;
    }

    /// <summary>The bytes from <paramref name="location"/> to the end of its chunk (records parse their own length).</summary>
    public ReadOnlySpan<byte> From(long location) => _chunks[(int)(location >> 32)].AsSpan((int)(uint)location);

    /// <summary>Writable bytes from <paramref name="location"/> to the end of its chunk.</summary>
    public Span<byte> WritableFrom(long location) => _chunks[(int)(location >> 32)].AsSpan((int)(uint)location);

    /// <summary>Marks a record of <paramref name="size"/> bytes as garbage.</summary>
    public void Free(int size)
    {
        LiveBytes -= size;
        GarbageBytes += size;
    }

    /// <summary>Drops every chunk.</summary>
    public void Clear()
    {
        _chunks = [];
        _chunkCount = 0;
        _used = 0;
        _nextChunkSize = MinChunk;
        LiveBytes = GarbageBytes = CapacityBytes = 0;
    }

    /// <summary>A slab sized for <paramref name="bytes"/> of records written in one go (compaction, copies).</summary>
    public static ByteSlab ForSize(long bytes)
    {
        var slab = new ByteSlab();
        long size = MinChunk;
        while (size < bytes && size < MaxChunk) size <<= 1;
        slab._nextChunkSize = (int)size;
        return slab;
    }

    private void NewChunk(int size)
    {
        // The unused tail of the current chunk is lost to records; count it as garbage so compaction sees it.
        if (_chunkCount > 0) GarbageBytes += _chunks[_chunkCount - 1].Length - _used;
        int chunkSize = Math.Max(size, _nextChunkSize);
        if (_nextChunkSize < MaxChunk) _nextChunkSize <<= 1;
        if (_chunkCount == _chunks.Length) Array.Resize(ref _chunks, Math.Max(4, _chunks.Length * 2));
        _chunks[_chunkCount++] = GC.AllocateUninitializedArray<byte>(chunkSize);
        _used = 0;
        CapacityBytes += chunkSize;
    }
}
