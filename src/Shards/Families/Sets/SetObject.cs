using TdbPlus.Resp;
using TdbPlus.Shards.Collections;
using TdbPlus.Shards.Keyspace;

namespace TdbPlus.Shards.Families.Sets;

/// <summary>
/// The value of a set key: an <see cref="IntSet"/> while every member is a canonical 64-bit integer and there
/// are at most set-max-intset-entries of them (Redis's intset encoding), else a key-only
/// <see cref="PackedTable"/> (hashtable). Redis 7.0 has no listpack sets.
/// </summary>
public sealed class SetObject : IKeyObject, IMemberSet
{
    /// <summary>Room for the decimal form of any 64-bit integer.</summary>
    public const int ScratchSize = 24;

    private IntSet? _ints;
    private PackedTable? _table;

    private SetObject(IntSet? ints, PackedTable? table)
    {
        _ints = ints;
        _table = table;
    }

    /// <summary>An empty intset-encoded set (Redis's createIntsetObject).</summary>
    public static SetObject NewIntSet() => new(new IntSet(), null);

    /// <summary>An empty hashtable-encoded set.</summary>
    public static SetObject NewTable(int capacity = 0) => new(null, new PackedTable(withValues: false, capacity));

    /// <summary>Redis's setTypeCreate: an intset when the first member to add is an integer, else a hashtable.</summary>
    public static SetObject CreateFor(ReadOnlySpan<byte> firstMember) =>
        NumberParser.TryParseInt64(firstMember, out _) ? NewIntSet() : NewTable();

    public bool IsIntSet => _ints is not null;

    public int Count => _ints?.Count ?? _table!.Count;

    long IMemberSet.Count => Count;

    /// <summary>Every member once, in index order (integers of an intset as their decimal text).</summary>
    public void ForEachMember<TVisitor>(ref TVisitor visitor) where TVisitor : IMemberVisitor, allows ref struct
    {
        // A heap scratch: a ref struct visitor may not see stack memory of this frame.
        var scratch = new byte[ScratchSize];
        for (int i = 0; i < Count; i++) visitor.Visit(At(i, scratch));
    }

    public long MemoryBytes => 40 + (_ints?.MemoryBytes ?? _table!.MemoryBytes);

    public string Encoding => _ints is not null ? "intset" : "hashtable";

    public IKeyObject Clone() => new SetObject(_ints?.Clone(), _table?.Clone());

    /// <summary>The integers of an intset-encoded set (null otherwise).</summary>
    public IntSet? Ints => _ints;

    /// <summary>The table of a hashtable-encoded set (null otherwise).</summary>
    public PackedTable? Table => _table;

    public bool Contains(ReadOnlySpan<byte> member)
    {
        if (_ints is { } ints) return NumberParser.TryParseInt64(member, out long v) && ints.Contains(v);
        return _table!.Contains(member);
    }

    /// <summary>Redis's setTypeAdd: converts to a hashtable for a non-integer or past the intset limit.</summary>
    public bool Add(ReadOnlySpan<byte> member, long maxIntsetEntries)
    {
        if (_ints is { } ints)
        {
            if (NumberParser.TryParseInt64(member, out long v))
            {
                if (!ints.Add(v)) return false;
                if (ints.Count > maxIntsetEntries) ConvertToTable();
                return true;
            }
            ConvertToTable();
        }
        return _table!.Add(member);
    }

    /// <summary>Adds an integer member (faster path of <see cref="Add"/> for results built from intsets).</summary>
    public bool AddInteger(long value, long maxIntsetEntries)
    {
        if (_ints is { } ints)
        {
            if (!ints.Add(value)) return false;
            if (ints.Count > maxIntsetEntries) ConvertToTable();
            return true;
        }
        Span<byte> text = stackalloc byte[ScratchSize];
        int n = NumberParser.Format(value, text);
        return _table!.Add(text[..n]);
    }

    public bool Remove(ReadOnlySpan<byte> member)
    {
        if (_ints is { } ints) return NumberParser.TryParseInt64(member, out long v) && ints.Remove(v);
        return _table!.Remove(member);
    }

    /// <summary>
    /// The member at <paramref name="index"/> (0..Count-1; ascending for an intset), written into
    /// <paramref name="scratch"/> (<see cref="ScratchSize"/> bytes) when it is an integer. Valid until the set changes.
    /// </summary>
    public ReadOnlySpan<byte> At(int index, Span<byte> scratch)
    {
        if (_ints is { } ints)
        {
            int n = NumberParser.Format(ints[index], scratch);
            return scratch[..n];
        }
        return _table!.Key(index);
    }

    /// <summary>Removes the member at <paramref name="index"/>; in a hashtable the last member takes its index.</summary>
    public void RemoveAt(int index)
    {
        if (_ints is { } ints) ints.RemoveAt(index);
        else _table!.RemoveAt(index);
    }

    /// <summary>Takes the members (and encoding) of <paramref name="other"/>, which must not be used afterwards.</summary>
    public void ReplaceContents(SetObject other)
    {
        _ints = other._ints;
        _table = other._table;
        other._ints = null;
        other._table = null;
    }

    public void ConvertToTable()
    {
        if (_ints is not { } ints) return;
        var table = new PackedTable(withValues: false, ints.Count);
        Span<byte> text = stackalloc byte[ScratchSize];
        for (int i = 0; i < ints.Count; i++)
        {
            int n = NumberParser.Format(ints[i], text);
            table.Add(text[..n]);
        }
        _table = table;
        _ints = null;
    }
}
