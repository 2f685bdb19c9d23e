using TdbPlus.Shards.Storage;

namespace TdbPlus.Shards.Tests.Storage;

public sealed class DashTableTraversalTests
{
    [Fact]
    public void FullScanSeesEveryEntryExactlyOnceWithoutChanges()
    {
        using var h = new DashTableHarness();
        var live = new HashSet<nint>();
        for (int i = 0; i < 30_000; i++)
            live.Add(h.Add(DashTableHarness.Key("f", i)));

        var seen = new List<nint>();
        ulong cursor = 0;
        int calls = 0;
        do
        {
            var v = new CollectingVisitor(10);
            cursor = h.Table.Scan(cursor, ref v);
            seen.AddRange(v.Seen);
            calls++;
        }
        while (cursor != 0);

        Assert.Equal(live.Count, seen.Count);
        Assert.True(live.SetEquals(seen));
        Assert.True(calls > 1000);
    }

    [Fact]
    public void ScanWhileInsertingSeesAllOriginalEntries()
    {
        using var h = new DashTableHarness();
        var original = new HashSet<nint>();
        for (int i = 0; i < 20_000; i++)
            original.Add(h.Add(DashTableHarness.Key("a", i)));
        long memoryAtStart = h.Table.MemoryBytes;

        var all = new HashSet<nint>(original);
        var seen = new HashSet<nint>();
        ulong cursor = 0;
        int added = 0;
        do
        {
            var v = new CollectingVisitor(10);
            cursor = h.Table.Scan(cursor, ref v);
            foreach (nint rec in v.Seen)
            {
                Assert.Contains(rec, all);
                seen.Add(rec);
            }
            for (int j = 0; j < 50; j++)
                all.Add(h.Add(DashTableHarness.Key("b", added++)));
        }
        while (cursor != 0);

        Assert.True(h.Table.MemoryBytes > 4 * memoryAtStart, "the table should have split a lot during the scan");
        Assert.True(original.IsSubsetOf(seen));
    }

    [Fact]
    public void ScanAfterRemovalsSeesOnlyLiveEntries()
    {
        using var h = new DashTableHarness();
        var live = new HashSet<nint>();
        for (int i = 0; i < 20_000; i++)
            h.Add(DashTableHarness.Key("d", i));
        for (int i = 0; i < 20_000; i++)
        {
            if (i % 3 == 0)
                h.Delete(DashTableHarness.Key("d", i));
            else
                live.Add(h.Find(DashTableHarness.Key("d", i)));
        }

        var seen = new HashSet<nint>();
        ulong cursor = 0;
        do
        {
            var v = new CollectingVisitor(25);
            cursor = h.Table.Scan(cursor, ref v);
            foreach (nint rec in v.Seen)
                Assert.True(seen.Add(rec));
        }
        while (cursor != 0);
        Assert.True(live.SetEquals(seen));
    }

    [Fact]
    public void ScanWhileRemovingSeesSurvivors()
    {
        using var h = new DashTableHarness();
        for (int i = 0; i < 20_000; i++)
            h.Add(DashTableHarness.Key("e", i));
        var survivors = new HashSet<nint>();
        for (int i = 1; i < 20_000; i += 2)
            survivors.Add(h.Find(DashTableHarness.Key("e", i)));

        var seen = new HashSet<nint>();
        ulong cursor = 0;
        int next = 0;
        do
        {
            var v = new CollectingVisitor(5);
            cursor = h.Table.Scan(cursor, ref v);
            seen.UnionWith(v.Seen);
            for (int j = 0; j < 10 && next < 20_000; j++, next += 2)
                h.Delete(DashTableHarness.Key("e", next));
        }
        while (cursor != 0);
        Assert.True(survivors.IsSubsetOf(seen));
    }

    [Fact]
    public void GarbageCursorsTerminate()
    {
        using var h = new DashTableHarness();
        for (int i = 0; i < 5000; i++)
            h.Add(DashTableHarness.Key("g", i));
        foreach (ulong start in new ulong[] { 63, 12345, (1UL << 46) - 1, 1UL << 46, ulong.MaxValue })
        {
            ulong cursor = start;
            int calls = 0;
            do
            {
                var v = new CollectingVisitor(100);
                cursor = h.Table.Scan(cursor, ref v);
                Assert.True(++calls < 10_000);
            }
            while (cursor != 0);
        }
    }

    [Fact]
    public void ForEachVisitsEverythingAndStopsEarly()
    {
        using var h = new DashTableHarness();
        var live = new HashSet<nint>();
        for (int i = 0; i < 25_000; i++)
            live.Add(h.Add(DashTableHarness.Key("e", i)));

        var all = new CollectingVisitor(int.MaxValue);
        h.Table.ForEach(ref all);
        Assert.Equal(live.Count, all.Seen.Count);
        Assert.True(live.SetEquals(all.Seen));

        var some = new CollectingVisitor(100);
        h.Table.ForEach(ref some);
        Assert.Equal(100, some.Seen.Count);
    }

    [Fact]
    public void RandomRecordReturnsLiveEntriesSpreadOut()
    {
        using var h = new DashTableHarness();
        ulong rng = 42;
        Assert.Equal(0, h.Table.RandomRecord(ref rng));

        nint only = h.Add("only"u8);
        for (int i = 0; i < 10; i++)
            Assert.Equal(only, h.Table.RandomRecord(ref rng));
        h.Delete("only"u8);
        Assert.Equal(0, h.Table.RandomRecord(ref rng));

        var live = new HashSet<nint>();
        for (int i = 0; i < 10_000; i++)
            live.Add(h.Add(DashTableHarness.Key("rnd", i)));
        var hits = new Dictionary<nint, int>();
        for (int i = 0; i < 100_000; i++)
        {
            nint rec = h.Table.RandomRecord(ref rng);
            Assert.Contains(rec, live);
            hits[rec] = hits.GetValueOrDefault(rec) + 1;
        }
        Assert.True(hits.Count > 9_000, $"only {hits.Count} distinct records");
        Assert.True(hits.Values.Max() < 50);
    }

    [Fact]
    public void RandomRecordOnSparseTable()
    {
        using var h = new DashTableHarness();
        for (int i = 0; i < 50_000; i++)
            h.Add(DashTableHarness.Key("sp", i));
        for (int i = 0; i < 50_000; i++)
        {
            if (i % 10_000 != 0)
                h.Delete(DashTableHarness.Key("sp", i));
        }
        var live = new HashSet<nint>();
        for (int i = 0; i < 50_000; i += 10_000)
            live.Add(h.Find(DashTableHarness.Key("sp", i)));

        ulong rng = 0;
        var seen = new HashSet<nint>();
        for (int i = 0; i < 2000; i++)
        {
            nint rec = h.Table.RandomRecord(ref rng);
            Assert.Contains(rec, live);
            seen.Add(rec);
        }
        Assert.True(seen.Count >= 3);
    }
}
