using TdbPlus.Shards.Storage;
using Record = TdbPlus.Shards.Storage.Record;
using Xunit.Abstractions;

namespace TdbPlus.Shards.Tests.Storage;

public sealed class DashTableTests(ITestOutputHelper output)
{
    [Fact]
    public void EmptyTable()
    {
        using var h = new DashTableHarness();
        Assert.Equal(0, h.Table.Count);
        Assert.Equal(0, h.Find("missing"u8));
        Assert.Equal(0, h.Table.Remove("missing"u8, KeyHash.Hash("missing"u8)));
        Assert.False(h.Table.Replace("missing"u8, KeyHash.Hash("missing"u8), 1));
        ulong rng = 5;
        Assert.Equal(0, h.Table.RandomRecord(ref rng));
        var v = new CollectingVisitor(10);
        Assert.Equal(0ul, h.Table.Scan(0, ref v));
        Assert.Empty(v.Seen);
        Assert.True(h.Table.MemoryBytes > 0);
    }

    [Fact]
    public void MillionKeysInsertFindRemove()
    {
        const int n = 1_000_000;
        using var h = new DashTableHarness();
        Span<byte> buf = stackalloc byte[32];
        for (int i = 0; i < n; i++)
            h.Add(DashTableHarness.Key(buf, "key:"u8, i));
        Assert.Equal(n, h.Table.Count);

        double perEntry = (double)h.Table.MemoryBytes / h.Table.Count;
        output.WriteLine($"MemoryBytes={h.Table.MemoryBytes} perEntry={perEntry:F2}");
        // 1M sits between split waves (2048 segments of 720 slots, 68% full); just after a wave the worst
        // point of the load cycle is about 11.2 bytes per entry (a 3904-byte segment per 348 entries).
        Assert.True(perEntry < 9, $"table overhead {perEntry:F2} bytes per entry");

        for (int i = 0; i < n; i++)
        {
            var key = DashTableHarness.Key(buf, "key:"u8, i);
            nint rec = h.Find(key);
            Assert.NotEqual(0, rec);
            Assert.True(Record.Key(rec).SequenceEqual(key));
        }
        for (int i = 0; i < 1000; i++)
            Assert.Equal(0, h.Find(DashTableHarness.Key(buf, "nope:"u8, i)));

        for (int i = 0; i < n; i += 2)
            Assert.True(h.Delete(DashTableHarness.Key(buf, "key:"u8, i)));
        Assert.Equal(n / 2, h.Table.Count);
        for (int i = 0; i < n; i++)
            Assert.Equal(i % 2 == 1, h.Find(DashTableHarness.Key(buf, "key:"u8, i)) != 0);

        long memory = h.Table.MemoryBytes;
        for (int i = 0; i < n; i += 2)
            h.Add(DashTableHarness.Key(buf, "key:"u8, i));
        Assert.Equal(n, h.Table.Count);
        Assert.Equal(memory, h.Table.MemoryBytes);
        for (int i = 0; i < n; i++)
            Assert.NotEqual(0, h.Find(DashTableHarness.Key(buf, "key:"u8, i)));
    }

    [Fact]
    public void SteadyStateOperationsDoNotAllocate()
    {
        using var h = new DashTableHarness();
        Span<byte> buf = stackalloc byte[32];
        for (int i = 0; i < 20_000; i++)
            h.Add(DashTableHarness.Key(buf, "k"u8, i));
        for (int i = 0; i < 5_000; i++)
            h.Delete(DashTableHarness.Key(buf, "k"u8, i));
        long memory = h.Table.MemoryBytes;

        int misses = 0, hits = 0, removed = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5_000; i++)
        {
            var key = DashTableHarness.Key(buf, "k"u8, i);
            ulong hash = KeyHash.Hash(key);
            misses += h.Table.Find(key, hash) == 0 ? 1 : 0;
            h.Table.Insert(Record.Create(h.Arena, key, 8, hasExpire: false), hash);
            hits += h.Table.Find(key, hash) != 0 ? 1 : 0;
            nint rec = h.Table.Remove(key, hash);
            removed += rec != 0 ? 1 : 0;
            Record.Free(h.Arena, rec);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal((5_000, 5_000, 5_000), (misses, hits, removed));
        Assert.Equal(memory, h.Table.MemoryBytes);
    }

