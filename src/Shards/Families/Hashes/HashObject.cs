using TdbPlus.Shards.Collections;
using TdbPlus.Shards.Keyspace;

namespace TdbPlus.Shards.Families.Hashes;

/// <summary>
/// The value of a hash key: a field/value <see cref="ListPack"/> while small (Redis's listpack encoding), a
/// <see cref="PackedTable"/> once it has more than hash-max-listpack-entries fields or a field or value longer
/// than hash-max-listpack-value bytes (hashtable). It never converts back, as in Redis.
/// which OBJECT ENCODING reads for now.)
/// </summary>
public sealed class HashObject : IKeyObject
{
    private ListPack? _pack; // field, value, field, value...
    private PackedTable? _table;

    public HashObject() => _pack = new ListPack();

    private HashObject(ListPack? pack, PackedTable? table)
    {
        _pack = pack;
        _table = table;
    }

    public bool IsPacked => _pack is not null;

    public int Count => _pack is { } p ? p.Count / 2 : _table!.Count;

    public long MemoryBytes => 48 + (_pack?.MemoryBytes ?? _table!.MemoryBytes);

    public string Encoding => _pack is not null ? "listpack" : "hashtable";

    public IKeyObject Clone() => new HashObject(_pack?.Clone(), _table?.Clone());

    /// <summary>The table behind a hashtable-encoded hash (null while packed).</summary>
    public PackedTable? Table => _table;

    public bool TryGet(ReadOnlySpan<byte> field, out ReadOnlySpan<byte> value)
    {
        if (_pack is { } pack)
        {
            int pos = pack.Find(field, 2);
            if (pos < 0)
            {
                value = default;
                return false;
            }
            pack.Skip(ref pos);
            value = pack.Read(ref pos);
            return true;
        }
        int id = _table!.Find(field);
        if (id < 0)
        {
            value = default;
            return false;
        }
        value = _table.Value(id);
        return true;
    }

    public bool Contains(ReadOnlySpan<byte> field) => _pack is { } pack ? pack.Find(field, 2) >= 0 : _table!.Contains(field);

    /// <summary>
    /// Sets a field (Redis's hashTypeSet): converts first when the field or value is too long for a listpack,
    /// and after adding when there are too many fields. True when the field is new.
    /// </summary>
    public bool Set(ReadOnlySpan<byte> field, ReadOnlySpan<byte> value, long maxEntries, long maxValue)
    {
        if (_pack is not null && (field.Length > maxValue || value.Length > maxValue)) ConvertToTable();
        if (_pack is { } pack)
        {
            int pos = pack.Find(field, 2);
            if (pos >= 0)
            {
                pack.Skip(ref pos);
                pack.Replace(pos, value);
                return false;
            }
            pack.Append(field);
            pack.Append(value);
            if (Count > maxEntries) ConvertToTable();
            return true;
        }
        return _table!.Set(field, value);
    }

    /// <summary>Redis's hashTypeTryConversion for one argument: a string too long for a listpack converts the hash.</summary>
    public void ConvertIfTooLong(int length, long maxValue)
    {
        if (_pack is not null && length > maxValue) ConvertToTable();
    }

    public bool Delete(ReadOnlySpan<byte> field)
    {
        if (_pack is { } pack)
        {
            int pos = pack.Find(field, 2);
            if (pos < 0) return false;
            pack.Remove(pos, 2);
            return true;
        }
        return _table!.Remove(field);
    }

    public void ConvertToTable()
    {
        if (_pack is not { } pack) return;
        var table = new PackedTable(withValues: true, pack.Count / 2);
        int pos = 0;
        while (pos < pack.ByteLength)
        {
            var field = pack.Read(ref pos);
            var value = pack.Read(ref pos);
            table.Set(field, value);
        }
        _table = table;
        _pack = null;
    }

    /// <summary>
    /// What <see cref="PairAt"/> needs for random access: the positions of the pairs of a listpack (null for a
    /// hashtable, whose entries are indexable). Valid until the hash changes.
    /// </summary>
    public int[]? PairIndex() => _pack is { } pack ? BuildOffsets(pack) : null;

    /// <summary>The field and value at <paramref name="index"/> (0..Count-1) in iteration order.</summary>
    public void PairAt(int index, int[]? pairIndex, out ReadOnlySpan<byte> field, out ReadOnlySpan<byte> value)
    {
        if (_pack is { } pack)
        {
            int pos = pairIndex![index];
            field = pack.Read(ref pos);
            value = pack.Read(ref pos);
            return;
        }
        field = _table!.Key(index);
        value = _table.Value(index);
    }

    /// <summary>Iterates field/value pairs in Redis's order for listpacks (insertion), table order otherwise.</summary>
    public Enumerator GetEnumerator() => new(this);

    private static int[] BuildOffsets(ListPack pack)
    {
        var offsets = new int[pack.Count / 2];
        int pos = 0;
        for (int i = 0; i < offsets.Length; i++)
        {
            offsets[i] = pos;
            pack.Skip(ref pos);
            pack.Skip(ref pos);
        }
        return offsets;
    }

    /// <summary>Walks the pairs without allocating; the spans are valid until the hash changes.</summary>
    public ref struct Enumerator
    {
        private readonly HashObject _hash;
        private int _pos;
        private int _id;

        internal Enumerator(HashObject hash)
        {
            _hash = hash;
            _pos = 0;
            _id = -1;
            Field = default;
            Value = default;
        }

        public ReadOnlySpan<byte> Field { get; private set; }

        public ReadOnlySpan<byte> Value { get; private set; }

        public readonly Enumerator Current => this;

        public bool MoveNext()
        {
            if (_hash._pack is { } pack)
            {
                if (_pos >= pack.ByteLength) return false;
                Field = pack.Read(ref _pos);
                Value = pack.Read(ref _pos);
                return true;
            }
            var table = _hash._table!;
            if (++_id >= table.Count) return false;
            Field = table.Key(_id);
            Value = table.Value(_id);
            return true;
        }
    }
}
