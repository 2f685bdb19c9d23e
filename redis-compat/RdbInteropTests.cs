using System.Text;
using Xunit;

namespace TdbPlus.RedisCompat;

/// <summary>
/// RDB interoperability with a real redis-server 7.0: DUMP payloads restored in both directions, a dump.rdb
/// written by redis-server read with RdbReader, a dump.rdb written with RdbFormat loaded by redis-server, and
/// MIGRATE from TDB+ to redis-server, to another TDB+, and from redis-server to TDB+. Every key is compared
/// by type, content, encoding and TTL.
/// </summary>
public sealed class RdbInteropTests(CompatServers servers) : IClassFixture<CompatServers>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>Every type and encoding, expiries, a stream with groups, consumers and pending entries, a key in db 5.</summary>
    private static readonly string[][] Population =
    [
        ["SET", "str", "hello"],
        ["SET", "int", "12345"],
        ["SET", "lzf", string.Concat(Enumerable.Repeat("abcdefgh", 40))],
        ["SET", "bin", "\u0000\u00ff\r\n\u0001"],
        ["SET", "ttl", "v", "PX", "5000000"],
        ["HSET", "hlp", "f1", "v1", "f2", "123", "f3", "-7"],
        ["HSET", "hlong", "a", new string('z', 100)],
        ["HSET", "hbig", .. Enumerable.Range(0, 600).SelectMany(i => new[] { "field" + i, "value" + i })],
        ["EXPIRE", "hbig", "100000"],
        ["SADD", "sint", "1", "2", "3", "-100000", "5000000000"],
        ["SADD", "sstr", "a", "b", "c"],
        ["SADD", "sbig", .. Enumerable.Range(0, 700).Select(i => i.ToString())],
        ["ZADD", "zlp", "1", "a", "2.5", "b", "-3", "c", "1e20", "d", "inf", "e"],
        ["ZADD", "zsl", .. Enumerable.Range(0, 200).SelectMany(i => new[] { (i / 3.0).ToString("R"), "m" + i })],
        ["ZADD", "zlong", "1", new string('q', 80)],
        ["RPUSH", "lsmall", "a", "b", "1", "2", "300000"],
        ["RPUSH", "lbig", .. Enumerable.Range(0, 5000).Select(i => "element-" + i)],
        ["LPUSH", "lleft", .. Enumerable.Range(0, 3000).Select(i => "e" + i)],
        ["RPUSH", "lhuge", new string('h', 20000), "x"],
        ["XADD", "st", "1-1", "a", "1", "b", "2"],
        ["XADD", "st", "1-2", "a", "3", "b", "4"],
        ["XADD", "st", "2-0", "c", "x"],
        ["XADD", "st", "3-0", "a", "5", "b", "6"],
        ["XDEL", "st", "1-2"],
        ["XGROUP", "CREATE", "st", "g1", "0"],
        ["XGROUP", "CREATE", "st", "g2", "$"],
        ["XREADGROUP", "GROUP", "g1", "alice", "COUNT", "2", "STREAMS", "st", ">"],
        ["XREADGROUP", "GROUP", "g1", "bob", "COUNT", "1", "STREAMS", "st", ">"],
        ["XGROUP", "CREATECONSUMER", "st", "g1", "carol"],
        .. Enumerable.Range(1, 300).Select(i => new[] { "XADD", "sbigstream", i + "-1", "k", "v" + i }),
        ["XTRIM", "sbigstream", "MAXLEN", "250"],
        ["SET", "indb5", "five"],
        ["MOVE", "indb5", "5"],
    ];

    private static readonly string[] Keys =
        [.. Population.Where(c => c[0] is not ("EXPIRE" or "XDEL" or "XGROUP" or "XREADGROUP" or "XTRIM" or "MOVE")).Select(c => c[1]).Where(k => k != "indb5").Distinct()];

    private static string[] Args(params string[] a) => a;

    private sealed class Conn(int port) : IDisposable
    {
        private readonly RespConnection _c = RespConnection.Open(port, Timeout);

        public byte[] Run(params string[] args)
        {
            var reply = _c.Command(args.Select(a => Encoding.Latin1.GetBytes(a)).ToArray(), Timeout);
            Assert.Equal(ReplyEnd.Frames, reply.End);
            return reply.Bytes;
        }

        public byte[] RunBytes(params byte[][] args) => _c.Command(args, Timeout).Bytes;

        public void Dispose() => _c.Dispose();
    }

    private static void Populate(Func<string[], byte[]> run)
    {
        foreach (var cmd in Population)
        {
            var reply = Encoding.Latin1.GetString(run(cmd));
            Assert.False(reply.StartsWith('-'), string.Join(' ', cmd.Take(3)) + ": " + reply);
        }
    }

    /// <summary>Type, content (hashes and sets sorted: their order is a dict's), encoding and whether a TTL is set.</summary>
    private static string Content(Func<string[], byte[]> run, string key)
    {
        string R(params string[] a) => Encoding.Latin1.GetString(run(a));
        string type = R("TYPE", key);
        string content = type switch
        {
            "+string\r\n" => R("GET", key),
            "+hash\r\n" => string.Join("|", Pairs(Bulks(run(["HGETALL", key]))).OrderBy(p => p, StringComparer.Ordinal)),
            "+set\r\n" => string.Join("|", Bulks(run(["SMEMBERS", key])).OrderBy(p => p, StringComparer.Ordinal)),
            "+zset\r\n" => R("ZRANGE", key, "0", "-1", "WITHSCORES"),
            "+list\r\n" => R("LRANGE", key, "0", "-1"),
            "+stream\r\n" => R("XINFO", "STREAM", key, "FULL"),
            _ => "",
        };
        long pttl = long.Parse(R("PTTL", key).TrimStart(':').TrimEnd());
        return $"{key} {type.Trim()} {R("OBJECT", "ENCODING", key).Trim()} ttl:{(pttl > 0 ? "yes" : pttl.ToString())}\n{content}";
    }

    private static IEnumerable<string> Pairs(List<string> flat)
    {
        for (int i = 0; i + 1 < flat.Count; i += 2) yield return flat[i] + "=" + flat[i + 1];
    }

    /// <summary>The bytes of a bulk string reply.</summary>
    private static string Bulk(byte[] reply)
    {
        var s = Encoding.Latin1.GetString(reply);
        int eol = s.IndexOf("\r\n", StringComparison.Ordinal);
        return s.Substring(eol + 2, int.Parse(s.AsSpan(1, eol - 1)));
    }

    /// <summary>The elements of a flat RESP2 array of bulk strings.</summary>
    private static List<string> Bulks(byte[] reply)
    {
        var s = Encoding.Latin1.GetString(reply);
        int p = s.IndexOf("\r\n", StringComparison.Ordinal) + 2;
        int n = int.Parse(s.AsSpan(1, p - 3));
        var items = new List<string>(n);
        for (int i = 0; i < n; i++)
        {
            int eol = s.IndexOf("\r\n", p, StringComparison.Ordinal);
            int len = int.Parse(s.AsSpan(p + 1, eol - p - 1));
            items.Add(s.Substring(eol + 2, len));
            p = eol + 2 + len + 2;
        }
        return items;
    }

    private static void AssertSameKeys(Func<string[], byte[]> expected, Func<string[], byte[]> actual)
    {
        foreach (var key in Keys) Assert.Equal(Content(expected, key), Content(actual, key));
    }

    [Fact]
    public void DumpPayloadsRestoreInBothDirections()
    {
        using var redis = new Conn(servers.Redis.Port);
        using var tdb = new Conn(servers.Tdb.Port);
        foreach (var (from, to) in new[] { (redis, tdb), (tdb, redis) })
        {
            redis.Run("FLUSHALL");
            tdb.Run("FLUSHALL");
            Populate(from.Run);
            foreach (var key in Keys)
            {
                var payload = Bulk(from.Run("DUMP", key));
                long pttl = long.Parse(Encoding.Latin1.GetString(from.Run("PTTL", key)).TrimStart(':').TrimEnd());
                var ok = to.RunBytes(Encoding.Latin1.GetBytes("RESTORE"), Encoding.Latin1.GetBytes(key),
                    Encoding.Latin1.GetBytes(Math.Max(pttl, 0).ToString()), Encoding.Latin1.GetBytes(payload));
                Assert.Equal("+OK\r\n", Encoding.Latin1.GetString(ok));
            }
            AssertSameKeys(from.Run, to.Run);
        }
    }

    [Fact]
    public void DumpPayloadsAreByteIdenticalWhereTheEncodingIsDeterministic()
    {
        // Not compared: hashtable hashes and sets (dict order), a list built by LPUSH (node history), and the
        // stream whose pending entries carry each server's delivery times.
        string[] skip = ["hbig", "sstr", "sbig", "lleft", "st"];
        using var redis = new Conn(servers.Redis.Port);
        using var tdb = new Conn(servers.Tdb.Port);
        redis.Run("FLUSHALL");
        tdb.Run("FLUSHALL");
        Populate(redis.Run);
        Populate(tdb.Run);
        foreach (var key in Keys.Except(skip))
        {
            Assert.True(redis.Run("DUMP", key).AsSpan().SequenceEqual(tdb.Run("DUMP", key)), key);
        }
    }

    [Fact]
    public void ABackgroundSaveOfTdbLoadsInRedis()
    {
        using var tdb = new Conn(servers.Tdb.Port);
        tdb.Run("FLUSHALL");
        Populate(tdb.Run);
        Assert.Equal("+Background saving started\r\n", Encoding.Latin1.GetString(tdb.Run("BGSAVE")));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Encoding.Latin1.GetString(tdb.Run("INFO", "persistence")).Contains("rdb_bgsave_in_progress:1"))
        {
            Assert.True(DateTime.UtcNow < deadline, "BGSAVE did not finish");
            Thread.Sleep(20);
        }
        Assert.Contains("rdb_last_bgsave_status:ok", Encoding.Latin1.GetString(tdb.Run("INFO", "persistence")));
        string dir = Bulks(tdb.Run("CONFIG", "GET", "dir"))[1];
        using var loaded = ServerProcess.StartRedis("redis-server loading a TDB+ BGSAVE", ServerProcess.FreePort(), "--dir", dir);
        loaded.WaitUntilReady(TimeSpan.FromSeconds(20));
        using var redis = new Conn(loaded.Port);
        AssertSameKeys(tdb.Run, redis.Run);
        redis.Run("SELECT", "5");
        Assert.Equal("$4\r\nfive\r\n", Encoding.Latin1.GetString(redis.Run("GET", "indb5")));
    }

    [Fact]
    public void ADumpFileSavedByRedisLoadsIntoTdbAtStartup()
    {
        using var redis = new Conn(servers.Redis.Port);
        redis.Run("FLUSHALL");
        Populate(redis.Run);
        Assert.Equal("+OK\r\n", Encoding.Latin1.GetString(redis.Run("SAVE")));
        string from = Bulks(redis.Run("CONFIG", "GET", "dir"))[1];
        var dir = Directory.CreateTempSubdirectory("tdbplus-rdb-").FullName;
        try
        {
            File.Copy(Path.Combine(from, "dump.rdb"), Path.Combine(dir, "dump.rdb"));
            using var started = ServerProcess.StartTdbPlus("TDB+ loading a redis dump", ServerProcess.FreePort(), "--dir", dir);
            started.WaitUntilReady(TimeSpan.FromSeconds(20));
            using var tdb = new Conn(started.Port);
            AssertSameKeys(redis.Run, tdb.Run);
            tdb.Run("SELECT", "5");
            Assert.Equal("$4\r\nfive\r\n", Encoding.Latin1.GetString(tdb.Run("GET", "indb5")));
            Assert.Contains($"rdb_last_load_keys_loaded:{Keys.Length + 1}\r\n", Encoding.Latin1.GetString(tdb.Run("INFO", "persistence")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ADumpFileSavedByRedisLoadsThroughRdbReader()
    {
        using var redis = new Conn(servers.Redis.Port);
        redis.Run("FLUSHALL");
        Populate(redis.Run);
        Assert.Equal("+OK\r\n", Encoding.Latin1.GetString(redis.Run("SAVE")));
        string dir = Bulks(redis.Run("CONFIG", "GET", "dir"))[1];
        using var engine = new InProcessEngine();
        var seen = engine.LoadRdb(Path.Combine(dir, "dump.rdb"));
        Assert.Contains((5, "indb5"), seen);
        Assert.Equal(Keys.Length + 1, seen.Count);
        AssertSameKeys(redis.Run, engine.Run);
    }

    [Fact]
    public void ADumpFileWrittenWithRdbFormatLoadsInRedis()
    {
        using var engine = new InProcessEngine();
        Populate(engine.Run);
        var dir = Directory.CreateTempSubdirectory("tdbplus-rdb-").FullName;
        try
        {
            engine.SaveRdb(Path.Combine(dir, "ours.rdb"));
            using var loaded = ServerProcess.StartRedis("redis-server loading our dump", ServerProcess.FreePort(), "--dir", dir, "--dbfilename", "ours.rdb");
            loaded.WaitUntilReady(TimeSpan.FromSeconds(20));
            using var redis = new Conn(loaded.Port);
            AssertSameKeys(engine.Run, redis.Run);
            redis.Run("SELECT", "5");
            Assert.Equal("$4\r\nfive\r\n", Encoding.Latin1.GetString(redis.Run("GET", "indb5")));
            Assert.Equal(":1\r\n", Encoding.Latin1.GetString(redis.Run("DBSIZE")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void MigrateMovesKeysToRedisToAnotherTdbAndFromRedis()
    {
        using var redis = new Conn(servers.Redis.Port);
        using var tdb = new Conn(servers.Tdb.Port);
        redis.Run("FLUSHALL");
        tdb.Run("FLUSHALL");
        Populate(tdb.Run);
        var snapshot = Keys.ToDictionary(k => k, k => Content(tdb.Run, k));
        string R(Conn c, params string[] a) => Encoding.Latin1.GetString(c.Run(a));

        // TDB+ -> redis-server: every key at once (they live on several shards), moved.
        Assert.Equal("+OK\r\n", R(tdb, [.. Args("MIGRATE", "127.0.0.1", servers.Redis.Port.ToString(), "", "0", "5000", "KEYS"), .. Keys]));
        foreach (var key in Keys)
        {
            Assert.Equal(":0\r\n", R(tdb, "EXISTS", key));
            Assert.Equal(snapshot[key], Content(redis.Run, key));
        }

        // redis-server -> TDB+ with COPY: TDB+ restores Redis's payloads, Redis keeps its keys.
        Assert.Equal("+OK\r\n", R(redis, [.. Args("MIGRATE", "127.0.0.1", servers.Tdb.Port.ToString(), "", "0", "5000", "COPY", "KEYS"), .. Keys]));
        foreach (var key in Keys) Assert.Equal(snapshot[key], Content(tdb.Run, key));
        Assert.Equal(":1\r\n", R(redis, "EXISTS", "str"));

        // The target's errors come back prefixed, keys stay; REPLACE overwrites; a missing key is NOKEY.
        Assert.Equal("-ERR Target instance replied with error: BUSYKEY Target key name already exists.\r\n",
            R(tdb, "MIGRATE", "127.0.0.1", servers.Redis.Port.ToString(), "str", "0", "5000"));
        Assert.Equal(":1\r\n", R(tdb, "EXISTS", "str"));
        Assert.Equal("+OK\r\n", R(tdb, "MIGRATE", "127.0.0.1", servers.Redis.Port.ToString(), "str", "0", "5000", "REPLACE"));
        Assert.Equal("+NOKEY\r\n", R(tdb, "MIGRATE", "127.0.0.1", servers.Redis.Port.ToString(), "str", "0", "5000"));
        Assert.StartsWith("-ERR Target instance replied with error: ERR AUTH",
            R(tdb, "MIGRATE", "127.0.0.1", servers.Redis.Port.ToString(), "int", "0", "5000", "AUTH", "nopass"));
        Assert.Equal("+OK\r\n", R(tdb, "MIGRATE", "127.0.0.1", servers.Redis.Port.ToString(), "int", "7", "5000", "REPLACE"));
        redis.Run("SELECT", "7");
        Assert.Equal("$5\r\n12345\r\n", R(redis, "GET", "int"));
        redis.Run("SELECT", "0");

        // A target that accepts and never answers: IOERR after the timeout, the key stays.
        var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        try
        {
            int port = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
            Assert.Equal("-IOERR error or timeout reading to target instance\r\n", R(tdb, "MIGRATE", "127.0.0.1", port.ToString(), "lsmall", "0", "300"));
            Assert.Equal(":1\r\n", R(tdb, "EXISTS", "lsmall"));
        }
        finally
        {
            silent.Stop();
        }

        // TDB+ -> TDB+.
        using var other = ServerProcess.StartTdbPlus("second TDB+", ServerProcess.FreePort());
        other.WaitUntilReady(TimeSpan.FromSeconds(20));
        using var tdb2 = new Conn(other.Port);
        var left = Keys.Where(k => R(tdb, "EXISTS", k) == ":1\r\n").ToArray();
        Assert.NotEmpty(left);
        Assert.Equal("+OK\r\n", R(tdb, [.. Args("MIGRATE", "127.0.0.1", other.Port.ToString(), "", "0", "5000", "KEYS"), .. left]));
        foreach (var key in left)
        {
            Assert.Equal(snapshot[key], Content(tdb2.Run, key));
            Assert.Equal(":0\r\n", R(tdb, "EXISTS", key));
        }
    }
}
