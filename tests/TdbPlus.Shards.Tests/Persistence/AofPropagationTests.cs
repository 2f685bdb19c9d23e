namespace TdbPlus.Shards.Tests.Persistence;

/// <summary>What the log records for each write: Redis 7.0's propagation rewrites, SELECT, MULTI/EXEC and units.</summary>
public sealed class AofPropagationTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tdbplus-aofunit-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static void AssertAbsolute(string logged, string prefix, long expected)
    {
        Assert.StartsWith(prefix, logged);
        long at = long.Parse(logged[prefix.Length..].Split(' ')[0]);
        Assert.InRange(at, expected - 5_000, expected + 5_000);
    }

    [Fact]
    public void RelativeExpiriesAreLoggedAsAbsoluteTimes()
    {
        using (var h = new AofHarness(_dir, 1))
        {
            h.Run("SET", "k", "v");
            h.Run("EXPIRE", "k", "100");
            h.Run("PEXPIRE", "k", "5000");
            h.Run("EXPIREAT", "k", "4000000000");
            h.Run("SETEX", "s", "100", "v");
            h.Run("PSETEX", "p", "100000", "v");
            h.Run("SET", "x", "v", "NX", "EX", "100");
            h.Run("SET", "y", "v", "PXAT", "4000000000000");
            h.Run("GETEX", "y", "EX", "10");
            h.Run("GETEX", "y", "PERSIST");
            h.Run("EXPIRE", "missing", "10");
        }
        var log = AofHarness.Commands(_dir, 0);
        long now = Now;
        Assert.Equal("SELECT 0", log[0]);
        Assert.Equal("SET k v", log[1]);
        AssertAbsolute(log[2], "PEXPIREAT k ", now + 100_000);
        AssertAbsolute(log[3], "PEXPIREAT k ", now + 5_000);
        Assert.Equal("PEXPIREAT k 4000000000000", log[4]);
        AssertAbsolute(log[5], "SET s v PXAT ", now + 100_000);
        AssertAbsolute(log[6], "SET p v PXAT ", now + 100_000);
        AssertAbsolute(log[7], "SET x v PXAT ", now + 100_000);
        Assert.Equal("SET y v PXAT 4000000000000", log[8]);
        AssertAbsolute(log[9], "PEXPIREAT y ", now + 10_000);
        Assert.Equal("PERSIST y", log[10]);
        Assert.Equal(11, log.Count); // EXPIRE of a missing key changed nothing
    }

    [Fact]
    public void OutcomesAreLoggedForRandomAndComputedResults()
    {
        string popped, id;
        using (var h = new AofHarness(_dir, 1))
        {
            h.Run("SADD", "s", "a", "b", "c");
            popped = h.Run("SPOP", "s").Split("\r\n")[1];
            h.Run("INCRBYFLOAT", "f", "1.5");
            h.Run("HINCRBYFLOAT", "h", "fld", "2.5");
            id = h.Run("XADD", "x", "MAXLEN", "~", "100", "*", "k", "v").Split("\r\n")[1];
            h.Run("RPUSH", "l", "1", "2", "3");
            h.Run("LMPOP", "2", "none", "l", "LEFT", "COUNT", "2");
            h.Run("GET", "f");
            h.Run("SET", "f", "1", "XX", "NX");
        }
        var log = AofHarness.Commands(_dir, 0);
        Assert.Equal(
        [
            "SELECT 0", "SADD s a b c", "SREM s " + popped, "SET f 1.5 KEEPTTL", "HSET h fld 2.5",
            $"XADD x MAXLEN ~ 100 {id} k v", "RPUSH l 1 2 3", "LPOP l 2",
        ], log);
    }

    [Fact]
    public void AServedBlockingPopIsLoggedAsThePlainPop()
    {
        using (var h = new AofHarness(_dir, 1))
        {
            h.Run("RPUSH", "l", "a");
            h.Run("BLPOP", "empty", "l", "0");
            h.Run("ZADD", "z", "1", "m");
            h.Run("BZPOPMIN", "z", "0");
            h.Run("RPUSH", "src", "x");
            h.Run("BLMOVE", "src", "dst", "LEFT", "RIGHT", "0");
        }
        var log = AofHarness.Commands(_dir, 0);
        Assert.Equal(["SELECT 0", "RPUSH l a", "LPOP l", "ZADD z 1 m", "ZPOPMIN z", "RPUSH src x", "LMOVE src dst LEFT RIGHT"], log);
    }

    [Fact]
    public void TransactionsScriptsAndMultiShardCommandsAreUnits()
    {
        string[] keys;
        using (var h = new AofHarness(_dir, 2))
        {
            keys = h.KeysOnDifferentShards("k");
            string a = keys[0], b = keys[1];
            h.Session.DbIndex = 3;
            h.Run("MSET", a, "1", b, "2");
            h.Pipeline(["MULTI"], ["INCR", a], ["INCR", a], ["EXEC"]);
            h.Run("EVAL", "redis.call('set', KEYS[1], 'x') redis.call('del', KEYS[1])", "1", a);
            h.Run("EVAL", "return redis.call('get', KEYS[1])", "1", a);
            h.Run("FLUSHALL");
        }
        var shard0 = AofHarness.Commands(_dir, 0);
        var shard1 = AofHarness.Commands(_dir, 1);
        Assert.Equal(
        [
            "TDB.TXBEGIN 1 2", "SELECT 3", $"MSET {keys[0]} 1 {keys[1]} 2", "TDB.TXEND 1",
            "MULTI", $"INCR {keys[0]}", $"INCR {keys[0]}", "EXEC",
            "MULTI", $"set {keys[0]} x", $"del {keys[0]}", "EXEC",
            "TDB.TXBEGIN 5 2", "SELECT 3", "FLUSHALL", "TDB.TXEND 5",
        ], shard0);
        Assert.Equal(["TDB.TXBEGIN 1 2", "SELECT 3", $"MSET {keys[0]} 1 {keys[1]} 2", "TDB.TXEND 1", "TDB.TXBEGIN 5 2", "SELECT 3", "FLUSHALL", "TDB.TXEND 5"], shard1);
    }

    [Fact]
    public void ConsumerGroupReadsAndClaimsAreLoggedAsIdempotentClaims()
    {
        using (var h = new AofHarness(_dir, 1))
        {
            h.Run("XADD", "x", "1-1", "f", "v");
            h.Run("XGROUP", "CREATE", "x", "g", "0");
            h.Run("XREADGROUP", "GROUP", "g", "c1", "COUNT", "1", "STREAMS", "x", ">");
            h.Run("XREADGROUP", "GROUP", "g", "c1", "STREAMS", "x", ">");
            h.Run("XCLAIM", "x", "g", "c2", "0", "1-1", "TIME", "1000");
            h.Run("XACK", "x", "g", "1-1");
            h.Run("XACK", "x", "g", "1-1");
        }
        var log = AofHarness.Commands(_dir, 0);
        Assert.Equal("XGROUP CREATECONSUMER x g c1", log[3]);
        AssertAbsolute(log[4], "XCLAIM x g c1 0 1-1 TIME ", Now);
        Assert.EndsWith(" RETRYCOUNT 1 FORCE JUSTID LASTID 1-1", log[4]);
        Assert.Equal("XGROUP SETID x g 1-1 ENTRIESREAD 1", log[5]);
        Assert.Equal("XGROUP CREATECONSUMER x g c2", log[6]);
        Assert.Equal("XCLAIM x g c2 0 1-1 TIME 1000 RETRYCOUNT 2 FORCE JUSTID LASTID 1-1", log[7]);
        Assert.Equal("XACK x g 1-1", log[8]);
        Assert.Equal(9, log.Count); // the empty read and the second XACK changed nothing
    }

    [Fact]
    public void NothingIsLoggedWhileAppendOnlyIsOff()
    {
        using (var h = new AofHarness(_dir, 1, appendOnly: false)) h.Run("SET", "k", "v");
        Assert.False(Directory.Exists(Path.Combine(_dir, "appendonlydir")));
    }
}
