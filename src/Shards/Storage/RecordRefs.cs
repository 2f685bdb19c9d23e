using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace TdbPlus.Shards.Storage;

/// <summary>
/// The 4-byte record references of one <see cref="DashTable"/>: a slab block is named by its arena reference
/// (chunk index and offset), anything else (large records, chunks past the first 8 GB) by an index into a
/// side table of pointers, marked by the top bit. Half the size of a pointer per slot is what keeps the
/// table near 5.5 bytes per slot.
/// </summary>
internal sealed unsafe class RecordRefs : IDisposable
{
    private const uint WideBit = 1u << 31;
    private const int FreeEnd = -1;

    private readonly nint* _chunkBases;
    private nint* _wide;
    private int _wideCapacity;
    // Slots below this were handed out at least once; free ones are chained through their own contents.
    private int _wideTop;
    private int _freeHead = FreeEnd;

    public RecordRefs(SlabArena arena) => _chunkBases = arena.ChunkBases;

    /// <summary>Native bytes of the side table.</summary>
    public long MemoryBytes => (long)_wideCapacity * sizeof(nint);

    /// <summary>The reference to store for <paramref name="rec"/>; pair every call with <see cref="Release"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Encode(nint rec)
    {
        if (!SlabArena.TryReference((byte*)rec, Record.TotalSize(rec), out uint reference))
            return AddWide(rec);
        Debug.Assert(Resolve(reference) == rec, "the record comes from another arena than the table's");
        return reference;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public nint Resolve(uint reference) =>
        (reference & WideBit) == 0 ? SlabArena.Resolve(_chunkBases, reference) : _wide[reference & ~WideBit];

    /// <summary>Forgets a reference that no slot holds any more (frees its side-table entry, if it has one).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Release(uint reference)
    {
        if ((reference & WideBit) == 0)
            return;
        int index = (int)(reference & ~WideBit);
        _wide[index] = _freeHead;
        _freeHead = index;
    }

    /// <summary>Forgets every reference (the table was emptied).</summary>
    public void Clear()
    {
        NativeMemory.Free(_wide);
        _wide = null;
        _wideCapacity = 0;
        _wideTop = 0;
        _freeHead = FreeEnd;
    }

    public void Dispose() => Clear();

    private uint AddWide(nint rec)
    {
        int index;
        if (_freeHead != FreeEnd)
        {
            index = _freeHead;
            _freeHead = (int)_wide[index];
        }
        else
        {
            if (_wideTop == _wideCapacity)
            {
                int grown = Math.Max(16, _wideCapacity * 2);
                if (grown > (int)~WideBit)
                    throw new InvalidOperationException("Too many records outside the slab arena for one table.");
                _wide = (nint*)NativeMemory.Realloc(_wide, (nuint)grown * (nuint)sizeof(nint));
                _wideCapacity = grown;
            }
            index = _wideTop++;
        }
        _wide[index] = rec;
        return WideBit | (uint)index;
    }
}
