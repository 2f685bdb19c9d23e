using System.Text;
using TdbPlus.Shards.Families.Streams;

namespace TdbPlus.Shards.Tests.Families;

/// <summary>
/// The stream structure on its own: 1M-entry streams (range windows both ways, lookups, deletion, exact and
/// approximate trimming checked against a plain model), node boundaries by Redis's rules, the pending-list
/// map, and ID parsing quirks.
/// </summary>
public sealed class StreamStructureTests
{
    private const long NodeMaxBytes = 4096;
    private const long NodeMaxEntries = 100;

    /// <summary>One field "f" with an 8-byte value derived from the entry number.</summary>
    private readonly struct OneField : IFieldPairs
    {
        private static readonly byte[] F = "f"u8.ToArray();
        private readonly byte[] _value;

        public OneField(long n) => _value = Encoding.ASCII.GetBytes($"v{n % 10_000_000:D7}");

        public int Count => 1;

        public ReadOnlySpan<byte> Field(int i) => F;

        public ReadOnlySpan<byte> Value(int i) => _value;
    }

    private sealed class Pairs(params string[] items) : IFieldPairs
    {
        public int Count => items.Length / 2;

        public ReadOnlySpan<byte> Field(int i) => Encoding.ASCII.GetBytes(items[2 * i]);

        public ReadOnlySpan<byte> Value(int i) => Encoding.ASCII.GetBytes(items[2 * i + 1]);
    }

    /// <summary>IDs of entry n: ms grows by one every 3 entries, seq counts within a ms.</summary>
    private static StreamId IdOf(long n) => new((ulong)(1_700_000_000_000 + n / 3), (ulong)(n % 3));

    private static StreamObject Build(int count)
    {
        var s = new StreamObject();
        for (long n = 0; n < count; n++) s.Append(new OneField(n), IdOf(n), NodeMaxBytes, NodeMaxEntries);
        return s;
    }

    private static List<StreamId> Range(StreamObject s, StreamId start, StreamId end, bool reverse, int count)
    {
        var list = new List<StreamId>();
        var cur = new StreamCursor(s, start, end, reverse);
        while (list.Count < count && cur.MoveNext()) list.Add(cur.Id);
        cur.Dispose();
        return list;
    }

    private static string ValueOf(StreamObject s, StreamId id)
    {
        var cur = new StreamCursor(s, id, id, false);
        Assert.True(cur.MoveNext());
        var f = cur.Fields;
        Assert.True(f.Next(out var field, out var value));
        Assert.Equal("f", Encoding.ASCII.GetString(field));
        Assert.False(f.Next(out _, out _));
        return Encoding.ASCII.GetString(value);
    }

    [Fact]
    public void MillionEntriesRangeWindowsAndLookups()
    {
        const int N = 1_000_000;
        var s = Build(N);
        Assert.Equal(N, s.Length);
        Assert.Equal(N / (int)NodeMaxEntries, s.NodeCount);
        Assert.Equal(IdOf(N - 1), s.LastId);
        Assert.Equal(IdOf(0), s.FirstId);
        Assert.Equal(IdOf(N - 1), s.LastValidId());

        var rng = new Random(1);
        for (int t = 0; t < 200; t++)
        {
            long from = rng.NextInt64(N);
            int count = rng.Next(1, 300);
            var fwd = Range(s, IdOf(from), StreamId.Max, false, count);
            Assert.Equal((int)Math.Min(count, N - from), fwd.Count);
            for (int i = 0; i < fwd.Count; i++) Assert.Equal(IdOf(from + i), fwd[i]);

            var rev = Range(s, StreamId.Zero, IdOf(from), true, count);
            Assert.Equal((int)Math.Min(count, from + 1), rev.Count);
            for (int i = 0; i < rev.Count; i++) Assert.Equal(IdOf(from - i), rev[i]);

            Assert.True(s.Exists(IdOf(from)));
            Assert.Equal($"v{from % 10_000_000:D7}", ValueOf(s, IdOf(from)));
            // Between two entries of the same ms there is no gap; past the last seq of a ms there is.
            Assert.False(s.Exists(new StreamId(IdOf(from).Ms, 7)));
        }
        // A window starting between IDs begins at the next entry.
        var between = Range(s, new StreamId(IdOf(299).Ms, 5), StreamId.Max, false, 2);
        Assert.Equal([IdOf(300), IdOf(301)], between);
        Assert.Empty(Range(s, StreamId.Zero, new StreamId(1, 0), false, 10));
        Assert.Empty(Range(s, new StreamId(ulong.MaxValue, 0), StreamId.Max, true, 10));
    }

