namespace TdbPlus.Shards.Tests.Families;

/// <summary>SCAN, KEYS, RANDOMKEY, DBSIZE, FLUSHDB, FLUSHALL, SWAPDB, OBJECT.</summary>
public sealed class KeyspaceTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(8)]
    public void ScanVisitsEveryKeyOnceAcrossShards(int shards)
    {
        using var h = new CommandHarness(shards);
        const int n = 3000;
        var set = new string[n][];
        for (int i = 0; i < n; i++) set[i] = ["SET", "key:" + i, "v"];
        h.Pipeline(set);
        Assert.Equal($":{n}\r\n", h.Run("DBSIZE"));
        foreach (int count in new[] { 1, 10, 1000, 100000 })
        {
            var seen = new List<string>();
            ulong cursor = 0;
            int calls = 0;
            do
            {
                var (next, keys) = CommandHarness.ParseScan(h.Run("SCAN", cursor.ToString(), "COUNT", count.ToString()));
                seen.AddRange(keys);
                cursor = next;
                Assert.True(++calls < 10 * n);
            } while (cursor != 0);
            Assert.Equal(n, seen.Count);
            Assert.Equal(n, seen.Distinct().Count());
        }
        var matched = new HashSet<string>();
        ulong c = 0;
        do
        {
            var (next, keys) = CommandHarness.ParseScan(h.Run("SCAN", c.ToString(), "MATCH", "key:1?", "TYPE", "STRING"));
            matched.UnionWith(keys);
            c = next;
        } while (c != 0);
        Assert.Equal(10, matched.Count);
        Assert.Equal(n, CommandHarness.Bulks(h.Run("KEYS", "*")).Count);
        Assert.Equal(100, CommandHarness.Bulks(h.Run("KEYS", "key:1[0-9]?")).Count);
    }

    [Fact]
    public void ScanArgumentErrors()
    {
        using var h = new CommandHarness(2);
        Assert.Equal("-ERR invalid cursor\r\n", h.Run("SCAN", "abc", "COUNT", "x"));
        Assert.Equal("-ERR invalid cursor\r\n", h.Run("SCAN", " 1"));
        Assert.Equal("-ERR value is not an integer or out of range\r\n", h.Run("SCAN", "0", "COUNT", "x"));
        Assert.Equal("-ERR syntax error\r\n", h.Run("SCAN", "0", "COUNT", "0"));
        Assert.Equal("-ERR syntax error\r\n", h.Run("SCAN", "0", "MATCH"));
        Assert.Equal("-ERR syntax error\r\n", h.Run("SCAN", "0", "FOO", "bar"));
        Assert.StartsWith("*2\r\n$1\r\n", h.Run("SCAN", ""));
        Assert.StartsWith("*2\r\n", h.Run("SCAN", "-1"));
        Assert.StartsWith("*2\r\n", h.Run("SCAN", "+1"));
    }

    [Fact]
    public void FlushAndSwap()
    {
        using var h = new CommandHarness(4);
        for (int i = 0; i < 100; i++) h.Run("SET", "a" + i, "v");
        h.Session.DbIndex = 1;
        for (int i = 0; i < 10; i++) h.Run("SET", "b" + i, "v");
        Assert.Equal("+OK\r\n", h.Run("SWAPDB", "0", "1"));
        Assert.Equal(":100\r\n", h.Run("DBSIZE"));
        Assert.Equal("-ERR invalid first DB index\r\n", h.Run("SWAPDB", "x", "1"));
        Assert.Equal("-ERR invalid second DB index\r\n", h.Run("SWAPDB", "0", "99999999999"));
        Assert.Equal("-ERR DB index is out of range\r\n", h.Run("SWAPDB", "0", "16"));
        Assert.Equal("-ERR syntax error\r\n", h.Run("FLUSHDB", "LAZY"));
        Assert.Equal("+OK\r\n", h.Run("FLUSHDB", "ASYNC"));
        Assert.Equal(":0\r\n", h.Run("DBSIZE"));
        Assert.Equal("$-1\r\n", h.Run("RANDOMKEY"));
        h.Session.DbIndex = 0;
        Assert.Equal(":10\r\n", h.Run("DBSIZE"));
        Assert.Equal("+OK\r\n", h.Run("FLUSHALL", "SYNC"));
        Assert.Equal(":0\r\n", h.Run("DBSIZE"));
        for (int i = 0; i < 10; i++) h.Run("SET", "c" + i, "v");
        Assert.Equal("+OK\r\n", h.Run("FLUSHALL"));
        Assert.Equal("+OK\r\n", h.Run("FLUSHALL"));
        Assert.Equal("*0\r\n", h.Run("KEYS", "*"));
    }

    [Fact]
    public void ObjectSubcommands()
    {
        using var h = new CommandHarness(2);
        h.Run("SET", "i", "1234");
        h.Run("SET", "big", "123456");
        h.Run("SET", "neg", "-5");
        h.Run("SET", "lead", "0123");
        h.Run("SET", "e", new string('x', 44));
        h.Run("SET", "r", new string('x', 45));
        Assert.Equal("$3\r\nint\r\n", h.Run("OBJECT", "ENCODING", "i"));
        Assert.Equal("$6\r\nembstr\r\n", h.Run("OBJECT", "ENCODING", "lead"));
        Assert.Equal("$6\r\nembstr\r\n", h.Run("OBJECT", "ENCODING", "e"));
        Assert.Equal("$3\r\nraw\r\n", h.Run("OBJECT", "encoding", "r"));
        Assert.Equal(":2147483647\r\n", h.Run("OBJECT", "REFCOUNT", "i"));
        Assert.Equal(":1\r\n", h.Run("OBJECT", "REFCOUNT", "big"));
        Assert.Equal(":1\r\n", h.Run("OBJECT", "REFCOUNT", "neg"));
        Assert.Matches("^:[0-2]\r\n$", h.Run("OBJECT", "IDLETIME", "i"));
        Assert.StartsWith("-ERR An LFU maxmemory policy is not selected", h.Run("OBJECT", "FREQ", "i"));
        Assert.Equal("$-1\r\n", h.Run("OBJECT", "FREQ", "nokey"));
        Assert.Equal("-ERR unknown subcommand 'foo'. Try OBJECT HELP.\r\n", h.Run("OBJECT", "foo"));
        Assert.Equal("-ERR wrong number of arguments for 'object|encoding' command\r\n", h.Run("OBJECT", "ENCODING"));
        Assert.StartsWith("*15\r\n+OBJECT <subcommand>", h.Run("OBJECT", "HELP"));
        h.Protocol = 3;
        Assert.Equal("_\r\n", h.Run("OBJECT", "ENCODING", "nokey"));
        h.Engine.Config["maxmemory-policy"].TrySet("allkeys-lfu", out _);
        h.Run("SET", "fresh", "v");
        Assert.Equal(":5\r\n", h.Run("OBJECT", "FREQ", "fresh"));
        Assert.StartsWith("-ERR An LFU maxmemory policy is selected", h.Run("OBJECT", "IDLETIME", "i"));
    }

    [Fact]
    public void DeclaredLikeRedis()
    {
        using var h = new CommandHarness(1);
        var del = h.Table.Find("del")!.Spec;
        Assert.Equal((-2, 1, -1, 1), (del.Arity, del.FirstKey, del.LastKey, del.KeyStep));
        var rename = h.Table.Find("rename")!.Spec;
        Assert.Equal((3, 1, 2, 1), (rename.Arity, rename.FirstKey, rename.LastKey, rename.KeyStep));
        var obj = h.Table.Find("object")!;
        Assert.Equal(2, obj.Subcommands!["encoding"].Spec.FirstKey);
        Assert.Equal(Commands.CommandRoute.AllShards, h.Table.Find("keys")!.Route);
        Assert.Equal(Commands.CommandRoute.AllShards, h.Table.Find("scan")!.Route);
    }
}
