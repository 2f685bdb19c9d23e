using System.IO.Hashing;
using System.Runtime.CompilerServices;

namespace TdbPlus.Shards.Storage;

/// <summary>Key hashing: the table hash used inside a shard and the hash-tag aware shard selector.</summary>
public static class KeyHash
{
    // A different seed from the table hash keeps the bits that pick a shard independent of the bits
    // that pick a segment and bucket, so every shard's table still sees uniformly spread hashes.
    private const long ShardSeed = 0x7DB5;

    /// <summary>Hash used by <see cref="DashTable"/>; compute once per command and pass it along.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Hash(ReadOnlySpan<byte> key) => XxHash3.HashToUInt64(key);

    /// <summary>Shard owning the key, honouring Redis Cluster hash tags ("{tag}").</summary>
    public static int ShardOf(ReadOnlySpan<byte> key, int shardCount)
    {
        if (shardCount == 1)
            return 0;
        ulong h = XxHash3.HashToUInt64(HashTag(key), ShardSeed);
        return (int)(h % (ulong)shardCount);
    }

    /// <summary>The bytes that decide the shard: the hash tag when present and non-empty, else the whole key.</summary>
    public static ReadOnlySpan<byte> HashTag(ReadOnlySpan<byte> key)
    {
        int open = key.IndexOf((byte)'{');
        if (open < 0)
            return key;
        int close = key.Slice(open + 1).IndexOf((byte)'}');
        // "{}" hashes the whole key, exactly like Redis Cluster, so "{}a" and "{}b" may land apart.
        if (close <= 0)
            return key;
        return key.Slice(open + 1, close);
    }
}
