using TdbPlus.Shards.Tests.Engine;

namespace TdbPlus.Shards.Tests.Families;

/// <summary>Generic key commands through the executor, with one shard and with keys spread over four.</summary>
public sealed class KeyFamilyTests
{
    public static TheoryData<int> ShardCounts => [1, 4];

    [Theory]
    [MemberData(nameof(ShardCounts))]
    public void DelExistsTypeTouch(int shards)
    {
        using var h = new CommandHarness(shards);
        var (a, b, c) = h.KeysOnDifferentShards();
        h.Run("SET", a, "1");
        h.Run("SET", b, "2");
        Assert.Equal(":3\r\n", h.Run("EXISTS", a, b, a, c));
        Assert.Equal(":2\r\n", h.Run("TOUCH", a, b, c));
        Assert.Equal("+string\r\n", h.Run("TYPE", a));
        Assert.Equal("+none\r\n", h.Run("TYPE", c));
        Assert.Equal(":2\r\n", h.Run("DEL", a, b, c, a));
        Assert.Equal(":0\r\n", h.Run("UNLINK", a, b));
        Assert.Equal(":0\r\n", h.Run("DBSIZE"));
    }

    [Theory]
    [MemberData(nameof(ShardCounts))]
    public void RenameAcrossShardsKeepsValueTtlAndEncoding(int shards)
    {
        using var h = new CommandHarness(shards);
        var (a, b, _) = h.KeysOnDifferentShards();
        h.Run("SET", a, "12345");
        Assert.Equal(":1\r\n", h.Run("PEXPIRE", a, "100000"));
        Assert.Equal("+OK\r\n", h.Run("RENAME", a, b));
        Assert.Equal("$-1\r\n", h.Run("GET", a));
        Assert.Equal("$5\r\n12345\r\n", h.Run("GET", b));
        long pttl = long.Parse(h.Run("PTTL", b)[1..^2]);
        Assert.InRange(pttl, 90000, 100000);
        Assert.Equal("$3\r\nint\r\n", h.Run("OBJECT", "ENCODING", b));
        Assert.Equal("-ERR no such key\r\n", h.Run("RENAME", a, b));
        Assert.Equal("+OK\r\n", h.Run("RENAME", b, b));
        Assert.Equal(":1\r\n", h.Run("DBSIZE"));
    }

    [Theory]
    [MemberData(nameof(ShardCounts))]
    public void RenameNx(int shards)
    {
        using var h = new CommandHarness(shards);
        var (a, b, c) = h.KeysOnDifferentShards();
        h.Run("SET", a, "x");
        h.Run("SET", b, "y");
        Assert.Equal(":0\r\n", h.Run("RENAMENX", a, b));
        Assert.Equal(":0\r\n", h.Run("RENAMENX", a, a));
        Assert.Equal(":1\r\n", h.Run("RENAMENX", a, c));
        Assert.Equal("$1\r\nx\r\n", h.Run("GET", c));
        Assert.Equal("$1\r\ny\r\n", h.Run("GET", b));
        Assert.Equal("-ERR no such key\r\n", h.Run("RENAMENX", a, c));
    }

    [Theory]
    [MemberData(nameof(ShardCounts))]
    public void CopyWithDbAndReplace(int shards)
    {
        using var h = new CommandHarness(shards);
        var (a, b, _) = h.KeysOnDifferentShards();
        h.Run("SET", a, "hello");
        h.Run("PEXPIRE", a, "50000");
        Assert.Equal(":1\r\n", h.Run("COPY", a, b));
        Assert.Equal(":0\r\n", h.Run("COPY", a, b));
        h.Run("SET", a, "world");
        Assert.Equal(":1\r\n", h.Run("COPY", a, b, "REPLACE"));
        Assert.Equal("$5\r\nworld\r\n", h.Run("GET", b));
        Assert.Equal(":-1\r\n", h.Run("TTL", b));
        Assert.Equal(":1\r\n", h.Run("COPY", a, a, "DB", "2"));
        Assert.Equal("-ERR source and destination objects are the same\r\n", h.Run("COPY", a, a));
        Assert.Equal("-ERR DB index is out of range\r\n", h.Run("COPY", a, b, "DB", "16"));
        Assert.Equal("-ERR value is out of range, value must between -2147483648 and 2147483647\r\n",
            h.Run("COPY", a, b, "DB", "99999999999"));
        Assert.Equal("-ERR syntax error\r\n", h.Run("COPY", a, b, "DB"));
        Assert.Equal(":0\r\n", h.Run("COPY", "nokey", b));
        h.Session.DbIndex = 2;
        Assert.Equal("$5\r\nworld\r\n", h.Run("GET", a));
    }

