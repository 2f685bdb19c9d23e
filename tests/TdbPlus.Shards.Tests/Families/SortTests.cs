using System.Diagnostics;

namespace TdbPlus.Shards.Tests.Families;

/// <summary>SORT / SORT_RO through the real executor on a multi-shard engine (BY/GET keys live on any shard).</summary>
public sealed class SortTests : IDisposable
{
    private readonly CommandHarness _h = new(shards: 4);

    public void Dispose() => _h.Dispose();

    [Fact]
    public void Numeric_alpha_desc_limit()
    {
        _h.Run("RPUSH", "l", "10", "2", "33", "-1");
        Assert.Equal(["-1", "2", "10", "33"], CommandHarness.Bulks(_h.Run("SORT", "l")));
        Assert.Equal(["33", "10", "2", "-1"], CommandHarness.Bulks(_h.Run("SORT", "l", "DESC")));
        Assert.Equal(["-1", "10", "2", "33"], CommandHarness.Bulks(_h.Run("SORT", "l", "ALPHA")));
        Assert.Equal(["2", "10"], CommandHarness.Bulks(_h.Run("SORT", "l", "LIMIT", "1", "2")));
        Assert.Equal(["33", "2"], CommandHarness.Bulks(_h.Run("SORT", "l", "BY", "nosort", "DESC", "LIMIT", "1", "2")));
        Assert.Equal("*0\r\n", _h.Run("SORT", "l", "LIMIT", "9", "2"));
    }

    [Fact]
    public void By_and_get_read_keys_on_every_shard()
    {
        _h.Run("SADD", "s", "a", "b", "c", "d");
        foreach (var (m, w) in new[] { ("a", "4"), ("b", "3"), ("c", "2"), ("d", "1") })
        {
            _h.Run("SET", "w:" + m, w);
            _h.Run("HSET", "h:" + m, "name", "N" + m);
        }
        Assert.Equal(["d", "c", "b", "a"], CommandHarness.Bulks(_h.Run("SORT", "s", "BY", "w:*")));
        Assert.Equal(["Nd", "d", "Nc", "c"],
            CommandHarness.Bulks(_h.Run("SORT", "s", "BY", "w:*", "GET", "h:*->name", "GET", "#", "LIMIT", "0", "2")));
        Assert.Equal("*2\r\n$-1\r\n$-1\r\n", _h.Run("SORT", "s", "BY", "w:*", "GET", "nostar", "LIMIT", "0", "2"));
        Assert.Equal(["a", "b", "c", "d"], CommandHarness.Bulks(_h.Run("SORT", "s", "BY", "h:*->name", "ALPHA")));
    }

    [Fact]
    public void Store_writes_a_list_replacing_the_destination()
    {
        _h.Run("ZADD", "z", "1", "x", "2", "y");
        _h.Run("SET", "dst", "old");
        Assert.Equal(":2\r\n", _h.Run("SORT", "z", "ALPHA", "DESC", "STORE", "dst"));
        Assert.Equal("+list\r\n", _h.Run("TYPE", "dst"));
        Assert.Equal(["y", "x"], CommandHarness.Bulks(_h.Run("LRANGE", "dst", "0", "-1")));
        Assert.Equal(":0\r\n", _h.Run("SORT", "missing", "STORE", "dst"));
        Assert.Equal(":0\r\n", _h.Run("EXISTS", "dst"));
        Assert.Equal("-ERR syntax error\r\n", _h.Run("SORT_RO", "z", "STORE", "dst"));
    }

    [Fact]
    public void Errors()
    {
        _h.Run("RPUSH", "words", "a", "b");
        _h.Run("SET", "str", "v");
        Assert.Equal("-ERR One or more scores can't be converted into double\r\n", _h.Run("SORT", "words"));
        Assert.Equal("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", _h.Run("SORT", "str"));
        Assert.Equal("-ERR value is not an integer or out of range\r\n", _h.Run("SORT", "words", "LIMIT", "x", "1"));
        Assert.Equal("-ERR syntax error\r\n", _h.Run("SORT", "words", "LIMIT", "1"));
    }

    [Fact]
    public void Declared_global_with_key_positions()
    {
        var def = _h.Table.Find("SORT"u8)!;
        Assert.Equal(TdbPlus.Shards.Commands.CommandRoute.AllShards, def.Route);
        Assert.Equal((1, 1, 1), (def.Spec.FirstKey, def.Spec.LastKey, def.Spec.KeyStep));
    }

    [Fact]
    public void Large_list_sorts_quickly()
    {
        const int n = 200_000;
        var args = new List<string> { "RPUSH", "big" };
        for (int i = n; i > 0; i--) args.Add(i.ToString());
        _h.Run([.. args]);
        var sw = Stopwatch.StartNew();
        var top = CommandHarness.Bulks(_h.Run("SORT", "big", "LIMIT", "0", "3"));
        Assert.Equal(["1", "2", "3"], top);
        Assert.Equal(":200000\r\n", _h.Run("SORT", "big", "DESC", "STORE", "sorted"));
        Assert.Equal(["200000"], CommandHarness.Bulks(_h.Run("LRANGE", "sorted", "0", "0")));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), sw.Elapsed.ToString());
    }
}
