using TdbPlus.Shards.Storage;
using Record = TdbPlus.Shards.Storage.Record;

namespace TdbPlus.Shards.Tests.Storage;

/// <summary>Records outside the arena's slab chunks (large values) are held through the table's side table.</summary>
public sealed class DashTableWideReferenceTests
{
    private const int LargeValue = SlabArena.MaxSmallSize + 100;

    [Fact]
    public void LargeAndSmallRecordsMixAcrossSplits()
    {
        using var h = new DashTableHarness();
        var recs = new Dictionary<int, nint>();
        for (int i = 0; i < 20_000; i++)
        {
            var key = DashTableHarness.Key("w", i);
            nint rec = Record.Create(h.Arena, key, i % 50 == 0 ? LargeValue : 8, hasExpire: false);
            h.Table.Insert(rec, KeyHash.Hash(key));
            recs[i] = rec;
        }
        foreach (var (i, rec) in recs)
            Assert.Equal(rec, h.Find(DashTableHarness.Key("w", i)));

        var all = new CollectingVisitor(int.MaxValue);
        Assert.Equal(0ul, h.Table.Scan(0, ref all));
        Assert.True(new HashSet<nint>(recs.Values).SetEquals(all.Seen));

        // Large becomes small and small becomes large, both through Replace.
        for (int i = 0; i < 20_000; i += 25)
        {
            var key = DashTableHarness.Key("w", i);
            ulong hash = KeyHash.Hash(key);
            nint moved = Record.Create(h.Arena, key, i % 50 == 0 ? 8 : LargeValue, hasExpire: false);
            Assert.True(h.Table.Replace(key, hash, moved));
            Record.Free(h.Arena, recs[i]);
            recs[i] = moved;
        }
        foreach (var (i, rec) in recs)
            Assert.Equal(rec, h.Find(DashTableHarness.Key("w", i)));

        foreach (var (i, rec) in recs)
        {
            var key = DashTableHarness.Key("w", i);
            Assert.Equal(rec, h.Table.Remove(key, KeyHash.Hash(key)));
            Record.Free(h.Arena, rec);
        }
        Assert.Equal(0, h.Table.Count);
        Assert.Equal(0, h.Arena.UsedBytes);
    }

    [Fact]
    public void SideTableSlotsAreReused()
    {
        using var h = new DashTableHarness();
        for (int i = 0; i < 1000; i++)
            h.Add(DashTableHarness.Key("s", i));
        var key = "large"u8.ToArray();
        ulong hash = KeyHash.Hash(key);
        h.Table.Insert(Record.Create(h.Arena, key, LargeValue, hasExpire: false), hash);
        long memory = h.Table.MemoryBytes;
        for (int i = 0; i < 10_000; i++)
        {
            nint old = h.Table.Remove(key, hash);
            Assert.NotEqual(0, old);
            Record.Free(h.Arena, old);
            h.Table.Insert(Record.Create(h.Arena, key, LargeValue, hasExpire: false), hash);
            nint replacement = Record.Create(h.Arena, key, LargeValue + i % 3, hasExpire: false);
            nint current = h.Table.Find(key, hash);
            Assert.True(h.Table.Replace(key, hash, replacement));
            Record.Free(h.Arena, current);
        }
        Assert.Equal(memory, h.Table.MemoryBytes);
        Assert.Equal(LargeValue + 9_999 % 3, Record.ValueLength(h.Table.Find(key, hash)));
    }

    [Fact]
    public void ClearForgetsWideReferences()
    {
        using var h = new DashTableHarness();
        var recs = new List<nint>();
        for (int i = 0; i < 100; i++)
        {
            var key = DashTableHarness.Key("c", i);
            nint rec = Record.Create(h.Arena, key, LargeValue, hasExpire: false);
            h.Table.Insert(rec, KeyHash.Hash(key));
            recs.Add(rec);
        }
        foreach (nint rec in recs)
            Record.Free(h.Arena, rec);
        h.Table.Clear();
        long empty = h.Table.MemoryBytes;
        for (int i = 0; i < 100; i++)
        {
            var key = DashTableHarness.Key("d", i);
            h.Table.Insert(Record.Create(h.Arena, key, LargeValue, hasExpire: false), KeyHash.Hash(key));
        }
        for (int i = 0; i < 100; i++)
            Assert.Equal(LargeValue, Record.ValueLength(h.Find(DashTableHarness.Key("d", i))));
        Assert.True(h.Table.MemoryBytes > empty);
    }
}
