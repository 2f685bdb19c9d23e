using StackExchange.Redis;

namespace TdbPlus.Server.Tests;

/// <summary>The server through a real client library: strings, databases, keys on every shard, INFO, CONFIG, CLIENT.</summary>
public sealed class StackExchangeTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IDisposable
{
    private readonly ConnectionMultiplexer _mux = ConnectionMultiplexer.Connect(
        $"127.0.0.1:{fixture.Port},allowAdmin=true,abortConnect=true,connectTimeout=10000,syncTimeout=10000");

    private IServer Server => _mux.GetServer("127.0.0.1", fixture.Port);

    private bool Has(string command) => !Server.Execute("COMMAND", "INFO", command).Resp2Type.Equals(ResultType.None) &&
        ((RedisResult[])Server.Execute("COMMAND", "INFO", command)!)[0].Resp2Type != ResultType.BulkString;

    public void Dispose() => _mux.Dispose();

    [Fact]
    public void StringSetAndGet()
    {
        var db = _mux.GetDatabase(0);
        Assert.True(db.StringSet("se:greeting", "hello"));
        Assert.Equal("hello", (string?)db.StringGet("se:greeting"));
        Assert.True(db.StringGet("se:missing").IsNull);
        Assert.True(db.StringSet("se:greeting", "bye"));
        Assert.Equal("bye", (string?)db.StringGet("se:greeting"));
    }

    [Fact]
    public void DatabasesAreIsolated()
    {
        var db1 = _mux.GetDatabase(1);
        var db2 = _mux.GetDatabase(2);
        db1.StringSet("se:iso", "one");
        db2.StringSet("se:iso", "two");
        Assert.Equal("one", (string?)db1.StringGet("se:iso"));
        Assert.Equal("two", (string?)db2.StringGet("se:iso"));
        Assert.True(_mux.GetDatabase(3).StringGet("se:iso").IsNull);
    }

    [Fact]
    public void KeysOnEveryShardAreCountedInInfoKeyspace()
    {
        var db = _mux.GetDatabase(9);
        for (int i = 0; i < 300; i++) db.StringSet($"k{i}", $"v{i}");
        for (int i = 0; i < 300; i++) Assert.Equal($"v{i}", (string?)db.StringGet($"k{i}"));
        var keyspace = Server.Info("keyspace").SelectMany(g => g).ToDictionary(p => p.Key, p => p.Value);
        Assert.StartsWith("keys=300,expires=0,", keyspace["db9"]);
        if (Has("MGET"))
        {
            var keys = Enumerable.Range(0, 300).Select(i => (RedisKey)$"k{i}").ToArray();
            var values = db.StringGet(keys);
            for (int i = 0; i < 300; i++) Assert.Equal($"v{i}", (string?)values[i]);
        }
    }

    [Fact]
    public void ExpiryWhenAvailable()
    {
        if (!Has("PEXPIRE") || !Has("PTTL")) return; // expiry commands come from another family
        var db = _mux.GetDatabase(4);
        db.StringSet("se:ttl", "v");
        Assert.True(db.KeyExpire("se:ttl", TimeSpan.FromMilliseconds(200)));
        Assert.NotNull(db.KeyTimeToLive("se:ttl"));
        Thread.Sleep(400);
        Assert.True(db.StringGet("se:ttl").IsNull);
    }

    [Fact]
    public void InfoHasRedisSections()
    {
        var info = Server.Info().ToDictionary(g => g.Key, g => g.ToDictionary(p => p.Key, p => p.Value));
        Assert.Equal("7.0.15", info["Server"]["redis_version"]);
        Assert.Equal("standalone", info["Server"]["redis_mode"]);
        Assert.Equal(fixture.Port.ToString(), info["Server"]["tcp_port"]);
        Assert.True(int.Parse(info["Clients"]["connected_clients"]) >= 1);
        Assert.True(long.Parse(info["Memory"]["used_memory"]) > 0);
        Assert.Equal("0", info["Persistence"]["loading"]);
        Assert.Equal("master", info["Replication"]["role"]);
        Assert.Contains("used_cpu_user", info["CPU"].Keys);
        Assert.Contains("keyspace_hits", info["Stats"].Keys);
        Assert.Equal(new Version(7, 0, 15), Server.Version);
    }

    [Fact]
    public void ConfigGetAndSet()
    {
        var maxmemory = Server.ConfigGet("maxmemory");
        Assert.Equal("0", Assert.Single(maxmemory).Value);
        Assert.True(Server.ConfigGet("slowlog-*").Length >= 2);
        Server.ConfigSet("slowlog-max-len", "77");
        Assert.Equal("77", Server.ConfigGet("slowlog-max-len")[0].Value);
        Server.ConfigSet("slowlog-max-len", "128");
        var ex = Assert.Throws<RedisServerException>(() => Server.ConfigSet("no-such-directive", "1"));
        Assert.Equal("ERR Unknown option or number of arguments for CONFIG SET - 'no-such-directive'", ex.Message);
    }

    [Fact]
    public void ClientListSetNameAndKill()
    {
        using var other = ConnectionMultiplexer.Connect($"127.0.0.1:{fixture.Port},abortConnect=true,name=victim");
        other.GetDatabase().Ping();
        var victim = Server.ClientList().First(c => c.Name == "victim");
        Assert.True(victim.Id > 0);
        Assert.Equal(1, Server.ClientKill(victim.Id));
        Assert.DoesNotContain(Server.ClientList(), c => c.Id == victim.Id);
    }
}
