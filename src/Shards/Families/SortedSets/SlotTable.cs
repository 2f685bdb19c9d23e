using System.Runtime.CompilerServices;

namespace TdbPlus.Shards.Families.SortedSets;

/// <summary>
/// The slots of an open-addressing hash index in 64 KB pages. Large tables take uniform pinned pages, so
/// the GC never copies them and pages freed by a resize fit the next allocation exactly (one big array would
/// leave holes in the large object heap at every doubling).
/// </summary>
internal sealed class SlotTable
{
    private const int PageShift = 14;
    private const int PageSize = 1 << PageShift;
    private const int PageMask = PageSize - 1;

    private readonly int[][] _pages;

    public SlotTable(int length, int fill)
    {
        Length = length;
        if (length <= PageSize)
        {
            _pages = [new int[length]];
            _pages[0].AsSpan().Fill(fill);
            return;
        }
        _pages = new int[length >> PageShift][];
        for (int p = 0; p < _pages.Length; p++)
        {
            _pages[p] = GC.AllocateUninitializedArray<int>(PageSize, pinned: true);
            _pages[p].AsSpan().Fill(fill);
        }
    }

    /// <summary>A power of two.</summary>
    public int Length { get; }

    public long MemoryBytes => (long)Length * 4 + _pages.Length * 8 + 64;

    public int this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _pages[index >> PageShift][index & PageMask];
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        set => _pages[index >> PageShift][index & PageMask] = value;
    }
}
