using System.IO.Hashing;

namespace TdbPlus.Shards.Families.SortedSets;

/// <summary>Byte-string equality for dictionaries keyed by member bytes, with span lookups that do not allocate.</summary>
internal sealed class BytesComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
{
    public static readonly BytesComparer Instance = new();

    public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

    public int GetHashCode(byte[] obj) => (int)XxHash3.HashToUInt64(obj);

    public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

    public int GetHashCode(ReadOnlySpan<byte> alternate) => (int)XxHash3.HashToUInt64(alternate);

    public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();

    /// <summary>Redis's sorted-set order: score, then member bytes.</summary>
    public static int CompareElements((byte[] Member, double Score) a, (byte[] Member, double Score) b)
    {
        if (a.Score < b.Score) return -1;
        if (a.Score > b.Score) return 1;
        return a.Member.AsSpan().SequenceCompareTo(b.Member);
    }
}
