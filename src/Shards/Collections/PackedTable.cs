using System.IO.Hashing;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace TdbPlus.Shards.Collections;

/// <summary>
/// A chained hash table of byte-string keys, with or without a byte-string value per key, built for large
/// collections: the key and value bytes are packed into a <see cref="ByteSlab"/>, and each element costs one
/// 16-byte entry (slab location, 32-bit hash, chain link) plus a 4-byte bucket slot at load factor 1.
/// </summary>
/// <remarks>
/// Entries are dense (ids 0..Count-1): removing one moves the last entry into its place, so a uniformly random
/// element is one random id away and iteration is a loop over ids. Buckets are a power of two, grown when
/// Count exceeds them and shrunk below 10% fill as Redis's dicts are, and <see cref="ScanBucket"/> walks them
/// with Redis's reverse-binary cursor, so a scan returns every element present throughout it at least once
/// even when the table is resized between calls.
/// </remarks>
public sealed class PackedTable
{
    private const int MinBuckets = 4;

    private static readonly ulong Seed = (ulong)Random.Shared.NextInt64();

    private struct Entry
    {
        public long Location;
        public uint Hash;
        public int Next; // id + 1 of the next entry in the chain, 0 at the end
    }

    private Entry[] _entries;
    private int[] _buckets; // id + 1 of the chain head, 0 when empty
    private ByteSlab _slab = new();
    private int _count;

    public PackedTable(bool withValues, int capacity = 0)
    {
        WithValues = withValues;
        _entries = new Entry[Math.Max(capacity, 4)];
        _buckets = new int[BucketsFor(capacity)];
    }

    /// <summary>True for a map (hash fields and values), false for a set of keys.</summary>
    public bool WithValues { get; }

    public int Count => _count;

    /// <summary>Approximate bytes held: entries, buckets and element bytes.</summary>
    public long MemoryBytes => 64 + (long)_entries.Length * 16 + (long)_buckets.Length * 4 + _slab.CapacityBytes;

    public static uint HashOf(ReadOnlySpan<byte> key) => (uint)XxHash3.HashToUInt64(key, (long)Seed);

    /// <summary>The id of <paramref name="key"/>, or -1.</summary>
    public int Find(ReadOnlySpan<byte> key) => Find(key, HashOf(key));

    private int Find(ReadOnlySpan<byte> key, uint hash)
    {
        int link = _buckets[hash & (uint)(_buckets.Length - 1)];
        var entries = _entries;
        while (link != 0)
        {
            ref var e = ref entries[link - 1];
            if (e.Hash == hash && KeyAt(e.Location).SequenceEqual(key)) return link - 1;
            link = e.Next;
        }
        return -1;
    }

    public bool Contains(ReadOnlySpan<byte> key) => Find(key) >= 0;

    /// <summary>The key of entry <paramref name="id"/> (valid until the table changes).</summary>
    public ReadOnlySpan<byte> Key(int id) => KeyAt(_entries[id].Location);

    /// <summary>The value of entry <paramref name="id"/> in a map (valid until the table changes).</summary>
    public ReadOnlySpan<byte> Value(int id)
    {
        var data = _slab.From(_entries[id].Location);
        int pos = 0;
        PackedLength.Skip(data, ref pos);
        return PackedLength.ReadString(data, ref pos);
    }

    /// <summary>Adds a key to a set; false when it was already there.</summary>
    public bool Add(ReadOnlySpan<byte> key)
    {
        uint hash = HashOf(key);
        if (Find(key, hash) >= 0) return false;
        Insert(key, default, hash);
        return true;
    }

    /// <summary>Sets a map field; true when the field is new, false when an existing value was replaced.</summary>
    public bool Set(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        uint hash = HashOf(key);
        int id = Find(key, hash);
        if (id < 0)
        {
            Insert(key, value, hash);
            return true;
        }
        ReplaceValue(id, value);
        return false;
    }

    /// <summary>Replaces the value of entry <paramref name="id"/> (in place when the length is unchanged).</summary>
    public void ReplaceValue(int id, ReadOnlySpan<byte> value)
    {
        ref var e = ref _entries[id];
        var data = _slab.WritableFrom(e.Location);
        int pos = 0;
        int keyLength = PackedLength.Read(data, ref pos);
        pos += keyLength;
        int valuePos = pos;
        int oldLength = PackedLength.Read(data, ref pos);
        if (oldLength == value.Length)
        {
            value.CopyTo(data[pos..]);
            return;
        }
        int oldSize = pos + oldLength;
        int size = PackedLength.Size(keyLength) + keyLength + PackedLength.Size(value.Length) + value.Length;
        long location = _slab.Allocate(size, out var dest);
        // The old record stays readable: allocation never moves existing chunks.
        data = _slab.WritableFrom(e.Location);
        data[..valuePos].CopyTo(dest);
        int w = valuePos + PackedLength.Write(dest[valuePos..], value.Length);
        value.CopyTo(dest[w..]);
        _slab.Free(oldSize);
        e.Location = location;
        MaybeCompact();
    }

    /// <summary>Removes a key; false when it was not there.</summary>
    public bool Remove(ReadOnlySpan<byte> key)
    {
        int id = Find(key);
        if (id < 0) return false;
        RemoveAt(id);
        return true;
    }

