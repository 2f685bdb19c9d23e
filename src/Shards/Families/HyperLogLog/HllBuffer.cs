namespace TdbPlus.Shards.Families.HyperLogLog;

/// <summary>
/// A per-thread working copy of an HLL value for updates that may change its length (sparse inserts, the
/// sparse-to-dense promotion); the result is written back to the record once per command.
/// </summary>
public sealed class HllBuffer
{
    [ThreadStatic]
    private static HllBuffer? t_current;

    private byte[] _data = new byte[Hll.DenseSize + 64];
    private byte[] _spare = new byte[Hll.DenseSize + 64];

    /// <summary>The calling thread's buffer (shard threads and coordinators each have their own).</summary>
    public static HllBuffer Current => t_current ??= new HllBuffer();

    public int Length { get; private set; }

    public Span<byte> Value => _data.AsSpan(0, Length);

    public bool IsDense => _data[4] == Hll.Dense;

    /// <summary>Copies a value in.</summary>
    public void Load(ReadOnlySpan<byte> value)
    {
        EnsureCapacity(value.Length + 3);
        value.CopyTo(_data);
        Length = value.Length;
    }

    /// <summary>Starts from an empty (sparse) HLL.</summary>
    public void LoadEmpty() => Length = Hll.WriteEmpty(_data);

    /// <summary>Converts to the dense representation (no-op when dense); false when the sparse form is corrupt.</summary>
    public bool ToDense()
    {
        if (IsDense) return true;
        if (_spare.Length < Hll.DenseSize) _spare = new byte[Hll.DenseSize + 64];
        if (!Hll.SparseToDense(Value, _spare)) return false;
        (_data, _spare) = (_spare, _data);
        Length = Hll.DenseSize;
        return true;
    }

    /// <summary>Redis's hllAdd: 1 when a register changed, 0 when not, -1 when the value is corrupt.</summary>
    public int Add(ReadOnlySpan<byte> element, long sparseMaxBytes)
    {
        int count = Hll.PatternLength(element, out int index);
        return Set(index, count, sparseMaxBytes);
    }

    /// <summary>Raises register <paramref name="index"/> to <paramref name="count"/> in either representation.</summary>
    public int Set(int index, int count, long sparseMaxBytes)
    {
        if (IsDense) return Hll.DenseSetIfGreater(_data.AsSpan(Hll.HeaderSize, Hll.DenseRegistersSize), index, count) ? 1 : 0;
        // Room for the worst split (XZERO into XZERO-VAL-XZERO), as Redis's sdsMakeRoomFor(3).
        EnsureCapacity(Length + 3);
        int length = Length;
        var result = Hll.SparseSet(_data, ref length, index, count, sparseMaxBytes);
        Length = length;
        switch (result)
        {
            case Hll.SetResult.Updated:
                return 1;
            case Hll.SetResult.Unchanged:
                return 0;
            case Hll.SetResult.Invalid:
                return -1;
            default:
                if (!ToDense()) return -1;
                Hll.DenseSetIfGreater(_data.AsSpan(Hll.HeaderSize, Hll.DenseRegistersSize), index, count);
                return 1;
        }
    }

    private void EnsureCapacity(int size)
    {
        if (_data.Length < size) Array.Resize(ref _data, Math.Max(size, _data.Length * 2));
    }
}