    [Fact]
    public void MillionEntriesDeleteAndTrimMatchAModel()
    {
        const int N = 1_000_000;
        var s = Build(N);
        var deleted = new bool[N];
        var rng = new Random(2);
        long live = N;
        for (int i = 0; i < 100_000; i++)
        {
            int n = rng.Next(N);
            bool ok = s.Delete(IdOf(n));
            Assert.Equal(!deleted[n], ok);
            if (ok)
            {
                deleted[n] = true;
                live--;
            }
        }
        // Whole nodes deleted one entry at a time go away.
        for (int n = 500_000; n < 500_100; n++)
        {
            if (!deleted[n] && s.Delete(IdOf(n)))
            {
                deleted[n] = true;
                live--;
            }
        }
        Assert.Equal(live, s.Length);
        Assert.Equal(N / (int)NodeMaxEntries - 1, s.NodeCount);

        // A forward walk over everything sees exactly the live entries, in order.
        long seen = 0, expect = 0;
        var cur = new StreamCursor(s, StreamId.Zero, StreamId.Max, false);
        while (cur.MoveNext())
        {
            while (deleted[expect]) expect++;
            Assert.Equal(IdOf(expect), cur.Id);
            expect++;
            seen++;
        }
        Assert.Equal(live, seen);
        var back = Range(s, StreamId.Zero, StreamId.Max, true, 1000);
        int k = N - 1;
        foreach (var id in back)
        {
            while (deleted[k]) k--;
            Assert.Equal(IdOf(k--), id);
        }

        // Approximate MAXLEN removes whole nodes only and keeps at least maxlen entries.
        long before = s.Length;
        long removed = s.Trim(new TrimSpec(TrimStrategy.MaxLen, 700_000, default, true, 0));
        Assert.Equal(before - removed, s.Length);
        Assert.True(s.Length >= 700_000);
        Assert.True(s.Length < 700_000 + NodeMaxEntries);
        // Exact MAXLEN lands on the number.
        s.Trim(new TrimSpec(TrimStrategy.MaxLen, 600_000, default, false, 0));
        Assert.Equal(600_000, s.Length);
        var first = s.FirstValidId(StreamId.Max);
        Assert.Equal(first, s.FirstId);
        // Exact MINID: nothing below the ID stays.
        var minId = IdOf(900_000);
        s.Trim(new TrimSpec(TrimStrategy.MinId, 0, minId, false, 0));
        Assert.True(s.FirstValidId(StreamId.Max) >= minId);
        long expected = 0;
        for (int n = 900_000; n < N; n++) if (!deleted[n]) expected++;
        Assert.Equal(expected, s.Length);
        // LIMIT bounds the work of an approximate trim.
        long lim = s.Trim(new TrimSpec(TrimStrategy.MaxLen, 0, default, true, 250));
        Assert.True(lim <= 250);
        s.Trim(new TrimSpec(TrimStrategy.MaxLen, 0, default, false, 0));
        Assert.Equal(0, s.Length);
        Assert.Equal(StreamId.Zero, s.FirstId);
        Assert.Equal(0, s.NodeCount);
    }

