using System.Diagnostics;
using System.Text;
using TdbPlus.Shards.Collections;

namespace TdbPlus.Shards.Tests.Families;

/// <summary>The hashtable encoding of hashes and sets: lookups, updates, removals, scans, large tables.</summary>
public sealed class HashesPackedTableTests
{
    private static byte[] B(string s) => Encoding.ASCII.GetBytes(s);

    private static string S(ReadOnlySpan<byte> b) => Encoding.ASCII.GetString(b);

    [Fact]
    public void SetFindReplaceAndRemove()
    {
        var t = new PackedTable(withValues: true);
        Assert.True(t.Set(B("a"), B("1")));
        Assert.True(t.Set(B("b"), B("2")));
        Assert.False(t.Set(B("a"), B("x")));
        Assert.Equal(2, t.Count);
        Assert.Equal("x", S(t.Value(t.Find(B("a")))));
        Assert.False(t.Set(B("a"), B("a much longer value than before")));
        Assert.Equal("a much longer value than before", S(t.Value(t.Find(B("a")))));
        Assert.False(t.Set(B("a"), B("")));
        Assert.Equal("", S(t.Value(t.Find(B("a")))));
        Assert.Equal(-1, t.Find(B("c")));
        Assert.True(t.Remove(B("a")));
        Assert.False(t.Remove(B("a")));
        Assert.Equal(1, t.Count);
        Assert.Equal("b", S(t.Key(0)));
        Assert.Equal("2", S(t.Value(0)));
        Assert.True(t.Remove(B("b")));
        Assert.Equal(0, t.Count);
        Assert.True(t.Set(B(""), B("empty key")));
        Assert.Equal("empty key", S(t.Value(t.Find(B("")))));
    }

    [Fact]
    public void LongKeysAndValuesUseMultiByteLengths()
    {
        var t = new PackedTable(withValues: true);
        string longKey = new('k', 300), hugeValue = new('v', 1_000_000);
        t.Set(B(longKey), B(hugeValue));
        t.Set(B("small"), B(new string('s', 20_000)));
        Assert.Equal(hugeValue, S(t.Value(t.Find(B(longKey)))));
        Assert.Equal(20_000, t.Value(t.Find(B("small"))).Length);
        Assert.Equal(longKey, S(t.Key(t.Find(B(longKey)))));
    }

    [Fact]
    public void SetWithoutValuesAddsOnce()
    {
        var t = new PackedTable(withValues: false);
        Assert.True(t.Add(B("m")));
        Assert.False(t.Add(B("m")));
        Assert.True(t.Contains(B("m")));
        Assert.False(t.Contains(B("n")));
        Assert.Equal(1, t.Count);
    }

    [Fact]
    public void MatchesADictionaryUnderRandomOperations()
    {
        var rng = new Random(42);
        var t = new PackedTable(withValues: true);
        var reference = new Dictionary<string, string>();
        for (int op = 0; op < 200_000; op++)
        {
            string key = "k" + rng.Next(5000);
            switch (rng.Next(4))
            {
                case 0:
                case 1:
                    string value = new('v', rng.Next(0, 40));
                    Assert.Equal(!reference.ContainsKey(key), t.Set(B(key), B(value)));
                    reference[key] = value;
                    break;
                case 2:
                    Assert.Equal(reference.Remove(key), t.Remove(B(key)));
                    break;
                default:
                    int id = t.Find(B(key));
                    Assert.Equal(reference.TryGetValue(key, out var v), id >= 0);
                    if (id >= 0) Assert.Equal(v, S(t.Value(id)));
                    break;
            }
        }
        Assert.Equal(reference.Count, t.Count);
        for (int id = 0; id < t.Count; id++) Assert.Equal(reference[S(t.Key(id))], S(t.Value(id)));
    }

    [Fact]
    public void ScanReturnsEveryElementOnceWithoutResizes()
    {
        var t = new PackedTable(withValues: false);
        for (int i = 0; i < 10_000; i++) t.Add(B("m" + i));
        var seen = new List<string>();
        var ids = new List<int>();
        ulong cursor = 0;
        do
        {
            ids.Clear();
            cursor = t.ScanBucket(cursor, ids);
            foreach (int id in ids) seen.Add(S(t.Key(id)));
        }
        while (cursor != 0);
        Assert.Equal(10_000, seen.Count);
        Assert.Equal(10_000, seen.Distinct().Count());
    }

