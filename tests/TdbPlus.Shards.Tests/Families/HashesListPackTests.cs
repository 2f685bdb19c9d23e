using System.Text;
using TdbPlus.Shards.Collections;
using TdbPlus.Shards.Families.Hashes;

namespace TdbPlus.Shards.Tests.Families;

/// <summary>The listpack encoding and the hash object's conversions.</summary>
public sealed class HashesListPackTests
{
    private static byte[] B(string s) => Encoding.ASCII.GetBytes(s);

    private static string S(ReadOnlySpan<byte> b) => Encoding.ASCII.GetString(b);

    private static List<string> All(ListPack p)
    {
        var list = new List<string>();
        int pos = 0;
        while (pos < p.ByteLength) list.Add(S(p.Read(ref pos)));
        return list;
    }

    [Fact]
    public void AppendFindReplaceRemove()
    {
        var p = new ListPack();
        p.Append(B("a"));
        p.Append(B("1"));
        p.Append(B("b"));
        p.Append(B(new string('x', 200)));
        p.Append(B("c"));
        p.Append(B(""));
        Assert.Equal(6, p.Count);
        Assert.Equal(["a", "1", "b", new string('x', 200), "c", ""], All(p));
        int b = p.Find(B("b"), 2);
        Assert.True(b > 0);
        Assert.Equal(-1, p.Find(B("1"), 2));
        Assert.Equal(2, p.Find(B("1")));
        int value = b;
        p.Skip(ref value);
        p.Replace(value, B("short"));
        Assert.Equal(["a", "1", "b", "short", "c", ""], All(p));
        p.Replace(value, B(new string('y', 500)));
        Assert.Equal(["a", "1", "b", new string('y', 500), "c", ""], All(p));
        p.Remove(b, 2);
        Assert.Equal(["a", "1", "c", ""], All(p));
        Assert.Equal(4, p.Count);
        var copy = p.Clone();
        p.Remove(0, 4);
        Assert.Equal(0, p.Count);
        Assert.Equal(["a", "1", "c", ""], All(copy));
    }

    [Fact]
    public void HashKeepsInsertionOrderAndConvertsOnEntries()
    {
        var h = new HashObject();
        for (int i = 0; i < 10; i++) Assert.True(h.Set(B("f" + i), B("v" + i), 10, 64));
        Assert.Equal("listpack", h.Encoding);
        Assert.False(h.Set(B("f3"), B("changed"), 10, 64));
        var fields = new List<string>();
        var e = h.GetEnumerator();
        while (e.MoveNext()) fields.Add(S(e.Field) + "=" + S(e.Value));
        Assert.Equal("f0=v0 f1=v1 f2=v2 f3=changed f4=v4 f5=v5 f6=v6 f7=v7 f8=v8 f9=v9", string.Join(' ', fields));
        h.PairAt(3, h.PairIndex(), out var f, out var v);
        Assert.Equal("f3", S(f));
        Assert.Equal("changed", S(v));
        Assert.True(h.Set(B("f10"), B("v10"), 10, 64));
        Assert.Equal("hashtable", h.Encoding);
        Assert.Equal(11, h.Count);
        Assert.True(h.TryGet(B("f3"), out v));
        Assert.Equal("changed", S(v));
        Assert.True(h.Delete(B("f10")));
        Assert.Equal("hashtable", h.Encoding);
    }

    [Fact]
    public void HashConvertsOnLongFieldOrValue()
    {
        var h = new HashObject();
        h.Set(B("a"), B(new string('v', 64)), 128, 64);
        Assert.Equal("listpack", h.Encoding);
        h.Set(B("b"), B(new string('v', 65)), 128, 64);
        Assert.Equal("hashtable", h.Encoding);
        var h2 = new HashObject();
        h2.ConvertIfTooLong(64, 64);
        Assert.Equal("listpack", h2.Encoding);
        h2.ConvertIfTooLong(65, 64);
        Assert.Equal("hashtable", h2.Encoding);
    }

    [Fact]
    public void CloneOfAHashIsDeep()
    {
        var h = new HashObject();
        h.Set(B("a"), B("1"), 128, 64);
        var c = (HashObject)h.Clone();
        h.Set(B("a"), B("2"), 128, 64);
        Assert.True(c.TryGet(B("a"), out var v));
        Assert.Equal("1", S(v));
    }
}