    [Fact]
    public void NodesCloseByEntriesAndByListpackBytes()
    {
        var s = new StreamObject();
        var big = new string('x', 200);
        for (int i = 1; i <= 60; i++) s.Append(new Pairs("payload", big), new StreamId((ulong)i, 0), NodeMaxBytes, NodeMaxEntries);
        // Redis fits 19 such entries in a 4096-byte listpack: 4 nodes for 60 entries (as redis-server reports).
        Assert.Equal(4, s.NodeCount);
        Assert.Equal(new StreamId(20, 0), s.KeyAt(1));

        var t = new StreamObject();
        for (int i = 1; i <= 250; i++) t.Append(new Pairs("f", "v" + i), new StreamId((ulong)i, 1), NodeMaxBytes, NodeMaxEntries);
        Assert.Equal(3, t.NodeCount);
        // XINFO radix-tree-nodes for these node keys, as redis-server reports them.
        Assert.Equal(1, new StreamObject().RadixTreeNodes());
        Assert.Equal(8, t.RadixTreeNodes());
        Assert.Equal(10, s.RadixTreeNodes());
    }

    [Fact]
    public void EntriesWithOtherFieldsAndDeletedMasters()
    {
        var s = new StreamObject();
        s.Append(new Pairs("a", "1", "b", "2"), new StreamId(1, 1), NodeMaxBytes, NodeMaxEntries);
        s.Append(new Pairs("a", "3", "b", "4"), new StreamId(1, 2), NodeMaxBytes, NodeMaxEntries);
        s.Append(new Pairs("c", "5"), new StreamId(2, 0), NodeMaxBytes, NodeMaxEntries);
        s.Append(new Pairs(), new StreamId(3, 0), NodeMaxBytes, NodeMaxEntries);
        Assert.True(s.Delete(new StreamId(1, 1)));
        Assert.False(s.Delete(new StreamId(1, 1)));
        var cur = new StreamCursor(s, StreamId.Zero, StreamId.Max, false);
        var text = new StringBuilder();
        while (cur.MoveNext())
        {
            text.Append(cur.Id).Append(':');
            var f = cur.Fields;
            while (f.Next(out var field, out var value))
                text.Append(Encoding.ASCII.GetString(field)).Append('=').Append(Encoding.ASCII.GetString(value)).Append(',');
            text.Append(' ');
        }
        Assert.Equal("1-2:a=3,b=4, 2-0:c=5, 3-0: ", text.ToString());
    }

    [Fact]
    public void IdMapMatchesASortedDictionary()
    {
        var map = new IdMap<long>();
        var model = new SortedDictionary<StreamId, long>();
        var keysModel = new SortedSet<StreamId>();
        var rng = new Random(3);
        for (int i = 0; i < 200_000; i++)
        {
            var id = new StreamId((ulong)rng.Next(5000), (ulong)rng.Next(4));
            int op = rng.Next(10);
            if (op < 6)
            {
                bool added = map.TryAdd(id, i);
                Assert.Equal(model.TryAdd(id, i), added);
                keysModel.Add(id);
            }
            else if (op < 9)
            {
                Assert.Equal(model.Remove(id), map.Remove(id));
                keysModel.Remove(id);
            }
            else
            {
                map.Seek(id, out var key, out bool found);
                bool any = false;
                StreamId first = default;
                foreach (var k in keysModel.GetViewBetween(id, StreamId.Max))
                {
                    any = true;
                    first = k;
                    break;
                }
                Assert.Equal(any, found);
                if (found) Assert.Equal(first, key);
            }
        }
        Assert.Equal(model.Count, map.Count);
        var keys = new List<StreamId>();
        var cur = map.From(StreamId.Zero);
        while (cur.MoveNext())
        {
            keys.Add(cur.Key);
            Assert.Equal(model[cur.Key], cur.Value);
        }
        Assert.Equal(model.Keys.ToList(), keys);
        if (model.Count > 0)
        {
            Assert.Equal(model.Keys.First(), map.FirstKey);
            Assert.Equal(model.Keys.Last(), map.LastKey);
        }
    }

    [Fact]
    public void IdMapAppendsAMillionInOrder()
    {
        var map = new IdMap<PendingEntry>();
        for (int i = 0; i < 1_000_000; i++) Assert.True(map.TryAdd(new StreamId((ulong)i, 0), new PendingEntry { DeliveryCount = i }));
        Assert.Equal(1_000_000, map.Count);
        ref var e = ref map.Find(new StreamId(777_777, 0), out bool found);
        Assert.True(found);
        Assert.Equal(777_777, e.DeliveryCount);
        for (int i = 0; i < 1_000_000; i += 2) Assert.True(map.Remove(new StreamId((ulong)i, 0)));
        Assert.Equal(500_000, map.Count);
        Assert.Equal(new StreamId(1, 0), map.FirstKey);
    }

