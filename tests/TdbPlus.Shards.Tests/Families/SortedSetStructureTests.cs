using System.Diagnostics;
using System.Text;
using TdbPlus.Shards.Families.SortedSets;

namespace TdbPlus.Shards.Tests.Families;

/// <summary>The sorted-set encodings against a simple model, and large sets for O(log n) behaviour.</summary>
public sealed class SortedSetStructureTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private sealed class Model
    {
        public readonly Dictionary<string, double> Scores = new(StringComparer.Ordinal);

        public List<(string Member, double Score)> Ordered()
        {
            var list = Scores.Select(kv => (kv.Key, kv.Value)).ToList();
            list.Sort((a, b) =>
            {
                int c = a.Item2.CompareTo(b.Item2);
                return c != 0 ? c : B(a.Item1).AsSpan().SequenceCompareTo(B(b.Item1));
            });
            return list;
        }
    }

    private struct Collect : IZVisitor
    {
        public List<(string, double)> Items;
        public int Limit;

        public bool Visit(ReadOnlySpan<byte> member, double score)
        {
            Items.Add((Encoding.UTF8.GetString(member), score));
            return Items.Count < Limit;
        }
    }

    private static List<(string, double)> All(ZSetObject z, int start = 0, bool reverse = false, int limit = int.MaxValue)
    {
        var c = new Collect { Items = [], Limit = limit };
        z.Walk(start, reverse, ref c);
        return c.Items;
    }

    private static void AssertSame(Model model, ZSetObject z)
    {
        z.Validate();
        var expected = model.Ordered();
        Assert.Equal(expected.Count, z.Count);
        Assert.Equal(expected, All(z));
    }

    [Theory]
    [InlineData(128, 64, 3000)]
    [InlineData(0, 0, 3000)]
    [InlineData(100000, 100000, 800)]
    public void RandomOperationsMatchTheModel(long maxEntries, long maxValue, int steps)
    {
        var limits = new ZSetLimits(maxEntries, maxValue);
        var rng = new Random(42 + (int)maxEntries);
        var z = ZSetObject.CreateCompact();
        var model = new Model();
        for (int step = 0; step < steps; step++)
        {
            string member = "m" + rng.Next(400) + (rng.Next(20) == 0 ? new string('x', 70) : "");
            double score = rng.Next(6) == 0 ? rng.Next(5) : Math.Round(rng.NextDouble() * 100, 1);
            switch (rng.Next(7))
            {
                case 0:
                case 1:
                case 2:
                {
                    var outcome = z.Add(B(member), score, ZAddFlags.None, limits, out _);
                    bool had = model.Scores.TryGetValue(member, out double old);
                    model.Scores[member] = score;
                    Assert.Equal(!had ? ZAddOutcome.Added : old == score ? ZAddOutcome.Unchanged : ZAddOutcome.Updated, outcome);
                    break;
                }
                case 3:
                    Assert.Equal(model.Scores.Remove(member), z.Remove(B(member)));
                    break;
                case 4:
                {
                    var ordered = model.Ordered();
                    int expected = ordered.FindIndex(e => e.Member == member);
                    Assert.Equal(expected, z.Rank(B(member)));
                    break;
                }
                case 5:
                {
                    var range = new ScoreRange { Min = score, Max = score + 20, MinExclusive = rng.Next(2) == 0 };
                    var (first, last) = z.RankRange(range);
                    var ordered = model.Ordered();
                    var inRange = ordered.Select((e, i) => (e, i)).Where(x => range.GteMin(x.e.Score) && range.LteMax(x.e.Score)).ToList();
                    if (inRange.Count == 0) Assert.True(first > last);
                    else
                    {
                        Assert.Equal(inRange[0].i, first);
                        Assert.Equal(inRange[^1].i, last);
                    }
                    break;
                }
                case 6:
                    if (z.Count > 0 && rng.Next(10) == 0)
                    {
                        int a = rng.Next(z.Count), b = Math.Min(z.Count - 1, a + rng.Next(5));
                        var ordered = model.Ordered();
                        for (int k = a; k <= b; k++) model.Scores.Remove(ordered[k].Member);
                        Assert.Equal(b - a + 1, z.RemoveRange(a, b));
                    }
                    break;
            }
            if (step % 97 == 0) AssertSame(model, z);
        }
        AssertSame(model, z);
        var ord = model.Ordered();
        if (ord.Count > 3)
        {
            var back = All(z, ord.Count - 1, reverse: true);
            ord.Reverse();
            Assert.Equal(ord, back);
        }
    }

    [Fact]
    public void SmallSetsKeepTheListpackEncodingUntilALimitIsPassed()
    {
        var limits = new ZSetLimits(4, 8);
        var z = ZSetObject.CreateCompact();
        for (int i = 0; i < 4; i++) z.Add(B("m" + i), i, ZAddFlags.None, limits, out _);
        Assert.Equal("listpack", z.Encoding);
        z.Add(B("m9"), 9, ZAddFlags.None, limits, out _);
        Assert.Equal("skiplist", z.Encoding);
        z.Remove(B("m9"));
        Assert.Equal("skiplist", z.Encoding);
        z.ConvertToCompactIfFits(limits);
        Assert.Equal("listpack", z.Encoding);
        Assert.Equal([("m0", 0.0), ("m1", 1.0), ("m2", 2.0), ("m3", 3.0)], All(z));
        var big = ZSetObject.CreateCompact();
        big.Add(B("123456789"), 1, ZAddFlags.None, limits, out _);
        Assert.Equal("skiplist", big.Encoding);
    }

    [Fact]
    public void OneMillionMembersInOrderAndAtRandom()
    {
        const int n = 1_000_000;
        var sw = Stopwatch.StartNew();
        var z = ZSetObject.CreateCompact();
        var limits = ZSetLimits.Default;
        for (int i = 0; i < n; i++) z.Insert(B("member:" + i), i, limits);
        Assert.Equal(n, z.Count);
        var rng = new Random(7);
        for (int k = 0; k < 20000; k++)
        {
            int i = rng.Next(n);
            Assert.Equal(i, z.Rank(B("member:" + i)));
            var m = z.MemberAt(i, out double s);
            Assert.Equal(i, s);
            Assert.Equal("member:" + i, Encoding.UTF8.GetString(m));
            Assert.True(z.TryGetScore(B("member:" + i), out double sc) && sc == i);
        }
        var (first, last) = z.RankRange(new ScoreRange { Min = 1000, Max = 2000, MaxExclusive = true });
        Assert.Equal((1000, 1999), (first, last));
        Assert.Equal(10, All(z, n - 10).Count);
        // Update scores (reverse the order of a slice), then remove a random half.
        for (int i = 0; i < 100000; i++) z.Add(B("member:" + i), -i, ZAddFlags.None, limits, out _);
        Assert.Equal(0, z.Rank(B("member:99999")));
        Assert.Equal(99999, z.Rank(B("member:0")));
        int removed = 0;
        for (int i = 0; i < n; i += 2)
            if (z.Remove(B("member:" + i))) removed++;
        Assert.Equal(n / 2, removed);
        Assert.Equal(n / 2, z.Count);
        Assert.Equal(-1, z.Rank(B("member:2")));
        Assert.Equal(0, z.Rank(B("member:99999")));
        Assert.Equal(n / 2 - 1, z.Rank(B("member:999999")));
        Assert.Equal(1000, z.RemoveRange(10, 1009));
        z.Validate();
        var random = ZSetObject.CreateCompact();
        for (int i = 0; i < n / 5; i++) random.Add(B("r" + rng.Next()), rng.NextDouble(), ZAddFlags.None, limits, out _);
        random.Validate();
        var all = All(random);
        for (int i = 1; i < all.Count; i++) Assert.True(all[i - 1].Item2 <= all[i].Item2);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(60), $"took {sw.Elapsed}");
    }

    [Fact]
    public void LargeSetsReclaimRemovedSpace()
    {
        var z = ZSetObject.CreateLarge();
        for (int i = 0; i < 200000; i++) z.Insert(B("member:" + i), i, ZSetLimits.Default);
        long full = z.MemoryBytes;
        for (int i = 0; i < 190000; i++) z.Remove(B("member:" + i));
        z.Validate();
        Assert.True(z.MemoryBytes < full / 4, $"{z.MemoryBytes} vs {full}");
        Assert.Equal(10000, z.Count);
        Assert.Equal(0, z.Rank(B("member:190000")));
    }

    [Fact]
    public void ScanReturnsEveryMember()
    {
        var z = ZSetObject.CreateLarge();
        for (int i = 0; i < 5000; i++) z.Insert(B("m" + i), i, ZSetLimits.Default);
        var seen = new HashSet<string>();
        ulong cursor = 0;
        int calls = 0;
        do
        {
            var batch = new List<(byte[], double)>();
            cursor = z.Scan(cursor, 10, batch);
            foreach (var (m, _) in batch) seen.Add(Encoding.UTF8.GetString(m));
            calls++;
        }
        while (cursor != 0);
        Assert.Equal(5000, seen.Count);
        Assert.True(calls > 100);
    }

    [Theory]
    [InlineData("1", 1.0)]
    [InlineData("-1.5", -1.5)]
    [InlineData("+2", 2.0)]
    [InlineData("inf", double.PositiveInfinity)]
    [InlineData("+inf", double.PositiveInfinity)]
    [InlineData("-Infinity", double.NegativeInfinity)]
    [InlineData("1e3", 1000.0)]
    [InlineData("1E-2", 0.01)]
    [InlineData(".5", 0.5)]
    [InlineData("5.", 5.0)]
    [InlineData("0x10", 16.0)]
    [InlineData("0x1p-2", 0.25)]
    [InlineData("0X.8", 0.5)]
    [InlineData("1e-310", 1e-310)]
    [InlineData("0.1", 0.1)]
    [InlineData("123456789012345678901234567890", 123456789012345678901234567890.0)]
    public void ScoresParseLikeStrtod(string text, double expected)
    {
        Assert.True(CDouble.TryParse(B(text), out double v));
        Assert.Equal(expected, v);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" 1")]
    [InlineData("1 ")]
    [InlineData("nan")]
    [InlineData("1e400")]
    [InlineData("1e-400")]
    [InlineData("abc")]
    [InlineData("1x")]
    [InlineData("0x")]
    [InlineData("1e")]
    [InlineData("--1")]
    public void InvalidScoresAreRejected(string text) => Assert.False(CDouble.TryParse(B(text), out _));

    [Theory]
    [InlineData("", 0.0, false)]
    [InlineData("(", 0.0, true)]
    [InlineData(" 5", 5.0, false)]
    [InlineData("(1.5", 1.5, true)]
    [InlineData("1e400", double.PositiveInfinity, false)]
    [InlineData("-inf", double.NegativeInfinity, false)]
    public void RangeBoundsParseLikeZslParseRange(string text, double expected, bool exclusive)
    {
        Assert.True(CDouble.TryParseRangeBound(B(text), out double v, out bool ex));
        Assert.Equal(expected, v);
        Assert.Equal(exclusive, ex);
    }

    [Theory]
    [InlineData("nan")]
    [InlineData("(nan")]
    [InlineData("1 ")]
    [InlineData("x")]
    public void InvalidRangeBounds(string text) => Assert.False(CDouble.TryParseRangeBound(B(text), out _, out _));
}
