using StackExchange.Redis;

namespace TdbPlus.Server.Tests;

/// <summary>The data types, transactions and scripts through StackExchange.Redis, with keys spread over shards.</summary>
public sealed class StackExchangeTypesTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IDisposable
{
    private readonly ConnectionMultiplexer _mux = ConnectionMultiplexer.Connect(
        $"127.0.0.1:{fixture.Port},allowAdmin=true,abortConnect=true,connectTimeout=10000,syncTimeout=10000");

    private IDatabase Db => _mux.GetDatabase(5);

    public void Dispose() => _mux.Dispose();

    [Fact]
    public void Hashes()
    {
        Db.KeyDelete("t:h");
        Db.HashSet("t:h", [new("a", "1"), new("b", "2")]);
        Assert.Equal("2", (string?)Db.HashGet("t:h", "b"));
        Assert.Equal(5, Db.HashIncrement("t:h", "a", 4));
        Assert.Equal(2, Db.HashLength("t:h"));
        var all = Db.HashGetAll("t:h").ToDictionary(e => (string)e.Name!, e => (string?)e.Value);
        Assert.Equal("5", all["a"]);
        Assert.True(Db.HashDelete("t:h", "a"));
        Assert.False(Db.HashExists("t:h", "a"));
    }

    [Fact]
    public async Task ListsIncludingABlockingPop()
    {
        Db.KeyDelete(["t:l", "t:l2"]);
        Db.ListRightPush("t:l", ["a", "b", "c"]);
        Assert.Equal(["a", "b", "c"], Db.ListRange("t:l").Select(v => (string)v!));
        Assert.Equal("a", (string?)Db.ListLeftPop("t:l"));
        Assert.Equal("c", (string?)Db.ListMove("t:l", "t:l2", ListSide.Right, ListSide.Left));
        Assert.Equal(1, Db.ListLength("t:l2"));
        var blocked = Db.ExecuteAsync("BLPOP", "t:empty", "5");
        await Task.Delay(100);
        // StackExchange.Redis multiplexes one connection: the push must come from another client.
        using var other = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{fixture.Port}");
        await other.GetDatabase(5).ListRightPushAsync("t:empty", "woke");
        var popped = (RedisResult[])(await blocked)!;
        Assert.Equal("woke", (string?)popped[1]);
    }

    [Fact]
    public void SetsAcrossShards()
    {
        Db.KeyDelete(["t:s1", "t:s2", "t:s3"]);
        Db.SetAdd("t:s1", ["a", "b", "c"]);
        Db.SetAdd("t:s2", ["b", "c", "d"]);
        Assert.Equal(["b", "c"], Db.SetCombine(SetOperation.Intersect, "t:s1", "t:s2").Select(v => (string)v!).Order());
        Assert.Equal(4, Db.SetCombineAndStore(SetOperation.Union, "t:s3", "t:s1", "t:s2"));
        Assert.True(Db.SetContains("t:s3", "d"));
    }

    [Fact]
    public void SortedSetsAndGeo()
    {
        Db.KeyDelete(["t:z", "t:geo"]);
        Db.SortedSetAdd("t:z", [new("x", 3), new("y", 1), new("z", 2)]);
        Assert.Equal(["y", "z", "x"], Db.SortedSetRangeByRank("t:z").Select(v => (string)v!));
        Assert.Equal(2, Db.SortedSetRank("t:z", "x"));
        Assert.Equal(3.5, Db.SortedSetIncrement("t:z", "y", 2.5));
        Db.GeoAdd("t:geo", 13.361389, 38.115556, "Palermo");
        Db.GeoAdd("t:geo", 15.087269, 37.502669, "Catania");
        double? km = Db.GeoDistance("t:geo", "Palermo", "Catania", GeoUnit.Kilometers);
        Assert.NotNull(km);
        Assert.InRange(km!.Value, 166.2, 166.3);
    }

    [Fact]
    public void StreamsAndHyperLogLog()
    {
        Db.KeyDelete(["t:x", "t:hll"]);
        var id = Db.StreamAdd("t:x", "f", "v");
        Assert.Equal(1, Db.StreamLength("t:x"));
        Assert.Equal(id, Db.StreamRange("t:x").Single().Id);
        Db.HyperLogLogAdd("t:hll", Enumerable.Range(0, 1000).Select(i => (RedisValue)$"e{i}").ToArray());
        Assert.InRange(Db.HyperLogLogLength("t:hll"), 980, 1020);
    }

    [Fact]
    public async Task TransactionsAreAtomicAndHonourConditions()
    {
        Db.KeyDelete(["t:a", "t:b", "t:c"]);
        var tx = Db.CreateTransaction();
        tx.AddCondition(Condition.KeyNotExists("t:a"));
        _ = tx.StringSetAsync("t:a", "1");
        _ = tx.StringSetAsync("t:b", "2");
        var incr = tx.StringIncrementAsync("t:c", 5);
        Assert.True(tx.Execute());
        Assert.Equal(5, await incr);
        var again = Db.CreateTransaction();
        again.AddCondition(Condition.KeyNotExists("t:a"));
        _ = again.StringSetAsync("t:b", "changed");
        Assert.False(again.Execute());
        Assert.Equal("2", (string?)Db.StringGet("t:b"));
    }

    [Fact]
    public void ScriptsTouchKeysOnAnyShard()
    {
        Db.KeyDelete(["t:k1", "t:k2"]);
        var result = Db.ScriptEvaluate(
            "redis.call('SET', KEYS[1], ARGV[1]); redis.call('SET', 't:k2', ARGV[1]); return redis.call('GET', 't:k2')",
            ["t:k1"], ["value"]);
        Assert.Equal("value", (string?)result);
        Assert.Equal("value", (string?)Db.StringGet("t:k1"));
    }
}