    /// <summary>Removes entry <paramref name="id"/>; the last entry takes its id.</summary>
    public void RemoveAt(int id)
    {
        Unlink(id);
        _slab.Free(RecordSize(_entries[id].Location));
        int last = _count - 1;
        if (id != last)
        {
            // Re-point whatever links to the last entry at its new id.
            ref var moved = ref _entries[last];
            ref int link = ref _buckets[moved.Hash & (uint)(_buckets.Length - 1)];
            while (link != last + 1) link = ref _entries[link - 1].Next;
            link = id + 1;
            _entries[id] = moved;
        }
        _entries[last] = default;
        _count--;
        if (_count == 0)
        {
            Clear();
            return;
        }
        if (_buckets.Length > MinBuckets && (long)_count * 10 < _buckets.Length) Rehash(BucketsFor(_count));
        if (_entries.Length > 64 && _count < _entries.Length / 4) Array.Resize(ref _entries, _entries.Length / 2);
        MaybeCompact();
    }

    /// <summary>Removes everything.</summary>
    public void Clear()
    {
        _count = 0;
        _entries = new Entry[4];
        _buckets = new int[MinBuckets];
        _slab = new ByteSlab();
    }

    /// <summary>
    /// Visits the bucket <paramref name="cursor"/> designates, adding its entry ids to <paramref name="ids"/>,
    /// and returns the next cursor (0 when the walk is complete), as Redis's dictScan over one table.
    /// </summary>
    public ulong ScanBucket(ulong cursor, List<int> ids)
    {
        ulong mask = (ulong)(_buckets.Length - 1);
        int link = _buckets[(int)(cursor & mask)];
        while (link != 0)
        {
            ids.Add(link - 1);
            link = _entries[link - 1].Next;
        }
        cursor |= ~mask;
        cursor = ReverseBits(cursor);
        cursor++;
        return ReverseBits(cursor);
    }

    /// <summary>A deep copy.</summary>
    public PackedTable Clone()
    {
        var copy = new PackedTable(WithValues, _count);
        copy._slab = ByteSlab.ForSize(_slab.LiveBytes);
        for (int id = 0; id < _count; id++)
        {
            var e = _entries[id];
            e.Location = copy.CopyRecord(_slab, e.Location);
            e.Next = 0;
            copy._entries[id] = e;
        }
        copy._count = _count;
        copy.Rehash(copy._buckets.Length);
        return copy;
    }

    private void Insert(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, uint hash)
    {
        int size = PackedLength.Size(key.Length) + key.Length;
        if (WithValues) size += PackedLength.Size(value.Length) + value.Length;
        long location = _slab.Allocate(size, out var dest);
        int w = PackedLength.Write(dest, key.Length);
        key.CopyTo(dest[w..]);
        w += key.Length;
        if (WithValues)
        {
            w += PackedLength.Write(dest[w..], value.Length);
            value.CopyTo(dest[w..]);
        }
        if (_count == _entries.Length) Array.Resize(ref _entries, _entries.Length * 2);
        int id = _count++;
        ref int head = ref _buckets[hash & (uint)(_buckets.Length - 1)];
        _entries[id] = new Entry { Location = location, Hash = hash, Next = head };
        head = id + 1;
        if (_count > _buckets.Length) Rehash(_buckets.Length * 2);
    }

    private void Unlink(int id)
    {
        ref int link = ref _buckets[_entries[id].Hash & (uint)(_buckets.Length - 1)];
        while (link != id + 1) link = ref _entries[link - 1].Next;
        link = _entries[id].Next;
    }

    private void Rehash(int buckets)
    {
        var table = new int[buckets];
        uint mask = (uint)(buckets - 1);
        var entries = _entries;
        for (int id = 0; id < _count; id++)
        {
            ref var e = ref entries[id];
            ref int head = ref table[e.Hash & mask];
            e.Next = head;
            head = id + 1;
        }
        _buckets = table;
    }

    private void MaybeCompact()
    {
        if (!_slab.ShouldCompact) return;
        var old = _slab;
        var fresh = ByteSlab.ForSize(old.LiveBytes);
        var entries = _entries;
        for (int id = 0; id < _count; id++) entries[id].Location = CopyRecord(old, entries[id].Location, fresh);
        _slab = fresh;
    }

    private long CopyRecord(ByteSlab from, long location) => CopyRecord(from, location, _slab);

    private long CopyRecord(ByteSlab from, long location, ByteSlab to)
    {
        var data = from.From(location);
        int size = RecordSize(data);
        long copy = to.Allocate(size, out var dest);
        data[..size].CopyTo(dest);
        return copy;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ReadOnlySpan<byte> KeyAt(long location)
    {
        var data = _slab.From(location);
        int pos = 0;
        return PackedLength.ReadString(data, ref pos);
    }

    private int RecordSize(long location) => RecordSize(_slab.From(location));

    private int RecordSize(ReadOnlySpan<byte> data)
    {
        int pos = 0;
        PackedLength.Skip(data, ref pos);
        if (WithValues) PackedLength.Skip(data, ref pos);
        return pos;
    }

    private static int BucketsFor(int count) => (int)Math.Max(MinBuckets, BitOperations.RoundUpToPowerOf2((uint)Math.Max(count, 1)));

    private static ulong ReverseBits(ulong v)
    {
        v = ((v >> 1) & 0x5555555555555555UL) | ((v & 0x5555555555555555UL) << 1);
        v = ((v >> 2) & 0x3333333333333333UL) | ((v & 0x3333333333333333UL) << 2);
        v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FUL) | ((v & 0x0F0F0F0F0F0F0F0FUL) << 4);
        return System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(v);
    }
}
