using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace TdbPlus.Shards.Families.SortedSets;

/// <summary>
/// Append-only storage of sorted-set entries ([score: 8 bytes][member length: varint][member bytes]) packed in
/// 64 KB chunks at 4-byte boundaries, addressed by an int reference: a non-negative reference is a 4-byte unit
/// (chunk &lt;&lt; 14 | unit in chunk); a negative one (~index) names an entry too big to share a chunk, kept in
/// its own array. Removed entries stay readable (B+tree separators may still name them) until the owner
/// rebuilds into a fresh slab.
/// </summary>
internal sealed class ZSlab
{
    private const int ChunkShift = 16;
    private const int ChunkBytes = 1 << ChunkShift;
    private const int UnitShift = 2;
    private const int UnitBits = ChunkShift - UnitShift;
    private const int UnitMask = (1 << UnitBits) - 1;
    private const int FirstChunkBytes = 512;

    /// <summary>Entries larger than this get their own array.</summary>
    public const int BigEntryBytes = 4096;

    /// <summary>The most chunks int references can address (8 GB of small entries).</summary>
    private const int MaxChunks = int.MaxValue >> UnitBits;

    private byte[][] _chunks = new byte[4][];
    private int _chunkCount;
    private int _used; // bytes used in the last chunk
    private List<byte[]>? _big;

    /// <summary>Bytes of live entries (including alignment) and of removed ones not yet reclaimed.</summary>
    public long LiveBytes { get; private set; }

    public long GarbageBytes { get; private set; }

    /// <summary>Bytes allocated for chunks and big entries.</summary>
    public long AllocatedBytes { get; private set; }

    /// <summary>
    /// Full chunks live on the pinned object heap: the GC never copies them between generations, which
    /// would otherwise double their footprint while a large set is built.
    /// </summary>
    private static byte[] NewChunk(int length) =>
        length == ChunkBytes ? GC.AllocateUninitializedArray<byte>(length, pinned: true) : new byte[length];

    public static int EntrySize(int memberLength) => 8 + VarintSize(memberLength) + memberLength;

    private static int AlignedSize(int memberLength) => (EntrySize(memberLength) + 3) & ~3;

    public int Add(double score, ReadOnlySpan<byte> member)
    {
        int size = AlignedSize(member.Length);
        if (size > BigEntryBytes) return AddBig(score, member, size);
        if (_chunkCount == 0 || _used + size > _chunks[_chunkCount - 1].Length)
        {
            if (_chunkCount > 0 && _chunks[_chunkCount - 1].Length < ChunkBytes && _used + size <= ChunkBytes)
            {
                var last = _chunks[_chunkCount - 1];
                int grown = Math.Min(ChunkBytes, Math.Max(last.Length * 2, _used + size));
                AllocatedBytes += grown - last.Length;
                var bigger = NewChunk(grown);
                last.AsSpan(0, _used).CopyTo(bigger);
                _chunks[_chunkCount - 1] = bigger;
            }
            else
            {
                if (_chunkCount == MaxChunks) throw new InvalidOperationException("sorted set storage is full");
                if (_chunkCount == _chunks.Length) Array.Resize(ref _chunks, _chunks.Length * 2);
                int length = _chunkCount == 0 ? Math.Max(FirstChunkBytes, size) : ChunkBytes;
                _chunks[_chunkCount++] = NewChunk(length);
                AllocatedBytes += length;
                _used = 0;
            }
        }
        var chunk = _chunks[_chunkCount - 1];
        int offset = _used;
        Write(chunk.AsSpan(offset), score, member);
        _used += size;
        LiveBytes += size;
        return ((_chunkCount - 1) << UnitBits) | (offset >> UnitShift);
    }

    private int AddBig(double score, ReadOnlySpan<byte> member, int size)
    {
        _big ??= [];
        var entry = new byte[EntrySize(member.Length)];
        Write(entry, score, member);
        _big.Add(entry);
        AllocatedBytes += entry.Length;
        LiveBytes += size;
        return ~(_big.Count - 1);
    }

    private static void Write(Span<byte> dest, double score, ReadOnlySpan<byte> member)
    {
        BinaryPrimitives.WriteDoubleLittleEndian(dest, score);
        int n = WriteVarint(dest[8..], member.Length);
        member.CopyTo(dest[(8 + n)..]);
    }

    /// <summary>Accounts a removed entry as garbage (its bytes stay readable until the slab is dropped).</summary>
    public void Release(int r)
    {
        int size = AlignedSize(Member(r).Length);
        LiveBytes -= size;
        GarbageBytes += size;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double Score(int r)
    {
        if (r >= 0)
            return BinaryPrimitives.ReadDoubleLittleEndian(_chunks[r >> UnitBits].AsSpan((r & UnitMask) << UnitShift));
        return BinaryPrimitives.ReadDoubleLittleEndian(_big![~r]);
    }

    public void SetScore(int r, double score)
    {
        if (r >= 0) BinaryPrimitives.WriteDoubleLittleEndian(_chunks[r >> UnitBits].AsSpan((r & UnitMask) << UnitShift), score);
        else BinaryPrimitives.WriteDoubleLittleEndian(_big![~r], score);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<byte> Member(int r)
    {
        byte[] array;
        int offset;
        if (r >= 0)
        {
            array = _chunks[r >> UnitBits];
            offset = ((r & UnitMask) << UnitShift) + 8;
        }
        else
        {
            array = _big![~r];
            offset = 8;
        }
        int length = array[offset];
        if (length < 0x80) return new ReadOnlySpan<byte>(array, offset + 1, length);
        int n = ReadVarint(array.AsSpan(offset), out length);
        return new ReadOnlySpan<byte>(array, offset + n, length);
    }

    public static int VarintSize(int value)
    {
        int n = 1;
        while ((uint)value >= 0x80)
        {
            value = (int)((uint)value >> 7);
            n++;
        }
        return n;
    }

    public static int WriteVarint(Span<byte> dest, int value)
    {
        int n = 0;
        uint v = (uint)value;
        while (v >= 0x80)
        {
            dest[n++] = (byte)(v | 0x80);
            v >>= 7;
        }
        dest[n++] = (byte)v;
        return n;
    }

    public static int ReadVarint(ReadOnlySpan<byte> src, out int value)
    {
        uint v = 0;
        int shift = 0, n = 0;
        while (true)
        {
            byte b = src[n++];
            v |= (uint)(b & 0x7F) << shift;
            if (b < 0x80) break;
            shift += 7;
        }
        value = (int)v;
        return n;
    }
}
