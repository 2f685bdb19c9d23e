namespace TdbPlus.Shards.Collections;

/// <summary>
/// A compact sequence of byte strings in one array, each behind a <see cref="PackedLength"/> prefix: the
/// small-collection encoding (Redis's listpack). Lookups are linear scans, which is what makes it small;
/// callers keep it to a few hundred short entries. Positions are byte offsets of entries.
/// </summary>
public sealed class ListPack
{
    private byte[] _data;
    private int _length;

    public ListPack(int capacity = 0) => _data = capacity == 0 ? [] : new byte[capacity];

    /// <summary>Number of entries.</summary>
    public int Count { get; private set; }

    /// <summary>Bytes used by the entries.</summary>
    public int ByteLength => _length;

    public long MemoryBytes => 40 + _data.Length;

    /// <summary>The entries' bytes (valid until the list changes).</summary>
    public ReadOnlySpan<byte> Bytes => _data.AsSpan(0, _length);

    /// <summary>The entry at <paramref name="pos"/>; moves <paramref name="pos"/> to the next one.</summary>
    public ReadOnlySpan<byte> Read(scoped ref int pos) => PackedLength.ReadString(Bytes, ref pos);

    /// <summary>Moves <paramref name="pos"/> past the entry there.</summary>
    public void Skip(scoped ref int pos) => PackedLength.Skip(Bytes, ref pos);

    /// <summary>
    /// The position of the first entry equal to <paramref name="key"/> among entries 0, step, 2*step...
    /// (step 2 finds a field in a field/value list), or -1.
    /// </summary>
    public int Find(ReadOnlySpan<byte> key, int step = 1)
    {
        var data = Bytes;
        int pos = 0;
        while (pos < data.Length)
        {
            int at = pos;
            var entry = PackedLength.ReadString(data, ref pos);
            if (entry.SequenceEqual(key)) return at;
            for (int i = 1; i < step; i++) PackedLength.Skip(data, ref pos);
        }
        return -1;
    }

    public void Append(ReadOnlySpan<byte> entry)
    {
        int size = PackedLength.Size(entry.Length) + entry.Length;
        EnsureCapacity(_length + size);
        int w = _length + PackedLength.Write(_data.AsSpan(_length), entry.Length);
        entry.CopyTo(_data.AsSpan(w));
        _length += size;
        Count++;
    }

    /// <summary>Replaces the entry at <paramref name="pos"/> with <paramref name="entry"/>.</summary>
    public void Replace(int pos, ReadOnlySpan<byte> entry)
    {
        int end = pos;
        Skip(ref end);
        int size = PackedLength.Size(entry.Length) + entry.Length;
        int delta = size - (end - pos);
        if (delta != 0)
        {
            EnsureCapacity(_length + delta);
            Buffer.BlockCopy(_data, end, _data, end + delta, _length - end);
            _length += delta;
        }
        int w = pos + PackedLength.Write(_data.AsSpan(pos), entry.Length);
        entry.CopyTo(_data.AsSpan(w));
    }

    /// <summary>Removes <paramref name="entries"/> consecutive entries starting at <paramref name="pos"/>.</summary>
    public void Remove(int pos, int entries)
    {
        int end = pos;
        for (int i = 0; i < entries; i++) Skip(ref end);
        Buffer.BlockCopy(_data, end, _data, pos, _length - end);
        _length -= end - pos;
        Count -= entries;
        if (_data.Length > 64 && _length < _data.Length / 2) Array.Resize(ref _data, _length + _length / 8);
    }

    public ListPack Clone()
    {
        var copy = new ListPack(_length);
        Bytes.CopyTo(copy._data);
        copy._length = _length;
        copy.Count = Count;
        return copy;
    }

    private void EnsureCapacity(int needed)
    {
        if (needed <= _data.Length) return;
        int capacity = Math.Max(needed + needed / 8, 16);
        Array.Resize(ref _data, capacity);
    }
}
