using System.Text;
using TdbPlus.Shards.Collections;
using TdbPlus.Shards.Families.Sets;

namespace TdbPlus.Shards.Tests.Families;

/// <summary>The intset encoding and the set object's conversions.</summary>
public sealed class SetsIntSetTests
{
    private static byte[] B(string s) => Encoding.ASCII.GetBytes(s);

    private static List<long> All(IntSet s)
    {
        var list = new List<long>();
        for (int i = 0; i < s.Count; i++) list.Add(s[i]);
        return list;
    }

    [Fact]
    public void StaysSortedAndWidensAsNeeded()
    {
        var s = new IntSet();
        Assert.True(s.Add(5));
        Assert.True(s.Add(-3));
        Assert.False(s.Add(5));
        Assert.Equal(2, s.Width);
        Assert.True(s.Add(40000));
        Assert.Equal(4, s.Width);
        Assert.True(s.Add(-3_000_000_000));
        Assert.Equal(8, s.Width);
        Assert.True(s.Add(long.MaxValue));
        Assert.True(s.Add(long.MinValue));
        Assert.Equal([long.MinValue, -3_000_000_000, -3, 5, 40000, long.MaxValue], All(s));
        Assert.True(s.Contains(40000));
        Assert.False(s.Contains(40001));
        Assert.True(s.Remove(-3));
        Assert.False(s.Remove(-3));
        Assert.False(s.Remove(1L << 40));
        Assert.Equal([long.MinValue, -3_000_000_000, 5, 40000, long.MaxValue], All(s));
        var c = s.Clone();
        s.RemoveAt(0);
        Assert.Equal(5, c.Count);
        Assert.Equal(long.MinValue, c[0]);
    }

    [Fact]
    public void MatchesASortedSetUnderRandomOperations()
    {
        var rng = new Random(7);
        var s = new IntSet();
        var reference = new SortedSet<long>();
        for (int op = 0; op < 100_000; op++)
        {
            long v = rng.Next(3) switch
            {
                0 => rng.Next(-1000, 1000),
                1 => rng.Next(int.MinValue, int.MaxValue),
                _ => rng.NextInt64(long.MinValue, long.MaxValue),
            };
            if (rng.Next(3) == 0) Assert.Equal(reference.Remove(v), s.Remove(v));
            else Assert.Equal(reference.Add(v), s.Add(v));
        }
        Assert.Equal(reference.ToList(), All(s));
    }

    [Fact]
    public void SetUsesIntsetForIntegersOnly()
    {
        var set = SetObject.CreateFor(B("1"));
        Assert.Equal("intset", set.Encoding);
        Assert.True(set.Add(B("10"), 512));
        Assert.True(set.Add(B("-2"), 512));
        Assert.False(set.Add(B("10"), 512));
        Assert.True(set.Contains(B("-2")));
        Assert.False(set.Contains(B("+10")));
        Assert.False(set.Contains(B("010")));
        Span<byte> scratch = stackalloc byte[SetObject.ScratchSize];
        Assert.Equal("-2", Encoding.ASCII.GetString(set.At(0, scratch)));
        Assert.True(set.Add(B("010"), 512));
        Assert.Equal("hashtable", set.Encoding);
        Assert.Equal(3, set.Count);
        Assert.True(set.Contains(B("-2")));
        Assert.True(set.Contains(B("010")));
        Assert.Equal("hashtable", SetObject.CreateFor(B("-0")).Encoding);
        Assert.Equal("hashtable", SetObject.CreateFor(B("9223372036854775808")).Encoding);
    }

    [Fact]
    public void IntsetConvertsPastItsLimit()
    {
        var set = SetObject.NewIntSet();
        for (int i = 0; i < 512; i++) set.AddInteger(i, 512);
        Assert.Equal("intset", set.Encoding);
        set.AddInteger(511, 512);
        Assert.Equal("intset", set.Encoding);
        set.AddInteger(512, 512);
        Assert.Equal("hashtable", set.Encoding);
        Assert.Equal(513, set.Count);
        Assert.True(set.Contains(B("300")));
        Assert.True(set.AddInteger(-1, 512));
        Assert.True(set.Contains(B("-1")));
    }

    [Fact]
    public void ReplaceContentsTakesTheOtherEncoding()
    {
        var set = SetObject.CreateFor(B("a"));
        set.Add(B("a"), 512);
        var survivors = SetObject.NewIntSet();
        survivors.AddInteger(3, 512);
        set.ReplaceContents(survivors);
        Assert.Equal("intset", set.Encoding);
        Assert.True(set.Contains(B("3")));
        Assert.False(set.Contains(B("a")));
    }

    [Fact]
    public void OneMillionMembers()
    {
        var set = SetObject.NewTable();
        var m = new byte[20];
        for (int i = 0; i < 1_000_000; i++)
        {
            "member:"u8.CopyTo(m);
            System.Buffers.Text.Utf8Formatter.TryFormat(i, m.AsSpan(7), out int n);
            Assert.True(set.Add(m.AsSpan(0, 7 + n), 512));
        }
        Assert.Equal(1_000_000, set.Count);
        Assert.True(set.Contains(B("member:999999")));
        Assert.False(set.Contains(B("member:1000000")));
        for (int i = 0; i < 1000; i++) set.RemoveAt(Random.Shared.Next(set.Count));
        Assert.Equal(999_000, set.Count);
        Assert.True(set.MemoryBytes / 1_000_000.0 < 50, set.MemoryBytes.ToString());
    }
}