    [Theory]
    [MemberData(nameof(ShardCounts))]
    public void MoveBetweenDatabases(int shards)
    {
        using var h = new CommandHarness(shards);
        h.Run("SET", "m", "v");
        // An absolute expiry, so the check below does not depend on how long the test takes.
        h.Run("PEXPIREAT", "m", "4102444800000");
        Assert.Equal("-ERR source and destination objects are the same\r\n", h.Run("MOVE", "m", "0"));
        Assert.Equal("-ERR value is not an integer or out of range\r\n", h.Run("MOVE", "m", "x"));
        Assert.Equal(":1\r\n", h.Run("MOVE", "m", "1"));
        Assert.Equal(":0\r\n", h.Run("MOVE", "m", "1"));
        h.Session.DbIndex = 1;
        Assert.Equal("$1\r\nv\r\n", h.Run("GET", "m"));
        Assert.Equal(":4102444800000\r\n", h.Run("PEXPIRETIME", "m"));
        h.Run("SET", "n", "1");
        h.Session.DbIndex = 0;
        h.Run("SET", "n", "0");
        Assert.Equal(":0\r\n", h.Run("MOVE", "n", "1"));
    }

    [Fact]
    public async Task RichValuesChangeObjectTableWhenRenamedAcrossShards()
    {
        using var h = new CommandHarness(4);
        var (a, b, _) = h.KeysOnDifferentShards();
        var source = h.Engine.ShardFor(System.Text.Encoding.ASCII.GetBytes(a));
        var target = h.Engine.ShardFor(System.Text.Encoding.ASCII.GetBytes(b));
        var payload = new CloneableList { "x", "y" };
        var hold = await h.Engine.AcquireAsync(h.Engine.AllShardsMask);
        try
        {
            var db = source.Databases[0];
            nint rec = db.Create(System.Text.Encoding.ASCII.GetBytes(a), 0, 0, TdbPlus.Shards.Keyspace.KeyType.List, h.Engine.Clock.NowMs);
            TdbPlus.Shards.Storage.Record.SetHandle(rec, source.Store.Objects.Add(payload));
        }
        finally
        {
            hold.Release();
        }
        Assert.Equal("+list\r\n", h.Run("TYPE", a));
        Assert.Equal(":1\r\n", h.Run("COPY", a, "copy:" + a));
        Assert.Equal("+OK\r\n", h.Run("RENAME", a, b));
        Assert.Equal("+list\r\n", h.Run("TYPE", b));
        Assert.Equal(0, source.Store.Objects.Count - (source == h.Engine.ShardFor(System.Text.Encoding.ASCII.GetBytes("copy:" + a)) ? 1 : 0));
        Assert.Equal(1, target.Store.Objects.Count - (target == h.Engine.ShardFor(System.Text.Encoding.ASCII.GetBytes("copy:" + a)) ? 1 : 0));
        Assert.Equal("$9\r\nquicklist\r\n", h.Run("OBJECT", "ENCODING", b));
        Assert.Equal(":2\r\n", h.Run("DEL", b, "copy:" + a));
        Assert.Equal(0, source.Store.Objects.Count + target.Store.Objects.Count);
    }

    private sealed class CloneableList : List<string>, TdbPlus.Shards.Keyspace.IKeyObject
    {
        public long MemoryBytes => 64 + Count * 8;

        public string Encoding => "quicklist";

        public TdbPlus.Shards.Keyspace.IKeyObject Clone()
        {
            var copy = new CloneableList();
            copy.AddRange(this);
            return copy;
        }
    }
}
