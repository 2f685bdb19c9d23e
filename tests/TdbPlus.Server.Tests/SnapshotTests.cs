using StackExchange.Redis;

namespace TdbPlus.Server.Tests;

/// <summary>RDB snapshots end to end: BGSAVE/SAVE, restart recovery, point-in-time BGSAVE, loading, DEBUG RELOAD.</summary>
public sealed class SnapshotTests
{
    private static ConnectionMultiplexer Connect(ServerProcess server) => ConnectionMultiplexer.Connect(
        $"127.0.0.1:{server.Port},allowAdmin=true,abortConnect=true,connectTimeout=10000,syncTimeout=20000");

    private static string NewDir() => Directory.CreateTempSubdirectory("tdbplus-snap-").FullName;

    private static Dictionary<string, string> Info(IServer server) =>
        server.Info("persistence").SelectMany(g => g).ToDictionary(p => p.Key, p => p.Value);

    private static void WaitBgsaveDone(IServer server)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (Info(server)["rdb_bgsave_in_progress"] != "0")
        {
            Assert.True(DateTime.UtcNow < deadline, "BGSAVE did not finish");
            Thread.Sleep(20);
        }
    }

    [Fact]
    public void ShutdownSavesAndRestartLoadsEveryType()
    {
        string dir = NewDir();
        try
        {
            using (var server = new ServerProcess("--dir", dir))
            using (var mux = Connect(server))
            {
                var db = mux.GetDatabase();
                db.StringSet("str", "hello");
                db.StringSet("int", 12345);
                db.StringSet("ttl", "x", TimeSpan.FromSeconds(1000));
                db.HashSet("hsmall", [new("a", "1"), new("b", "2")]);
                db.HashSet("hbig", Enumerable.Range(0, 1000).Select(i => new HashEntry($"f{i}", $"v{i}")).ToArray());
                db.ListRightPush("list", Enumerable.Range(0, 500).Select(i => (RedisValue)$"e{i}").ToArray());
                db.SetAdd("intset", [1, 2, 3]);
                db.SetAdd("set", Enumerable.Range(0, 300).Select(i => (RedisValue)$"m{i}").ToArray());
                db.SortedSetAdd("zsmall", [new("a", 1.5), new("b", 2)]);
                db.SortedSetAdd("zbig", Enumerable.Range(0, 400).Select(i => new SortedSetEntry($"z{i}", i * 0.5)).ToArray());
                db.StreamAdd("stream", "f", "v", "1-1");
                db.StreamAdd("stream", "f", "w", "2-1");
                db.StreamCreateConsumerGroup("stream", "g", "0-0");
                db.StreamReadGroup("stream", "g", "alice", ">", 1);
                mux.GetDatabase(3).StringSet("in-db-3", "yes");
                using var c = new RawClient(server.Port);
                c.Send("SHUTDOWN");
                Assert.True(c.IsClosedByServer(20_000));
                Assert.True(server.WaitForExit(20_000));
                Assert.Equal(0, server.ExitCode);
            }
            Assert.True(File.Exists(Path.Combine(dir, "dump.rdb")));
            using (var server = new ServerProcess("--dir", dir))
            using (var mux = Connect(server))
            {
                var db = mux.GetDatabase();
                Assert.Equal(11, long.Parse(db.Execute("DBSIZE").ToString()!));
                Assert.Equal("hello", db.StringGet("str"));
                Assert.Equal(12345, (long)db.StringGet("int"));
                var ttl = db.KeyTimeToLive("ttl");
                Assert.True(ttl > TimeSpan.FromSeconds(900) && ttl <= TimeSpan.FromSeconds(1000));
                Assert.Equal("2", db.HashGet("hsmall", "b"));
                Assert.Equal(1000, db.HashLength("hbig"));
                Assert.Equal("v999", db.HashGet("hbig", "f999"));
                Assert.Equal(500, db.ListLength("list"));
                Assert.Equal("e250", db.ListGetByIndex("list", 250));
                Assert.Equal("intset", db.Execute("OBJECT", "ENCODING", "intset").ToString());
                Assert.Equal(300, db.SetLength("set"));
                Assert.Equal(1.5, db.SortedSetScore("zsmall", "a"));
                Assert.Equal(400, db.SortedSetLength("zbig"));
                Assert.Equal(199.5, db.SortedSetScore("zbig", "z399"));
                var entries = db.StreamRange("stream");
                Assert.Equal(["1-1", "2-1"], entries.Select(e => e.Id.ToString()).ToArray());
                var pending = db.StreamPending("stream", "g");
                Assert.Equal(1, pending.PendingMessageCount);
                Assert.Equal("alice", pending.Consumers.Single().Name);
                Assert.Equal("yes", mux.GetDatabase(3).StringGet("in-db-3"));
                Assert.Contains("Done loading RDB, keys loaded: 12", server.Output);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task BgsaveUnderWritesIsAPointInTimeImage()
    {
        string dir = NewDir();
        const int keys = 20_000;
        try
        {
            using (var server = new ServerProcess("--dir", dir, "--save", ""))
            using (var mux = Connect(server))
            {
                var db = mux.GetDatabase();
                var admin = mux.GetServer("127.0.0.1", server.Port);
                db.Execute("DEBUG", "POPULATE", keys.ToString());
                db.HashSet("h", Enumerable.Range(0, 200).Select(i => new HashEntry($"f{i}", "before")).ToArray());
                db.ListRightPush("l", "before");
                // 200 us per key: the walk takes seconds, so the writes below land while it runs.
                db.Execute("CONFIG", "SET", "rdb-key-save-delay", "200");
                Assert.Equal("Background saving started", db.Execute("BGSAVE").ToString());
                Assert.Equal("ERR Background save already in progress",
                    Assert.Throws<RedisServerException>(() => db.Execute("BGSAVE")).Message);
                var batch = new List<Task>();
                for (int i = 0; i < keys; i += 10)
                {
                    batch.Add(db.StringSetAsync($"key:{i}", "changed"));
                    batch.Add(db.KeyDeleteAsync($"key:{i + 1}"));
                    batch.Add(db.StringSetAsync($"new:{i}", "born-after"));
                }
                batch.Add(db.HashSetAsync("h", "f7", "after"));
                batch.Add(db.ListLeftPushAsync("l", "after"));
                await Task.WhenAll(batch);
                Assert.Equal("1", Info(admin)["rdb_bgsave_in_progress"]);
                // FLUSHDB while the walk is still going: what it has not reached yet is written out first.
                db.Execute("FLUSHDB");
                db.StringSet("after-flush", "1");
                db.Execute("CONFIG", "SET", "rdb-key-save-delay", "0");
                WaitBgsaveDone(admin);
                Assert.Equal("ok", Info(admin)["rdb_last_bgsave_status"]);
                using var c = new RawClient(server.Port);
                c.Send("SHUTDOWN", "NOSAVE");
                Assert.True(server.WaitForExit(20_000));
            }
            using (var server = new ServerProcess("--dir", dir, "--save", ""))
            using (var mux = Connect(server))
            {
                var db = mux.GetDatabase();
                Assert.Equal(keys + 2, long.Parse(db.Execute("DBSIZE").ToString()!));
                var values = db.StringGet(Enumerable.Range(0, keys).Select(i => (RedisKey)$"key:{i}").ToArray());
                for (int i = 0; i < keys; i++) Assert.Equal($"value:{i}", values[i]);
                Assert.False(db.KeyExists("new:0"));
                Assert.False(db.KeyExists("after-flush"));
                Assert.Equal("before", db.HashGet("h", "f7"));
                Assert.Equal(["before"], db.ListRange("l").Select(v => v.ToString()).ToArray());
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ClientsGetLoadingWhileTheDatasetLoadsAndInfoShowsProgress()
    {
        string dir = NewDir();
        try
        {
            using (var server = new ServerProcess("--dir", dir, "--save", ""))
            {
                using var c = new RawClient(server.Port);
                Assert.Equal("+OK\r\n", c.Call("DEBUG", "POPULATE", "5000"));
                Assert.Equal("+OK\r\n", c.Call("SAVE"));
            }
            // 400 us per key: loading takes about two seconds.
            using (var server = ServerProcess.StartWithoutWaiting("--dir", dir, "--save", "", "--key-load-delay", "400"))
            {
                bool sawLoading = false;
                var deadline = DateTime.UtcNow.AddSeconds(30);
                while (!sawLoading && DateTime.UtcNow < deadline)
                {
                    try
                    {
                        using var c = new RawClient(server.Port);
                        string reply = c.Call("GET", "key:1");
                        if (reply.StartsWith("$", StringComparison.Ordinal)) break;
                        Assert.Equal("-LOADING Redis is loading the dataset in memory\r\n", reply);
                        string info = c.Call("INFO", "persistence");
                        Assert.Contains("loading:1\r\n", info);
                        Assert.Contains("loading_loaded_perc:", info);
                        Assert.Contains("loading_eta_seconds:", info);
                        sawLoading = true;
                    }
                    catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException)
                    {
                        Thread.Sleep(20);
                    }
                }
                Assert.True(sawLoading, "never saw the server loading");
                server.WaitUntilReady();
                using var after = new RawClient(server.Port);
                Assert.Equal("$7\r\nvalue:1\r\n", after.Call("GET", "key:1"));
                Assert.Equal(":5000\r\n", after.Call("DBSIZE"));
                Assert.Contains("rdb_last_load_keys_loaded:5000\r\n", after.Call("INFO", "persistence"));
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ACorruptDumpStopsTheServerInsteadOfStartingEmpty()
    {
        string dir = NewDir();
        try
        {
            File.WriteAllBytes(Path.Combine(dir, "dump.rdb"), "REDIS0010\xfa\x09redis-ver\x05"u8.ToArray());
            var ex = Assert.Throws<InvalidOperationException>(() => new ServerProcess("--dir", dir, "--save", ""));
            Assert.Contains("server exited early (1)", ex.Message);
            Assert.Contains("Fatal error loading the DB", ex.Message);
            Assert.True(File.Exists(Path.Combine(dir, "dump.rdb")), "the corrupt file must be left for inspection");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void SigtermSavesWhenSaveRulesAreSet()
    {
        string dir = NewDir();
        try
        {
            using (var server = new ServerProcess("--dir", dir))
            {
                using (var c = new RawClient(server.Port))
                    Assert.Equal("+OK\r\n", c.Call("SET", "kept", "by-sigterm"));
                server.Signal("TERM");
                Assert.True(server.WaitForExit(20_000));
                Assert.Equal(0, server.ExitCode);
            }
            using (var server = new ServerProcess("--dir", dir))
            {
                using var c = new RawClient(server.Port);
                Assert.Equal("$10\r\nby-sigterm\r\n", c.Call("GET", "kept"));
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void SaveRulesTriggerABackgroundSave()
    {
        using var server = new ServerProcess("--save", "");
        using var c = new RawClient(server.Port);
        Assert.Equal("+OK\r\n", c.Call("SET", "a", "1"));
        Assert.Contains("rdb_changes_since_last_save:1\r\n", c.Call("INFO", "persistence"));
        Assert.Equal("+OK\r\n", c.Call("CONFIG", "SET", "save", "1 1"));
        var deadline = DateTime.UtcNow.AddSeconds(15);
        string info;
        do
        {
            Thread.Sleep(100);
            info = c.Call("INFO", "persistence");
        }
        while (!info.Contains("rdb_changes_since_last_save:0\r\n") && DateTime.UtcNow < deadline);
        Assert.Contains("rdb_changes_since_last_save:0\r\n", info);
        Assert.Contains("rdb_saves:1\r\n", info);
        Assert.Contains("1 changes in 1 seconds. Saving...", server.Output);
    }

    [Fact]
    public void AFailedBgsaveStopsWritesUntilASaveSucceeds()
    {
        string parent = NewDir();
        string dir = Path.Combine(parent, "data");
        Directory.CreateDirectory(dir);
        try
        {
            using var server = new ServerProcess("--dir", dir, "--save", "3600 1");
            using var c = new RawClient(server.Port);
            Assert.Equal("+OK\r\n", c.Call("SET", "a", "1"));
            Directory.Delete(dir);
            Assert.Equal("+Background saving started\r\n", c.Call("BGSAVE"));
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (!c.Call("INFO", "persistence").Contains("rdb_last_bgsave_status:err") && DateTime.UtcNow < deadline) Thread.Sleep(20);
            const string misconf = "-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.\r\n";
            Assert.Equal(misconf, c.Call("SET", "a", "2"));
            Assert.Equal(misconf, c.Call("PING"));
            Assert.Equal("$1\r\n1\r\n", c.Call("GET", "a"));
            Directory.CreateDirectory(dir);
            Assert.Equal("+Background saving started\r\n", c.Call("BGSAVE"));
            deadline = DateTime.UtcNow.AddSeconds(10);
            while (!c.Call("INFO", "persistence").Contains("rdb_last_bgsave_status:ok") && DateTime.UtcNow < deadline) Thread.Sleep(20);
            Assert.Equal("+OK\r\n", c.Call("SET", "a", "3"));
        }
        finally
        {
            Directory.Delete(parent, recursive: true);
        }
    }

    [Fact]
    public void FlushAllWithSaveRulesSavesTheEmptyDatasetAndDropsARunningBgsave()
    {
        string dir = NewDir();
        try
        {
            using (var server = new ServerProcess("--dir", dir, "--save", "3600 1000000"))
            {
                using var c = new RawClient(server.Port);
                Assert.Equal("+OK\r\n", c.Call("DEBUG", "POPULATE", "5000"));
                Assert.Equal("+OK\r\n", c.Call("CONFIG", "SET", "rdb-key-save-delay", "1000"));
                Assert.Equal("+Background saving started\r\n", c.Call("BGSAVE"));
                Assert.Contains("rdb_bgsave_in_progress:1", c.Call("INFO", "persistence"));
                Assert.Equal("+OK\r\n", c.Call("FLUSHALL"));
                string info = c.Call("INFO", "persistence");
                Assert.Contains("rdb_bgsave_in_progress:0", info);
                Assert.Contains("rdb_last_bgsave_status:ok", info);
                Assert.Equal("+OK\r\n", c.Call("SET", "after-flush", "1"));
                Thread.Sleep(300); // the dropped snapshot's writer finishes: it must not replace the dump
                c.Send("SHUTDOWN", "NOSAVE");
                Assert.True(server.WaitForExit(20_000));
            }
            using (var server = new ServerProcess("--dir", dir, "--save", ""))
            {
                using var c = new RawClient(server.Port);
                Assert.Equal(":0\r\n", c.Call("DBSIZE"));
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void DebugReloadKeepsTheData()
    {
        using var server = new ServerProcess("--save", "");
        using var c = new RawClient(server.Port);
        Assert.Equal(":3\r\n", c.Call("RPUSH", "l", "a", "b", "c"));
        Assert.Equal("+OK\r\n", c.Call("SET", "s", "v", "PX", "100000"));
        Assert.Equal("+OK\r\n", c.Call("DEBUG", "RELOAD"));
        Assert.Equal("*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", c.Call("LRANGE", "l", "0", "-1"));
        Assert.StartsWith(":", c.Call("PTTL", "s"));
        Assert.NotEqual(":-1\r\n", c.Call("PTTL", "s"));
        Assert.Equal("-ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.\r\n", c.Call("DEBUG", "RELOAD", "FAST"));
        Assert.Equal("+OK\r\n", c.Call("SET", "extra", "1"));
        Assert.Equal("+OK\r\n", c.Call("DEBUG", "RELOAD", "NOSAVE"));
        Assert.Equal("$-1\r\n", c.Call("GET", "extra"));
    }
}
