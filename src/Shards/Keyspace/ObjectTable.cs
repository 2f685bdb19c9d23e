namespace TdbPlus.Shards.Keyspace;

/// <summary>
/// Per-shard table of the managed values of rich types (lists, hashes...), addressed by int handles stored
/// in records, so the native key index never holds a GC reference.
/// </summary>
public sealed class ObjectTable
{
    private object?[] _items = new object?[64];
    private int[] _free = new int[64];
    private int _freeCount;
    private int _next = 1;

    public int Count { get; private set; }

    public int Add(object value)
    {
        int handle;
        if (_freeCount > 0) handle = _free[--_freeCount];
        else
        {
            if (_next == _items.Length) Array.Resize(ref _items, _items.Length * 2);
            handle = _next++;
        }
        _items[handle] = value;
        Count++;
        return handle;
    }

    public object Get(int handle) => _items[handle]!;

    public void Set(int handle, object value) => _items[handle] = value;

    public void Remove(int handle)
    {
        _items[handle] = null;
        if (_freeCount == _free.Length) Array.Resize(ref _free, _free.Length * 2);
        _free[_freeCount++] = handle;
        Count--;
    }
}
