using System.Net.Sockets;
using TdbPlus.Shards.Storage;

namespace TdbPlus.Server.Tests;

/// <summary>The append-only log end to end: restart keeps the data, SIGKILL under load loses no acknowledged write.</summary>
public sealed class AofTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static string NewDir()
    {
        string dir = Path.Combine(Path.GetTempPath(), "tdbplus-aof-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static ServerProcess Start(string dir, params string[] extra) =>
        Loaded(new(["--dir", dir, "--appendonly", "yes", .. extra]));

    // The listener answers PING while the data still loads: wait until INFO says it is done.
    private static ServerProcess Loaded(ServerProcess server)
    {
        using var c = new RawClient(server.Port);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!c.Call("INFO", "persistence").Contains("loading:0\r\n"))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("still loading");
            Thread.Sleep(20);
        }
        return server;
    }

    // A list on another shard (of 3) than "bsrc": BLMOVE is served in two halves.
    private static readonly string MoveDestination = Enumerable.Range(0, 100).Select(i => "bdst" + i)
        .First(k => KeyHash.ShardOf(System.Text.Encoding.UTF8.GetBytes(k), 3) != KeyHash.ShardOf("bsrc"u8, 3));

    private static readonly string[][] EveryTypeReads =
    [
        ["GET", "s"], ["PTTL", "volatile"], ["HGETALL", "h"], ["LRANGE", "l", "0", "-1"], ["SMEMBERS", "set"],
        ["ZRANGE", "z", "0", "-1", "WITHSCORES"], ["XRANGE", "x", "-", "+"], ["XINFO", "GROUPS", "x"],
        ["XPENDING", "x", "g"], ["GET", "f"], ["HGET", "h", "fl"], ["PFCOUNT", "hll"], ["GETRANGE", "bits", "0", "-1"],
        ["SCARD", "popped"], ["LRANGE", "dst", "0", "-1"], ["FUNCTION", "LIST"], ["LRANGE", MoveDestination, "0", "-1"],
        ["EXISTS", "bsrc"], ["DBSIZE"],
    ];


    [Theory]
    [InlineData("epoll")]
    [InlineData("sockets")]
    public void RestartKeepsEveryTypeWithAppendOnly(string transport)
    {
        string dir = NewDir();
        try
        {
            var before = new List<string>();
            using (var server = Start(dir, "--shards", "3", "--transport", transport))
            using (var c = new RawClient(server.Port))
            {
                c.Call("SET", "s", "hello");
                c.Call("SET", "volatile", "v", "EX", "1000");
                c.Call("HSET", "h", "a", "1", "b", "2");
                c.Call("HINCRBYFLOAT", "h", "fl", "1.25");
                c.Call("RPUSH", "l", "x", "y", "z");
                c.Call("SADD", "set", "m1", "m2");
                c.Call("ZADD", "z", "1.5", "a", "2", "b");
                c.Call("XADD", "x", "*", "f", "1");
                c.Call("XADD", "x", "*", "f", "2");
                c.Call("XGROUP", "CREATE", "x", "g", "0");
                c.Call("XREADGROUP", "GROUP", "g", "c1", "COUNT", "1", "STREAMS", "x", ">");
                c.Call("INCRBYFLOAT", "f", "3.5");
                c.Call("PFADD", "hll", "a", "b", "c");
                c.Call("SETBIT", "bits", "7", "1");
                c.Call("SADD", "popped", "1", "2", "3", "4", "5");
                c.Call("SPOP", "popped", "2");
                c.Call("RPUSH", "src", "e");
                c.Call("LMOVE", "src", "dst", "LEFT", "RIGHT");
                c.Call("FUNCTION", "LOAD", "#!lua name=lib\nredis.register_function('f1', function(keys, args) return redis.call('set', keys[1], args[1]) end)");
                c.Call("FCALL", "f1", "1", "fk", "fv");
                c.Call("SELECT", "5");
                c.Call("SET", "in5", "five");
                c.Call("SELECT", "0");
                // Blocked clients served later: logged as the pops (and the push on another shard) they became.
                using (var blocked = new RawClient(server.Port))
                {
                    blocked.Send("BLMOVE", "bsrc", MoveDestination, "LEFT", "RIGHT", "0");
                    Thread.Sleep(100);
                    c.Call("RPUSH", "bsrc", "e1", "e2");
                    Assert.Equal("$2\r\ne1\r\n", blocked.ReadFrame());
                    blocked.Send("BLPOP", "nothing", "bsrc", "0");
                    Assert.Equal("*2\r\n$4\r\nbsrc\r\n$2\r\ne2\r\n", blocked.ReadFrame());
                }
                foreach (var read in EveryTypeReads) before.Add(Normalize(read, c.Call(read)));
                Assert.Equal("$2\r\nfv\r\n", c.Call("GET", "fk"));
            }
            using (var server = Start(dir, "--shards", "3"))
            using (var c = new RawClient(server.Port))
            {
                for (int i = 0; i < EveryTypeReads.Length; i++)
                    Assert.Equal(before[i], Normalize(EveryTypeReads[i], c.Call(EveryTypeReads[i])));
                Assert.Equal("$2\r\nfv\r\n", c.Call("GET", "fk"));
                c.Call("SELECT", "5");
                Assert.Equal("$4\r\nfive\r\n", c.Call("GET", "in5"));
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    // A TTL read a moment later may be a few ms less: compare it to the second.
    private static string Normalize(string[] read, string reply) =>
        read[0] == "PTTL" && long.TryParse(reply.AsSpan(1, reply.Length - 3), out long ms) ? $":{ms / 10_000}" : reply;

    /// <summary>
    /// Redis's durability promise for appendfsync always: 20 times, SIGKILL the server under a write load of
    /// several connections (INCR on counters, SET of unique keys, a MULTI/EXEC incrementing two keys on
    /// different shards; every third round a BGREWRITEAOF too), restart it on the same files, and find every
    /// acknowledged write there.
    /// </summary>
    [Theory]
    [InlineData("epoll", 20)]
    [InlineData("sockets", 5)]
    public void SigkillUnderWriteLoadLosesNoAcknowledgedWrite(string transport, int rounds)
    {
        string dir = NewDir();
        const int Writers = 4;
        int Rounds = rounds;
        // Two keys on different shards (of 4) for the cross-shard transaction.
        string pairA = "pair:a", pairB = Enumerable.Range(0, 100).Select(i => "pair:b" + i)
            .First(k => KeyHash.ShardOf(System.Text.Encoding.UTF8.GetBytes(k), 4) != KeyHash.ShardOf("pair:a"u8, 4));
        var counters = new long[Writers];
        var acked = new List<string>();
        long pairAcked = 0, keysChecked = 0;
        try
        {
            for (int round = 0; round <= Rounds; round++)
            {
                using var server = Start(dir, "--appendfsync", "always", "--shards", "4", "--transport", transport);
                using (var check = new RawClient(server.Port))
                {
                    for (int w = 0; w < Writers; w++)
                    {
                        long value = ParseInt(check.Call("GET", "counter:" + w));
                        Assert.True(value >= counters[w], $"round {round}: counter {w} is {value}, acknowledged {counters[w]}");
                        Assert.True(value <= counters[w] + 1, $"round {round}: counter {w} is {value}, acknowledged {counters[w]} (at most one in flight)");
                        counters[w] = value;
                    }
                    foreach (var key in acked)
                        Assert.Equal("$1\r\nv\r\n", check.Call("GET", key));
                    keysChecked += acked.Count;
                    acked.Clear();
                    long a = ParseInt(check.Call("GET", pairA)), b = ParseInt(check.Call("GET", pairB));
                    Assert.Equal(a, b);
                    Assert.True(a >= pairAcked && a <= pairAcked + 1, $"round {round}: pair at {a}, acknowledged {pairAcked}");
                    pairAcked = a;
                }
                if (round == Rounds)
                {
                    output.WriteLine($"{transport}, {Rounds} kills: {keysChecked} acknowledged SETs present, counters at {string.Join(',', counters)}, " +
                                     $"cross-shard pair at {pairAcked}: 0 lost");
                    break;
                }
                var ackedPerWriter = new List<string>[Writers];
                var threads = new List<Thread>();
                for (int w = 0; w < Writers; w++)
                {
                    int id = w;
                    ackedPerWriter[id] = [];
                    threads.Add(new Thread(() => WriteLoad(server.Port, round, id, ref counters[id], ackedPerWriter[id])));
                }
                threads.Add(new Thread(() => PairLoad(server.Port, pairA, pairB, ref pairAcked)));
                foreach (var t in threads) t.Start();
                if (round % 3 == 1)
                {
                    // Some kills land while a rewrite switches the shards' files or writes its base.
                    Thread.Sleep(50);
                    using var admin = new RawClient(server.Port);
                    Assert.StartsWith("+Background append only file rewriting", admin.Call("BGREWRITEAOF"));
                }
                Thread.Sleep(150 + round * 10);
                server.Dispose(); // SIGKILL
                foreach (var t in threads) t.Join();
                foreach (var list in ackedPerWriter) acked.AddRange(list);
                Assert.True(acked.Count > 0, $"round {round}: no write acknowledged before the kill");
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static void WriteLoad(int port, int round, int id, ref long counter, List<string> acked)
    {
        try
        {
            using var c = new RawClient(port);
            for (int n = 0; ; n++)
            {
                string reply = c.Call("INCR", "counter:" + id);
                counter = ParseInt(reply);
                string key = $"unique:{round}:{id}:{n}";
                if (c.Call("SET", key, "v") != "+OK\r\n") return;
                acked.Add(key);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or FormatException or InvalidOperationException)
        {
            // The server was killed.
        }
    }

    private static void PairLoad(int port, string a, string b, ref long acked)
    {
        try
        {
            using var c = new RawClient(port);
            while (true)
            {
                c.Send("MULTI");
                c.Send("INCR", a);
                c.Send("INCR", b);
                c.Send("EXEC");
                c.ReadFrame();
                c.ReadFrame();
                c.ReadFrame();
                string exec = c.ReadFrame();
                acked = ParseInt(exec.Split("\r\n")[1]);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or FormatException or InvalidOperationException or IndexOutOfRangeException)
        {
        }
    }

    private static long ParseInt(string reply)
    {
        if (reply.StartsWith("$-1", StringComparison.Ordinal)) return 0;
        if (reply.Length > 1 && reply[0] == ':') return long.Parse(reply.AsSpan(1).TrimEnd("\r\n"));
        if (reply.Length > 1 && reply[0] == '$') return long.Parse(reply.Split("\r\n")[1]);
        throw new FormatException(reply);
    }

    [Fact]
    public void TornTailIsCutAndCorruptionIsRefused()
    {
        string dir = NewDir();
        try
        {
            using (var server = Start(dir, "--shards", "1", "--appendfsync", "always"))
            using (var c = new RawClient(server.Port))
            {
                c.Call("SET", "a", "1");
                c.Call("SET", "b", "2");
            }
            string file = Path.Combine(dir, "appendonlydir", "appendonly.aof.1.shard0.incr.aof");
            long good = new FileInfo(file).Length;
            File.AppendAllText(file, "*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$1"); // torn mid-command
            string log = Path.Combine(dir, "server.log");
            using (var server = Start(dir, "--shards", "1", "--logfile", log))
            using (var c = new RawClient(server.Port))
            {
                Assert.Equal("$1\r\n2\r\n", c.Call("GET", "b"));
                Assert.Equal("$-1\r\n", c.Call("GET", "c"));
                Assert.Contains($"Truncating the AOF appendonly.aof.1.shard0.incr.aof at offset {good}", File.ReadAllText(log));
            }
            Assert.Equal(good, new FileInfo(file).Length);
            var bytes = File.ReadAllBytes(file);
            bytes[16] = (byte)'#'; // where the SELECT's argument starts
            File.WriteAllBytes(file, bytes);
            File.Delete(log);
            AssertRefusesToStart(dir, "--shards", "1", "--logfile", log);
            Assert.Contains("Bad file format reading the append only file appendonly.aof.1.shard0.incr.aof at offset 16 (expected '$')", File.ReadAllText(log));
            Assert.False(File.Exists(Path.Combine(dir, "dump.rdb")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    // The listener may answer (LOADING) before the load fails: either way the process must end with status 1,
    // without writing a snapshot over the data it could not load.
    private static void AssertRefusesToStart(string dir, params string[] extra)
    {
        try
        {
            using var server = new ServerProcess(["--dir", dir, "--appendonly", "yes", .. extra]);
            Assert.True(server.WaitForExit(20_000), "the server kept running over data it could not load");
            Assert.Equal(1, server.ExitCode);
        }
        catch (InvalidOperationException ex)
        {
            Assert.Contains("server exited early (1)", ex.Message);
        }
    }

    [Fact]
    public void TruncatedTailIsRefusedWhenAofLoadTruncatedIsNo()
    {
        string dir = NewDir();
        try
        {
            using (var server = Start(dir, "--shards", "1", "--appendfsync", "always"))
            using (var c = new RawClient(server.Port))
                c.Call("SET", "a", "1");
            string file = Path.Combine(dir, "appendonlydir", "appendonly.aof.1.shard0.incr.aof");
            File.AppendAllText(file, "*2\r\n$3\r\nDEL");
            string log = Path.Combine(dir, "server.log");
            AssertRefusesToStart(dir, "--shards", "1", "--aof-load-truncated", "no", "--logfile", log);
            Assert.Contains("Unexpected end of file reading the append only file appendonly.aof.1.shard0.incr.aof at offset", File.ReadAllText(log));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ConfigSetAppendOnlyStartsWithARewriteOfTheDataAlreadyThere()
    {
        string dir = NewDir();
        try
        {
            using (var server = Loaded(new ServerProcess("--dir", dir, "--shards", "2", "--save", "")))
            using (var c = new RawClient(server.Port))
            {
                c.Call("SET", "k1", "v1");
                Assert.Contains("aof_enabled:0", c.Call("INFO", "persistence"));
                Assert.Equal("+OK\r\n", c.Call("CONFIG", "SET", "appendonly", "yes"));
                WaitFor(() => c.Call("INFO", "persistence") is var info && info.Contains("aof_enabled:1") && info.Contains("aof_rewrites:1"));
                c.Call("SET", "k2", "v2");
            }
            // Killed: no dump.rdb; the log (base + shard logs) has both keys, and loads with appendonly no too.
            Assert.False(File.Exists(Path.Combine(dir, "dump.rdb")));
            using (var server = Loaded(new ServerProcess("--dir", dir, "--shards", "2", "--save", "")))
            using (var c = new RawClient(server.Port))
            {
                Assert.Equal("*2\r\n$2\r\nv1\r\n$2\r\nv2\r\n", c.Call("MGET", "k1", "k2"));
                Assert.Contains("aof_enabled:0", c.Call("INFO", "persistence"));
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void BgRewriteAofCompactsTheLogAndLosesNothing()
    {
        string dir = NewDir();
        try
        {
            using (var server = Start(dir, "--shards", "2", "--appendfsync", "always", "--save", ""))
            using (var c = new RawClient(server.Port))
            {
                for (int i = 0; i < 500; i++) c.Call("INCR", "counter");
                c.Call("MSET", "a", "1", "b", "2");
                long before = AofBytes(c);
                Assert.Equal("+Background append only file rewriting started\r\n", c.Call("BGREWRITEAOF"));
                c.Call("SET", "during", "x");
                WaitFor(() => c.Call("INFO", "persistence") is var info && info.Contains("aof_rewrites:1") && info.Contains("aof_rewrite_in_progress:0"));
                Assert.Contains("aof_last_bgrewrite_status:ok", c.Call("INFO", "persistence"));
                c.Call("SET", "after", "y");
                Assert.True(AofBytes(c) < before, "the rewritten log is smaller");
                var files = Directory.GetFiles(Path.Combine(dir, "appendonlydir")).Select(f => Path.GetFileName(f)!).Order().ToArray();
                Assert.Equal(["appendonly.aof.2.base.rdb", "appendonly.aof.2.shard0.incr.aof", "appendonly.aof.2.shard1.incr.aof", "appendonly.aof.manifest"], files);
            }
            using (var server = Start(dir, "--shards", "2", "--save", ""))
            using (var c = new RawClient(server.Port))
            {
                Assert.Equal("$3\r\n500\r\n", c.Call("GET", "counter"));
                Assert.Equal("*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\nx\r\n$1\r\ny\r\n", c.Call("MGET", "a", "b", "during", "after"));
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static long AofBytes(RawClient c) =>
        long.Parse(c.Call("INFO", "persistence").Split("\r\n").First(l => l.StartsWith("aof_current_size:", StringComparison.Ordinal))[17..]);

    [Fact]
    public void AppendOnlyOverALoadedDumpStartsWithItsBase()
    {
        string dir = NewDir();
        try
        {
            using (var server = Loaded(new ServerProcess("--dir", dir, "--shards", "2", "--save", "")))
            using (var c = new RawClient(server.Port))
            {
                c.Call("SET", "from-dump", "1");
                Assert.Equal("+OK\r\n", c.Call("SAVE"));
            }
            using (var server = Start(dir, "--shards", "2", "--save", ""))
            using (var c = new RawClient(server.Port))
            {
                Assert.Equal("$1\r\n1\r\n", c.Call("GET", "from-dump"));
                c.Call("SET", "logged", "2");
            }
            File.Delete(Path.Combine(dir, "dump.rdb"));
            using (var server = Start(dir, "--shards", "2", "--save", ""))
            using (var c = new RawClient(server.Port))
                Assert.Equal("*2\r\n$1\r\n1\r\n$1\r\n2\r\n", c.Call("MGET", "from-dump", "logged"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static void WaitFor(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            Thread.Sleep(20);
        }
    }
}