    [Fact]
    public void ManySplitsKeepEverythingReachable()
    {
        using var h = new DashTableHarness();
        long segmentBytes = h.Table.MemoryBytes;
        var recs = new Dictionary<string, nint>();
        for (int i = 0; i < 100_000; i++)
        {
            var key = DashTableHarness.Key("s", i);
            recs[System.Text.Encoding.ASCII.GetString(key)] = h.Add(key);
            if (i % 9973 == 0)
            {
                foreach (var (k, rec) in recs)
                    Assert.Equal(rec, h.Find(System.Text.Encoding.ASCII.GetBytes(k)));
            }
        }
        Assert.True(h.Table.MemoryBytes > 100 * segmentBytes);
        foreach (var (k, rec) in recs)
            Assert.Equal(rec, h.Find(System.Text.Encoding.ASCII.GetBytes(k)));
    }

    [Fact]
    public void SegmentFillsAlmostCompletelyBeforeItSplits()
    {
        using var h = new DashTableHarness();
        long oneSegment = h.Table.MemoryBytes;
        int i = 0;
        while (h.Table.MemoryBytes == oneSegment)
            h.Add(DashTableHarness.Key("fill", i++));
        // Displacement and the stash should let a segment take well over 90% of its slots before splitting.
        Assert.True(i - 1 > 0.9 * DashSegment.Capacity, $"split after {i - 1} entries");
    }

    [Fact]
    public void ReplaceSwapsThePointer()
    {
        using var h = new DashTableHarness();
        for (int i = 0; i < 5000; i++)
            h.Add(DashTableHarness.Key("r", i));
        for (int i = 0; i < 5000; i += 3)
        {
            var key = DashTableHarness.Key("r", i);
            ulong hash = KeyHash.Hash(key);
            nint old = h.Table.Find(key, hash);
            nint moved = Record.Create(h.Arena, key, 100, hasExpire: true);
            Assert.True(h.Table.Replace(key, hash, moved));
            Record.Free(h.Arena, old);
            Assert.Equal(moved, h.Table.Find(key, hash));
        }
        Assert.Equal(5000, h.Table.Count);
        for (int i = 0; i < 5000; i++)
        {
            nint rec = h.Find(DashTableHarness.Key("r", i));
            Assert.Equal(i % 3 == 0, Record.HasExpire(rec));
        }
        Assert.False(h.Table.Replace("absent"u8, KeyHash.Hash("absent"u8), 1));
    }

    [Fact]
    public void CountTracksInsertAndRemove()
    {
        using var h = new DashTableHarness();
        for (int i = 0; i < 3000; i++)
        {
            h.Add(DashTableHarness.Key("c", i));
            Assert.Equal(i + 1, h.Table.Count);
        }
        Assert.False(h.Delete("c-1"u8));
        for (int i = 0; i < 3000; i++)
        {
            Assert.True(h.Delete(DashTableHarness.Key("c", i)));
            Assert.False(h.Delete(DashTableHarness.Key("c", i)));
            Assert.Equal(3000 - i - 1, h.Table.Count);
        }
        Assert.Equal(0, h.Arena.UsedBytes);
    }

    [Fact]
    public void ClearReturnsToOneSegment()
    {
        using var h = new DashTableHarness();
        long initial = h.Table.MemoryBytes;
        var recs = new List<nint>();
        for (int i = 0; i < 50_000; i++)
            recs.Add(h.Add(DashTableHarness.Key("x", i)));
        foreach (nint rec in recs)
            Record.Free(h.Arena, rec);
        h.Table.Clear();

        Assert.Equal(0, h.Table.Count);
        Assert.Equal(initial, h.Table.MemoryBytes);
        Assert.Equal(0, h.Find(DashTableHarness.Key("x", 7)));
        var v = new CountingVisitor();
        h.Table.ForEach(ref v);
        Assert.Equal(0, v.Visited);

        for (int i = 0; i < 10_000; i++)
            h.Add(DashTableHarness.Key("y", i));
        for (int i = 0; i < 10_000; i++)
            Assert.NotEqual(0, h.Find(DashTableHarness.Key("y", i)));
        Assert.Equal(10_000, h.Table.Count);
    }
}
