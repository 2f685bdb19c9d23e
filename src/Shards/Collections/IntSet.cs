using System.Buffers.Binary;

namespace TdbPlus.Shards.Collections;

/// <summary>
/// A sorted set of 64-bit integers in one array of 2-, 4- or 8-byte slots (Redis's intset): the width is the
/// smallest that holds every member and only grows. Membership is a binary search; iteration is ascending.
/// </summary>
public sealed class IntSet
{
    private byte[] _data;
    private int _width = 2;

    public IntSet(int capacity = 0) => _data = capacity == 0 ? [] : new byte[capacity * 2];

    public int Count { get; private set; }

    /// <summary>Bytes per member: 2, 4 or 8.</summary>
    public int Width => _width;

    public long MemoryBytes => 32 + _data.Length;

    /// <summary>The member at ascending position <paramref name="index"/>.</summary>
    public long this[int index] => Read(_data, _width, index);

    public bool Contains(long value) => Search(value, out _);

    /// <summary>Adds <paramref name="value"/>; false when it was already a member.</summary>
    public bool Add(long value)
    {
        int width = WidthOf(value);
        if (width > _width)
        {
            Upgrade(width);
            // A value that needs a wider slot is beyond every member: first when negative, else last.
            Insert(value < 0 ? 0 : Count, value);
            return true;
        }
        if (Search(value, out int pos)) return false;
        Insert(pos, value);
        return true;
    }

    /// <summary>Removes <paramref name="value"/>; false when it was not a member.</summary>
    public bool Remove(long value)
    {
        if (WidthOf(value) > _width || !Search(value, out int pos)) return false;
        RemoveAt(pos);
        return true;
    }

    public void RemoveAt(int index)
    {
        Buffer.BlockCopy(_data, (index + 1) * _width, _data, index * _width, (Count - index - 1) * _width);
        Count--;
        if (_data.Length > 64 && Count * _width < _data.Length / 2) Array.Resize(ref _data, Count * _width + Count * _width / 4);
    }

    public IntSet Clone()
    {
        var copy = new IntSet { _width = _width, Count = Count, _data = new byte[Count * _width] };
        _data.AsSpan(0, Count * _width).CopyTo(copy._data);
        return copy;
    }

    private bool Search(long value, out int pos)
    {
        int lo = 0, hi = Count - 1;
        if (Count > 0)
        {
            // Fast paths for appends and prepends, as Redis's intsetSearch.
            if (value > this[Count - 1])
            {
                pos = Count;
                return false;
            }
            if (value < this[0])
            {
                pos = 0;
                return false;
            }
        }
        while (lo <= hi)
        {
            int mid = (int)((uint)(lo + hi) >> 1);
            long cur = this[mid];
            if (cur < value) lo = mid + 1;
            else if (cur > value) hi = mid - 1;
            else
            {
                pos = mid;
                return true;
            }
        }
        pos = lo;
        return false;
    }

    private void Insert(int pos, long value)
    {
        int needed = (Count + 1) * _width;
        if (needed > _data.Length) Array.Resize(ref _data, Math.Max(needed + needed / 4, 8));
        Buffer.BlockCopy(_data, pos * _width, _data, (pos + 1) * _width, (Count - pos) * _width);
        Write(_data, _width, pos, value);
        Count++;
    }

    private void Upgrade(int width)
    {
        var data = new byte[Math.Max((Count + 1) * width, 8)];
        for (int i = 0; i < Count; i++) Write(data, width, i, Read(_data, _width, i));
        _data = data;
        _width = width;
    }

    private static int WidthOf(long value) =>
        value is >= short.MinValue and <= short.MaxValue ? 2 : value is >= int.MinValue and <= int.MaxValue ? 4 : 8;

    private static long Read(byte[] data, int width, int index) => width switch
    {
        2 => BinaryPrimitives.ReadInt16LittleEndian(data.AsSpan(index * 2)),
        4 => BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(index * 4)),
        _ => BinaryPrimitives.ReadInt64LittleEndian(data.AsSpan(index * 8)),
    };

    private static void Write(byte[] data, int width, int index, long value)
    {
        switch (width)
        {
            case 2: BinaryPrimitives.WriteInt16LittleEndian(data.AsSpan(index * 2), (short)value); break;
            case 4: BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(index * 4), (int)value); break;
            default: BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(index * 8), value); break;
        }
    }
}
