namespace TdbPlus.Resp;

/// <summary>Growable list of argument slices, reused across commands so parsing allocates nothing in steady state.</summary>
public sealed class ArgList
{
    private ArgSlice[] _items = new ArgSlice[16];

    public int Count { get; private set; }

    public ArgSlice this[int index] => _items[index];

    public ReadOnlySpan<ArgSlice> Span => _items.AsSpan(0, Count);

    public ReadOnlySpan<ArgSlice> Slice(int start, int length) => _items.AsSpan(start, length);

    public void Add(ArgSlice item)
    {
        if (Count == _items.Length) Array.Resize(ref _items, _items.Length * 2);
        _items[Count++] = item;
    }

    public void ReplaceAt(int index, ArgSlice item) => _items[index] = item;

    public void Truncate(int count) => Count = count;

    public void Clear() => Count = 0;

    /// <summary>Drops the first <paramref name="count"/> items, keeping the rest in order.</summary>
    public void RemoveFront(int count)
    {
        if (count <= 0) return;
        Array.Copy(_items, count, _items, 0, Count - count);
        Count -= count;
    }
}
