using TdbPlus.Shards.Storage;
using Record = TdbPlus.Shards.Storage.Record;

namespace TdbPlus.Shards.Tests.Storage;

public sealed class DashTableCollisionTests
{
    // Home bucket, next bucket and the four stash buckets: the most one exact hash can hold without a split.
    private const int SameHashCapacity = DashSegment.SlotsPerBucket * (2 + DashSegment.StashBuckets);

    [Fact]
    public void IdenticalHashesFillHomeNeighbourAndStash()
    {
        // Fabricated hashes stay valid only while no split rehashes the keys, i.e. within one segment.
        const ulong hash = 0x0123_4567_89AB_CDEFUL;
        using var h = new DashTableHarness();
        var recs = new List<nint>();
        for (int i = 0; i < SameHashCapacity; i++)
            recs.Add(h.Add(DashTableHarness.Key("same", i), hash));
        long memory = h.Table.MemoryBytes;

        for (int i = 0; i < SameHashCapacity; i++)
            Assert.Equal(recs[i], h.Table.Find(DashTableHarness.Key("same", i), hash));
        Assert.Equal(0, h.Table.Find("same-1"u8, hash));
        Assert.Equal(memory, h.Table.MemoryBytes);

        var all = new CollectingVisitor(int.MaxValue);
        Assert.Equal(0ul, h.Table.Scan(0, ref all));
        Assert.Equal(SameHashCapacity, all.Seen.Count);

        for (int i = 0; i < SameHashCapacity; i += 2)
            Assert.Equal(recs[i], h.Table.Remove(DashTableHarness.Key("same", i), hash));
        for (int i = 0; i < SameHashCapacity; i++)
            Assert.Equal(i % 2 == 1 ? recs[i] : 0, h.Table.Find(DashTableHarness.Key("same", i), hash));

        nint replacement = Record.Create(h.Arena, DashTableHarness.Key("same", 5), 1, hasExpire: false);
        Assert.True(h.Table.Replace(DashTableHarness.Key("same", 5), hash, replacement));
        Assert.Equal(replacement, h.Table.Find(DashTableHarness.Key("same", 5), hash));

        for (int i = 0; i < SameHashCapacity; i += 2)
            recs[i] = h.Add(DashTableHarness.Key("same", i), hash);
        Assert.Equal(SameHashCapacity, h.Table.Count);
        Assert.Equal(memory, h.Table.MemoryBytes);
    }

    [Fact]
    public void SameFingerprintAndHomeAcrossSplits()
    {
        // Real keys whose low 8 bits and home bucket agree collide on everything a probe compares
        // before the key bytes; they must survive splits mixed with ordinary keys.
        using var h = new DashTableHarness();
        var colliding = new List<byte[]>();
        ulong? pattern = null;
        for (int i = 0; colliding.Count < 40; i++)
        {
            byte[] key = DashTableHarness.Key("col", i);
            ulong hash = KeyHash.Hash(key);
            ulong signature = (byte)hash | (((hash >> 8) % 56) << 8);
            pattern ??= signature;
            if (signature == pattern)
                colliding.Add(key);
        }

        var recs = new Dictionary<int, nint>();
        for (int i = 0; i < colliding.Count; i++)
        {
            recs[i] = h.Add(colliding[i]);
            for (int j = 0; j < 1000; j++)
                h.Add(DashTableHarness.Key($"fill{i}:", j));
        }
        for (int i = 0; i < colliding.Count; i++)
            Assert.Equal(recs[i], h.Find(colliding[i]));

        for (int i = 0; i < colliding.Count; i += 2)
            Assert.True(h.Delete(colliding[i]));
        for (int i = 0; i < colliding.Count; i++)
            Assert.Equal(i % 2 == 1 ? recs[i] : 0, h.Find(colliding[i]));
        Assert.Equal(colliding.Count / 2 + colliding.Count * 1000L, h.Table.Count);
    }

    [Fact]
    public void KeysThatDifferOnlyInLengthOrLastByte()
    {
        using var h = new DashTableHarness();
        byte[][] keys = ["a"u8.ToArray(), "aa"u8.ToArray(), "ab"u8.ToArray(), [], [0], [0, 0], "a\0"u8.ToArray()];
        foreach (byte[] key in keys)
            h.Add(key);
        foreach (byte[] key in keys)
            Assert.True(Record.Key(h.Find(key)).SequenceEqual(key));
        Assert.Equal(0, h.Find("b"u8));
    }
}