    [Fact]
    public void ScanReturnsEveryStableElementAcrossGrowAndShrink()
    {
        var t = new PackedTable(withValues: false);
        for (int i = 0; i < 1000; i++) t.Add(B("stable" + i));
        var seen = new HashSet<string>();
        var ids = new List<int>();
        ulong cursor = 0;
        int step = 0;
        do
        {
            ids.Clear();
            cursor = t.ScanBucket(cursor, ids);
            foreach (int id in ids) seen.Add(S(t.Key(id)));
            step++;
            // Grow the table a lot early, then shrink it again.
            if (step == 50) for (int i = 0; i < 20_000; i++) t.Add(B("extra" + i));
            if (step == 300) for (int i = 0; i < 20_000; i++) t.Remove(B("extra" + i));
        }
        while (cursor != 0);
        for (int i = 0; i < 1000; i++) Assert.Contains("stable" + i, seen);
    }

    [Fact]
    public void RemovalsCompactTheSlabAndKeepData()
    {
        var t = new PackedTable(withValues: true);
        for (int i = 0; i < 100_000; i++) t.Set(B("field:" + i), B("value:" + i));
        long full = t.MemoryBytes;
        for (int i = 0; i < 100_000; i++)
            if (i % 10 != 0) Assert.True(t.Remove(B("field:" + i)));
        Assert.Equal(10_000, t.Count);
        Assert.True(t.MemoryBytes < full / 4, $"{t.MemoryBytes} after removals vs {full}");
        for (int i = 0; i < 100_000; i += 10) Assert.Equal("value:" + i, S(t.Value(t.Find(B("field:" + i)))));
    }

    [Fact]
    public void RewritingValuesDoesNotGrowWithoutBound()
    {
        var t = new PackedTable(withValues: true);
        for (int i = 0; i < 1000; i++) t.Set(B("f" + i), B("x"));
        for (int round = 0; round < 50; round++)
            for (int i = 0; i < 1000; i++) t.Set(B("f" + i), B(new string('y', round % 2 == 0 ? 30 : 10)));
        Assert.True(t.MemoryBytes < 200_000, t.MemoryBytes.ToString());
        Assert.Equal(new string('y', 10), S(t.Value(t.Find(B("f5")))));
    }

    [Fact]
    public void CloneIsIndependent()
    {
        var t = new PackedTable(withValues: true);
        for (int i = 0; i < 1000; i++) t.Set(B("f" + i), B("v" + i));
        var c = t.Clone();
        t.Set(B("f1"), B("changed"));
        t.Remove(B("f2"));
        Assert.Equal("v1", S(c.Value(c.Find(B("f1")))));
        Assert.True(c.Contains(B("f2")));
        Assert.Equal(1000, c.Count);
        c.Set(B("new"), B("1"));
        Assert.False(t.Contains(B("new")));
    }

    [Fact]
    public void OneMillionFieldsInAFewSeconds()
    {
        var sw = Stopwatch.StartNew();
        var t = new PackedTable(withValues: true);
        var key = new byte[16];
        var value = "12345678"u8.ToArray();
        for (int i = 0; i < 1_000_000; i++)
        {
            int n = Fill(key, i);
            Assert.True(t.Set(key.AsSpan(0, n), value));
        }
        Assert.Equal(1_000_000, t.Count);
        for (int i = 0; i < 1_000_000; i += 7)
        {
            int n = Fill(key, i);
            int id = t.Find(key.AsSpan(0, n));
            Assert.True(id >= 0);
            Assert.True(t.Value(id).SequenceEqual(value));
        }
        // About 20 bytes of index and 22 of data per field ("field:123456" plus an 8-byte value).
        double perField = t.MemoryBytes / 1_000_000.0;
        Assert.True(perField < 60, $"{perField:F1} bytes per field");
        for (int i = 0; i < 1_000_000; i += 2)
        {
            int n = Fill(key, i);
            Assert.True(t.Remove(key.AsSpan(0, n)));
        }
        Assert.Equal(500_000, t.Count);
        for (int i = 1; i < 1_000_000; i += 2)
        {
            int n = Fill(key, i);
            Assert.True(t.Find(key.AsSpan(0, n)) >= 0);
        }
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), sw.Elapsed.ToString());
    }

    private static int Fill(byte[] key, int i)
    {
        "field:"u8.CopyTo(key);
        System.Buffers.Text.Utf8Formatter.TryFormat(i, key.AsSpan(6), out int n);
        return 6 + n;
    }
}
