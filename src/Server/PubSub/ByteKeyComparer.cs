using System.IO.Hashing;

namespace TdbPlus.Server.PubSub;

/// <summary>Byte-string keys (channels, patterns, tracked keys), looked up by span without allocating.</summary>
public sealed class ByteKeyComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>,
    IComparer<byte[]>
{
    public static readonly ByteKeyComparer Instance = new();

    public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

    public int GetHashCode(byte[] obj) => GetHashCode((ReadOnlySpan<byte>)obj);

    public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

    public int GetHashCode(ReadOnlySpan<byte> alternate) => (int)XxHash3.HashToUInt64(alternate);

    public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();

    /// <summary>memcmp order, shorter first on a common prefix (Redis's rax order).</summary>
    public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
}

/// <summary>A set of byte strings that remembers insertion order (a client's subscriptions).</summary>
public sealed class OrderedByteSet
{
    private readonly HashSet<byte[]> _set = new(ByteKeyComparer.Instance);
    private readonly List<byte[]> _order = [];

    public int Count => _order.Count;

    public IReadOnlyList<byte[]> Items => _order;

    public bool Contains(ReadOnlySpan<byte> item) => _set.GetAlternateLookup<ReadOnlySpan<byte>>().Contains(item);

    public bool Add(byte[] item)
    {
        if (!_set.Add(item)) return false;
        _order.Add(item);
        return true;
    }

    public bool Remove(ReadOnlySpan<byte> item)
    {
        var lookup = _set.GetAlternateLookup<ReadOnlySpan<byte>>();
        if (!lookup.TryGetValue(item, out var stored)) return false;
        lookup.Remove(item);
        _order.Remove(stored);
        return true;
    }

    public void Clear()
    {
        _set.Clear();
        _order.Clear();
    }
}
