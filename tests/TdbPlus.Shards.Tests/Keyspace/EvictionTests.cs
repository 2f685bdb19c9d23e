using System.Text;
using TdbPlus.Shards.Config;
using TdbPlus.Shards.Engine;

namespace TdbPlus.Shards.Tests.Keyspace;

public sealed class EvictionTests : IDisposable
{
    private const long Now = 1_700_000_000_000;
    private readonly ServerConfig _config = new();
    private readonly ShardSet _engine;

    public EvictionTests()
    {
        _config["shards"].TrySet("1", out _);
        _engine = new ShardSet(_config);
    }

    public void Dispose() => _engine.Dispose();

    private Shard Shard => _engine.Shards[0];

    private void Fill(int keys, long ttlFrom = 0)
    {
        var db = Shard.Databases[0];
        var value = new byte[100];
        for (int i = 0; i < keys; i++)
            db.SetString(Encoding.ASCII.GetBytes($"key:{i}"), value, ttlFrom == 0 ? 0 : ttlFrom + i, Now);
    }

    [Fact]
    public void NoEvictionReportsOutOfMemory()
    {
        Fill(1000);
        _config["maxmemory"].TrySet("1000", out _);
        Assert.False(_engine.Eviction.EvictIfNeeded(Shard, Now));
        Assert.Equal(1000, Shard.Databases[0].Count);
    }

    [Theory]
    [InlineData("allkeys-lru")]
    [InlineData("allkeys-lfu")]
    [InlineData("allkeys-random")]
    public void AllKeysPoliciesEvictDownToTheBudget(string policy)
    {
        Fill(5000);
        long budget = Shard.UsedBytes / 2;
        _config["maxmemory-policy"].TrySet(policy, out _);
        _config["maxmemory"].TrySet(budget.ToString(), out _);
        Assert.True(_engine.Eviction.EvictIfNeeded(Shard, Now));
        Assert.True(Shard.UsedBytes <= budget);
        Assert.True(Shard.EvictedKeys > 0);
    }

    [Fact]
    public void VolatilePoliciesOnlyTouchKeysWithTtl()
    {
        Fill(2000);
        var db = Shard.Databases[0];
        for (int i = 0; i < 200; i++)
            db.SetString(Encoding.ASCII.GetBytes($"ttl:{i}"), new byte[100], Now + 60_000 + i, Now);
        _config["maxmemory-policy"].TrySet("volatile-ttl", out _);
        _config["maxmemory"].TrySet("1", out _);
        Assert.False(_engine.Eviction.EvictIfNeeded(Shard, Now));
        Assert.Equal(0, db.VolatileCount);
        Assert.Equal(2000, db.Count);
    }

    [Fact]
    public void LruEvictsTheLeastRecentlyUsedMostly()
    {
        var db = Shard.Databases[0];
        var value = new byte[100];
        for (int i = 0; i < 1000; i++) db.SetString(Encoding.ASCII.GetBytes($"old:{i}"), value, 0, Now);
        for (int i = 0; i < 1000; i++) db.SetString(Encoding.ASCII.GetBytes($"new:{i}"), value, 0, Now + 3_600_000);
        _config["maxmemory-policy"].TrySet("allkeys-lru", out _);
        _config["maxmemory"].TrySet((Shard.UsedBytes * 3 / 4).ToString(), out _);
        Assert.True(_engine.Eviction.EvictIfNeeded(Shard, Now + 3_600_000));
        int oldLeft = 0, newLeft = 0;
        for (int i = 0; i < 1000; i++)
        {
            if (db.Find(Encoding.ASCII.GetBytes($"old:{i}"), Now) != 0) oldLeft++;
            if (db.Find(Encoding.ASCII.GetBytes($"new:{i}"), Now) != 0) newLeft++;
        }
        Assert.True(newLeft > oldLeft, $"old {oldLeft} new {newLeft}");
    }
}