    [Theory]
    [InlineData("1-2", true, 1UL, 2UL)]
    [InlineData("5", true, 5UL, 0UL)]
    [InlineData("00019-01", true, 19UL, 1UL)]
    [InlineData("+21", true, 21UL, 0UL)]
    [InlineData(" 3-4", true, 3UL, 4UL)]
    [InlineData("5--05", true, 5UL, 18446744073709551611UL)]
    [InlineData("-05", false, 0UL, 0UL)]
    [InlineData("18446744073709551615-18446744073709551615", true, ulong.MaxValue, ulong.MaxValue)]
    [InlineData("-1", false, 0UL, 0UL)]
    [InlineData("18446744073709551616", false, 0UL, 0UL)]
    [InlineData("1-", false, 0UL, 0UL)]
    [InlineData("", false, 0UL, 0UL)]
    [InlineData("abc", false, 0UL, 0UL)]
    [InlineData("1.5", false, 0UL, 0UL)]
    [InlineData("3 ", false, 0UL, 0UL)]
    [InlineData("-", false, 0UL, 0UL)]
    public void IdParsingFollowsString2ull(string text, bool ok, ulong ms, ulong seq)
    {
        Assert.Equal(ok, StreamIdParser.TryParseStrict(Encoding.ASCII.GetBytes(text), out var id));
        if (ok) Assert.Equal(new StreamId(ms, seq), id);
    }

    [Fact]
    public void IdParsingSpecialForms()
    {
        Assert.True(StreamIdParser.TryParse("-"u8, 0, false, out var min));
        Assert.Equal(StreamId.Zero, min);
        Assert.True(StreamIdParser.TryParse("+"u8, 0, false, out var max));
        Assert.Equal(StreamId.Max, max);
        Assert.True(StreamIdParser.TryParse("7"u8, ulong.MaxValue, false, out var end));
        Assert.Equal(new StreamId(7, ulong.MaxValue), end);
        Assert.True(StreamIdParser.TryParse("7-*"u8, 0, true, out var auto, true, out bool seqGiven));
        Assert.False(seqGiven);
        Assert.Equal(7UL, auto.Ms);
        Assert.False(StreamIdParser.TryParseStrict("7-*"u8, out _));
        Assert.True(StreamIdParser.TryParseInterval("(5-1"u8, 0, out var ex, out bool exclusive));
        Assert.True(exclusive);
        Assert.Equal(new StreamId(5, 1), ex);
        Assert.False(StreamIdParser.TryParseInterval("(-"u8, 0, out _, out _));
        // A NUL ends the argument as it does for C string functions.
        Assert.True(StreamIdParser.TryParseStrict("9\0junk"u8, out var nul));
        Assert.Equal(new StreamId(9, 0), nul);
    }

    [Fact]
    public void ListpackSizesAsRedisEncodesThem()
    {
        Assert.Equal(2, ListpackSize.Integer(0));
        Assert.Equal(2, ListpackSize.Integer(127));
        Assert.Equal(3, ListpackSize.Integer(128));
        Assert.Equal(3, ListpackSize.Integer(-4096));
        Assert.Equal(4, ListpackSize.Integer(4096));
        Assert.Equal(10, ListpackSize.Integer(long.MinValue));
        Assert.Equal(3, ListpackSize.String("v"u8));
        Assert.Equal(2, ListpackSize.String("12"u8));
        Assert.Equal(5, ListpackSize.String("012"u8));
        Assert.Equal(1 + 63 + 1, ListpackSize.String(new byte[63]));
        Assert.Equal(2 + 64 + 1, ListpackSize.String(new byte[64]));
        Assert.Equal(2 + 200 + 2, ListpackSize.String(new byte[200]));
    }
}
