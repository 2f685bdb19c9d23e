namespace TdbPlus.Shards.Families.Streams;

/// <summary>
/// An ordered map from stream IDs to small struct values (pending entries lists): sorted chunks of up to
/// 128 keys and values in parallel arrays, found by binary search over the chunks' first keys. Appends at the
/// end (the common case: new deliveries have growing IDs) fill the last chunk; inserts elsewhere split.
/// </summary>
public sealed class IdMap<T>
{
    private const int ChunkCapacity = 128;

    private sealed class Chunk
    {
        public readonly StreamId[] Keys = new StreamId[ChunkCapacity];
        public readonly T[] Values = new T[ChunkCapacity];
        public int Count;
    }

    private Chunk[] _chunks = [];
    private int _chunkCount;

    public long Count { get; private set; }

    /// <summary>Approximate bytes held.</summary>
    public long MemoryBytes => 32 + (long)_chunks.Length * 8 + (long)_chunkCount * (48 + ChunkCapacity * (16 + EntrySize));

    private static readonly int EntrySize = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();

    /// <summary>Index of the chunk that holds or would hold <paramref name="key"/>.</summary>
    private int ChunkFor(StreamId key)
    {
        int lo = 0, hi = _chunkCount - 1, found = 0;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_chunks[mid].Keys[0] <= key)
            {
                found = mid;
                lo = mid + 1;
            }
            else hi = mid - 1;
        }
        return found;
    }

    private static int IndexIn(Chunk c, StreamId key)
    {
        int lo = 0, hi = c.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int cmp = c.Keys[mid].CompareTo(key);
            if (cmp == 0) return mid;
            if (cmp < 0) lo = mid + 1;
            else hi = mid - 1;
        }
        return ~lo;
    }

    public bool ContainsKey(StreamId key)
    {
        if (_chunkCount == 0) return false;
        return IndexIn(_chunks[ChunkFor(key)], key) >= 0;
    }

    /// <summary>A reference to the value under <paramref name="key"/>, or a null reference when absent.</summary>
    public ref T Find(StreamId key, out bool found)
    {
        found = false;
        if (_chunkCount == 0) return ref System.Runtime.CompilerServices.Unsafe.NullRef<T>();
        var c = _chunks[ChunkFor(key)];
        int i = IndexIn(c, key);
        if (i < 0) return ref System.Runtime.CompilerServices.Unsafe.NullRef<T>();
        found = true;
        return ref c.Values[i];
    }

    /// <summary>Adds <paramref name="key"/>; false (nothing changed) when it is already there.</summary>
    public bool TryAdd(StreamId key, T value)
    {
        if (_chunkCount == 0)
        {
            AddChunk(0);
            var first = _chunks[0];
            first.Keys[0] = key;
            first.Values[0] = value;
            first.Count = 1;
            Count++;
            return true;
        }
        int ci = ChunkFor(key);
        var c = _chunks[ci];
        int i = IndexIn(c, key);
        if (i >= 0) return false;
        i = ~i;
        if (c.Count == ChunkCapacity)
        {
            // Appending past the last key of the last chunk: start a new chunk instead of splitting.
            if (i == ChunkCapacity && ci == _chunkCount - 1)
            {
                AddChunk(_chunkCount);
                var tail = _chunks[_chunkCount - 1];
                tail.Keys[0] = key;
                tail.Values[0] = value;
                tail.Count = 1;
                Count++;
                return true;
            }
            AddChunk(ci + 1);
            var right = _chunks[ci + 1];
            int half = ChunkCapacity / 2;
            Array.Copy(c.Keys, half, right.Keys, 0, ChunkCapacity - half);
            Array.Copy(c.Values, half, right.Values, 0, ChunkCapacity - half);
            Array.Clear(c.Values, half, ChunkCapacity - half);
            right.Count = ChunkCapacity - half;
            c.Count = half;
            if (i > half)
            {
                c = right;
                i -= half;
            }
        }
        Array.Copy(c.Keys, i, c.Keys, i + 1, c.Count - i);
        Array.Copy(c.Values, i, c.Values, i + 1, c.Count - i);
        c.Keys[i] = key;
        c.Values[i] = value;
        c.Count++;
        Count++;
        return true;
    }

    public bool Remove(StreamId key) => Remove(key, out _);

    public bool Remove(StreamId key, out T value)
    {
        value = default!;
        if (_chunkCount == 0) return false;
        int ci = ChunkFor(key);
        var c = _chunks[ci];
        int i = IndexIn(c, key);
        if (i < 0) return false;
        value = c.Values[i];
        Array.Copy(c.Keys, i + 1, c.Keys, i, c.Count - i - 1);
        Array.Copy(c.Values, i + 1, c.Values, i, c.Count - i - 1);
        c.Count--;
        c.Values[c.Count] = default!;
        Count--;
        if (c.Count == 0)
        {
            Array.Copy(_chunks, ci + 1, _chunks, ci, _chunkCount - ci - 1);
            _chunkCount--;
            _chunks[_chunkCount] = null!;
        }
        return true;
    }

    private void AddChunk(int at)
    {
        if (_chunkCount == _chunks.Length) Array.Resize(ref _chunks, Math.Max(4, _chunks.Length * 2));
        Array.Copy(_chunks, at, _chunks, at + 1, _chunkCount - at);
        _chunks[at] = new Chunk();
        _chunkCount++;
    }

    public StreamId FirstKey => _chunks[0].Keys[0];

    public StreamId LastKey
    {
        get
        {
            var c = _chunks[_chunkCount - 1];
            return c.Keys[c.Count - 1];
        }
    }

    /// <summary>The first key at or after <paramref name="from"/>, and a reference to its value.</summary>
    public ref T Seek(StreamId from, out StreamId key, out bool found)
    {
        key = default;
        found = false;
        if (_chunkCount == 0) return ref System.Runtime.CompilerServices.Unsafe.NullRef<T>();
        int ci = ChunkFor(from);
        var c = _chunks[ci];
        int i = IndexIn(c, from);
        if (i < 0) i = ~i;
        if (i == c.Count)
        {
            if (ci + 1 == _chunkCount) return ref System.Runtime.CompilerServices.Unsafe.NullRef<T>();
            c = _chunks[ci + 1];
            i = 0;
        }
        key = c.Keys[i];
        found = true;
        return ref c.Values[i];
    }

    /// <summary>Forward cursor from <paramref name="from"/>; the map must not change while it is used.</summary>
    public Cursor From(StreamId from)
    {
        if (_chunkCount == 0) return new Cursor(this, 0, 0);
        int ci = ChunkFor(from);
        int i = IndexIn(_chunks[ci], from);
        if (i < 0) i = ~i;
        return new Cursor(this, ci, i);
    }

    public struct Cursor
    {
        private readonly IdMap<T> _map;
        private int _chunk;
        private int _index;
        private bool _started;

        internal Cursor(IdMap<T> map, int chunk, int index)
        {
            _map = map;
            _chunk = chunk;
            _index = index;
        }

        public StreamId Key { get; private set; }

        public bool MoveNext()
        {
            if (_started) _index++;
            _started = true;
            while (_chunk < _map._chunkCount)
            {
                var c = _map._chunks[_chunk];
                if (_index < c.Count)
                {
                    Key = c.Keys[_index];
                    return true;
                }
                _chunk++;
                _index = 0;
            }
            return false;
        }

        public readonly ref T Value => ref _map._chunks[_chunk].Values[_index];
    }
}
