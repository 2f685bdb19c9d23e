using System.Text;
using TdbPlus.Shards.Families.Lists;

namespace TdbPlus.Shards.Tests.Families;

public sealed class ListsQuickListTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static string S(ReadOnlySpan<byte> b) => Encoding.UTF8.GetString(b);

    private static void AssertSame(List<byte[]> expected, QuickList list)
    {
        Assert.Equal(expected.Count, list.Count);
        var actual = list.ToList();
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++) Assert.True(expected[i].AsSpan().SequenceEqual(actual[i]), $"element {i}");
        // Backwards too, through the back-lengths.
        if (expected.Count == 0) return;
        var c = list.Seek(list.Count - 1);
        int k = expected.Count - 1;
        do
        {
            Assert.True(expected[k].AsSpan().SequenceEqual(list.At(c)), $"element {k} backwards");
            k--;
        }
        while (list.MovePrev(ref c));
        Assert.Equal(-1, k);
    }

    [Theory]
    [InlineData(0, 127)]
    [InlineData(127, 127)]
    [InlineData(128, 128)]
    [InlineData(16383, 16383)]
    [InlineData(16384, 16384)]
    [InlineData(300000, 300000)]
    public void EntriesOfEveryVarintLengthRoundTrip(int min, int max)
    {
        var list = new QuickList();
        var expected = new List<byte[]>();
        for (int len = min; len <= max; len++)
        {
            var v = new byte[len];
            if (len > 0) v[0] = (byte)len;
            list.PushTail(v);
            list.PushHead(v);
            expected.Add(v);
            expected.Insert(0, v);
            if (len - min > 300) break;
        }
        AssertSame(expected, list);
    }

    [Fact]
    public void PushPopBothEnds()
    {
        var list = new QuickList();
        for (int i = 0; i < 1000; i++)
        {
            list.PushTail(B($"t{i}"));
            list.PushHead(B($"h{i}"));
        }
        Assert.Equal(2000, list.Count);
        Assert.Equal("h999", S(list.Head));
        Assert.Equal("t999", S(list.Tail));
        Assert.Equal("h0", S(list.Get(999)));
        Assert.Equal("t0", S(list.Get(1000)));
        for (int i = 999; i >= 0; i--)
        {
            Assert.Equal($"h{i}", S(list.Pop(head: true)));
            Assert.Equal($"t{i}", S(list.Pop(head: false)));
        }
        Assert.Equal(0, list.Count);
        Assert.Equal(0, list.NodeCount);
        list.PushTail(B("again"));
        Assert.Equal("again", S(list.Head));
    }

    [Fact]
    public void NodesRespectTheSizeLimit()
    {
        var list = new QuickList(-2);
        for (int i = 0; i < 10000; i++) list.PushTail(B($"element:{i:D6}"));
        // 16-byte entries in 8 KB nodes: about 512 per node.
        Assert.InRange(list.NodeCount, 19, 21);
        var counted = new QuickList(5);
        for (int i = 0; i < 100; i++) counted.PushHead(B("x"));
        Assert.Equal(20, counted.NodeCount);
        // An element above the node limit gets a node of its own.
        var big = new QuickList(-1);
        big.PushTail(B("a"));
        big.PushTail(new byte[10000]);
        big.PushTail(B("b"));
        Assert.Equal(3, big.NodeCount);
        Assert.Equal("b", S(big.Tail));
        Assert.Equal(10000, big.Get(1).Length);
    }

    [Theory]
    [InlineData(-2, 1)]
    [InlineData(-1, 2)]
    [InlineData(3, 3)]
    [InlineData(1, 4)]
    [InlineData(0, 5)]
    [InlineData(-5, 6)]
    public void RandomOperationsMatchAReferenceList(int fill, int seed)
    {
        var rng = new Random(seed);
        var list = new QuickList(fill);
        var model = new List<byte[]>();
        byte[] Value()
        {
            int len = rng.Next(10) switch
            {
                0 => rng.Next(200, 3000),
                1 => 0,
                _ => rng.Next(1, 20),
            };
            var v = new byte[len];
            rng.NextBytes(v);
            if (len > 0 && rng.Next(3) == 0) v = [(byte)rng.Next(4)];
            return v;
        }
        for (int step = 0; step < 6000; step++)
        {
            int op = rng.Next(12);
            switch (op)
            {
                case 0:
                case 1:
                {
                    var v = Value();
                    list.PushHead(v);
                    model.Insert(0, v);
                    break;
                }
                case 2:
                case 3:
                {
                    var v = Value();
                    list.PushTail(v);
                    model.Add(v);
                    break;
                }
                case 4 when model.Count > 0:
                {
                    bool head = rng.Next(2) == 0;
                    var v = list.Pop(head);
                    Assert.Equal(head ? model[0] : model[^1], v);
                    model.RemoveAt(head ? 0 : model.Count - 1);
                    break;
                }
                case 5 when model.Count > 0:
                {
                    int i = rng.Next(model.Count);
                    Assert.Equal(model[i], list.Get(i).ToArray());
                    break;
                }
                case 6 when model.Count > 0:
                {
                    int i = rng.Next(model.Count);
                    var v = Value();
                    list.ReplaceAt(list.Seek(i), v);
                    model[i] = v;
                    break;
                }
                case 7 when model.Count > 0:
                {
                    int i = rng.Next(model.Count);
                    bool after = rng.Next(2) == 0;
                    var v = Value();
                    list.InsertAt(list.Seek(i), after, v);
                    model.Insert(after ? i + 1 : i, v);
                    break;
                }
                case 8 when model.Count > 0:
                {
                    // LREM-like: remove matches of a one-byte value in either direction, up to a limit.
                    var target = new byte[] { (byte)rng.Next(4) };
                    bool forward = rng.Next(2) == 0;
                    int limit = rng.Next(4);
                    int removed = 0;
                    var c = list.Seek(forward ? 0 : list.Count - 1);
                    bool more = true;
                    while (more)
                    {
                        if (list.At(c).SequenceEqual(target))
                        {
                            more = list.RemoveAt(ref c, forward);
                            removed++;
                            if (limit > 0 && removed == limit) break;
                        }
                        else more = forward ? list.MoveNext(ref c) : list.MovePrev(ref c);
                    }
                    int expectedRemoved = 0;
                    if (forward)
                    {
                        for (int i = 0; i < model.Count && (limit == 0 || expectedRemoved < limit);)
                        {
                            if (model[i].AsSpan().SequenceEqual(target))
                            {
                                model.RemoveAt(i);
                                expectedRemoved++;
                            }
                            else i++;
                        }
                    }
                    else
                    {
                        for (int i = model.Count - 1; i >= 0 && (limit == 0 || expectedRemoved < limit); i--)
                        {
                            if (model[i].AsSpan().SequenceEqual(target))
                            {
                                model.RemoveAt(i);
                                expectedRemoved++;
                            }
                        }
                    }
                    Assert.Equal(expectedRemoved, removed);
                    if (list.Count > 0) list.Compact();
                    break;
                }
                case 9 when model.Count > 0:
                {
                    int start = rng.Next(model.Count);
                    int count = rng.Next(Math.Min(model.Count - start, 200) + 1);
                    list.RemoveRange(start, count);
                    model.RemoveRange(start, count);
                    if (rng.Next(2) == 0 && list.Count > 0) list.Compact();
                    break;
                }
                case 10 when model.Count > 0:
                {
                    int i = rng.Next(model.Count);
                    int n = rng.Next(50);
                    var c = list.Seek(i);
                    for (int k = i; k < Math.Min(model.Count, i + n); k++)
                    {
                        Assert.Equal(model[k], list.At(c).ToArray());
                        if (!list.MoveNext(ref c)) Assert.Equal(model.Count - 1, k);
                    }
                    break;
                }
                case 11 when rng.Next(20) == 0:
                {
                    var copy = (QuickList)list.Clone();
                    AssertSame(model, copy);
                    break;
                }
            }
            if (step % 500 == 0) AssertSame(model, list);
        }
        AssertSame(model, list);
        Assert.True(list.MemoryBytes > 0);
    }

    [Fact]
    public void MillionElementList()
    {
        const int n = 1_000_000;
        var list = new QuickList();
        for (int i = 0; i < n; i++) list.PushTail(B($"element:{i}"));
        Assert.Equal(n, list.Count);
        // About 16 bytes of payload per element: the packed layout stays within a few bytes of it.
        double perElement = (double)list.MemoryBytes / n;
        Assert.InRange(perElement, 14, 17);
        var rng = new Random(7);
        for (int k = 0; k < 2000; k++)
        {
            int i = rng.Next(n);
            Assert.Equal($"element:{i}", S(list.Get(i)));
        }
        // A range in the middle, as LRANGE walks it.
        var c = list.Seek(500_000);
        for (int i = 500_000; i < 501_000; i++)
        {
            Assert.Equal($"element:{i}", S(list.At(c)));
            list.MoveNext(ref c);
        }
        // Pops at both ends and a trim, then lookups again.
        for (int i = 0; i < 1000; i++)
        {
            list.RemoveHead();
            list.RemoveTail();
        }
        Assert.Equal("element:1000", S(list.Head));
        Assert.Equal($"element:{n - 1001}", S(list.Tail));
        list.RemoveRange(0, 100_000);
        list.RemoveRange(list.Count - 100_000, 100_000);
        list.Compact();
        Assert.Equal(n - 202_000, list.Count);
        Assert.Equal("element:101000", S(list.Head));
        Assert.Equal("element:500000", S(list.Get(399_000)));
        // Inserts in the middle split nodes without losing order.
        var mid = list.Seek(list.Count / 2);
        string pivot = S(list.At(mid));
        for (int i = 0; i < 5000; i++) list.InsertAt(list.Seek(list.Count / 2), after: false, B($"ins{i}"));
        Assert.Equal(n - 202_000 + 5000, list.Count);
        Assert.Equal(pivot, S(list.Get((list.Count - 5000) / 2 + 5000)));
        list.RemoveRange(0, list.Count);
        Assert.Equal(0, list.Count);
        Assert.Equal(0, list.NodeCount);
    }
}
