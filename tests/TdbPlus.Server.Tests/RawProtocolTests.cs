using System.Text.RegularExpressions;

namespace TdbPlus.Server.Tests;

/// <summary>Byte-exact replies of connection and server commands, RESP2 and RESP3.</summary>
public sealed class RawProtocolTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private RawClient Client() => new(fixture.Port);

    [Fact]
    public void HelloSwitchesProtocol()
    {
        using var c = Client();
        string hello = c.Call("HELLO", "3");
        Assert.StartsWith("%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:", hello);
        Assert.EndsWith("$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n", hello);
        Assert.Equal("_\r\n", c.Call("CLIENT", "GETNAME"));
        Assert.Equal("%1\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n", c.Call("CONFIG", "GET", "maxmemory"));
        const string cluster = "# Cluster\r\ncluster_enabled:0\r\n";
        Assert.Equal($"={cluster.Length + 4}\r\ntxt:{cluster}\r\n", c.Call("INFO", "cluster"));
        Assert.Equal("-NOPROTO unsupported protocol version\r\n", c.Call("HELLO", "4"));
        Assert.Equal("-ERR Protocol version is not an integer or out of range\r\n", c.Call("HELLO", "x"));
        Assert.Equal("-ERR Syntax error in HELLO option 'BOGUS'\r\n", c.Call("HELLO", "3", "BOGUS"));
        Assert.Equal("-WRONGPASS invalid username-password pair or user is disabled.\r\n", c.Call("HELLO", "2", "AUTH", "nouser", "p"));
        Assert.StartsWith("*14\r\n", c.Call("HELLO", "2", "AUTH", "default", "any", "SETNAME", "n1"));
        Assert.Equal("$2\r\nn1\r\n", c.Call("CLIENT", "GETNAME"));
        Assert.Equal("$-1\r\n", c.Call("GET", "raw:nosuch"));
    }

    [Fact]
    public void InfoIsVerbatimInResp3AndFormattedLikeRedis()
    {
        using var c = Client();
        string info = c.Call("INFO", "server", "clients");
        var body = info[(info.IndexOf("\r\n", StringComparison.Ordinal) + 2)..^2];
        Assert.StartsWith("# Server\r\nredis_version:7.0.15\r\n", body);
        Assert.Contains("\r\n\r\n# Clients\r\nconnected_clients:", body);
        Assert.EndsWith("\r\n", body);
        Assert.DoesNotContain("\r\n\r\n\r\n", body);
        Assert.Equal("$0\r\n\r\n", c.Call("INFO", "nosuchsection"));
        c.Call("HELLO", "3");
        Assert.StartsWith("=", c.Call("INFO"));
        string all = c.Call("INFO", "everything");
        foreach (var section in new[] { "Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU", "Modules", "Commandstats", "Errorstats", "Latencystats", "Cluster", "Keyspace" })
            Assert.Contains($"# {section}\r\n", all);
        Assert.Matches(new Regex(@"cmdstat_info:calls=\d+,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=0"), all);
    }

    [Fact]
    public void ResetRestoresConnectionState()
    {
        using var c = Client();
        c.Call("HELLO", "3");
        c.Call("SELECT", "5");
        c.Call("CLIENT", "SETNAME", "before");
        Assert.Equal("+RESET\r\n", c.Call("RESET"));
        Assert.Equal("$-1\r\n", c.Call("CLIENT", "GETNAME"));
        Assert.Contains(" db=0 ", c.Call("CLIENT", "INFO"));
        Assert.Contains(" resp=2\n", c.Call("CLIENT", "INFO"));
    }

    [Fact]
    public void ClientReplyOffAndSkip()
    {
        using var c = Client();
        c.Send("CLIENT", "REPLY", "OFF");
        c.Send("SET", "raw:silent", "1");
        c.Send("CLIENT", "REPLY", "ON");
        Assert.Equal("+OK\r\n", c.ReadFrame());
        c.Send("CLIENT", "REPLY", "SKIP");
        c.Send("PING", "skipped");
        Assert.Equal("$1\r\n1\r\n", c.Call("GET", "raw:silent"));
    }

    [Fact]
    public void ClientErrorsMatchRedis()
    {
        using var c = Client();
        Assert.Equal("-ERR wrong number of arguments for 'client' command\r\n", c.Call("CLIENT"));
        Assert.Equal("-ERR unknown subcommand 'bogus'. Try CLIENT HELP.\r\n", c.Call("CLIENT", "bogus"));
        Assert.Equal("-ERR Client names cannot contain spaces, newlines or special characters.\r\n", c.Call("CLIENT", "SETNAME", "a b"));
        Assert.Equal("-ERR No such client\r\n", c.Call("CLIENT", "KILL", "1.2.3.4:5"));
        Assert.Equal("-ERR client-id should be greater than 0\r\n", c.Call("CLIENT", "KILL", "ID", "0"));
        Assert.Equal(":0\r\n", c.Call("CLIENT", "KILL", "ADDR", "1.2.3.4:5", "SKIPME", "no"));
        Assert.Equal("-ERR Unknown client type 'x'\r\n", c.Call("CLIENT", "LIST", "TYPE", "x"));
        Assert.Equal("-ERR CLIENT PAUSE mode must be WRITE or ALL\r\n", c.Call("CLIENT", "PAUSE", "10", "x"));
        Assert.Equal("-ERR timeout is negative\r\n", c.Call("CLIENT", "PAUSE", "-1"));
        Assert.Equal("+OK\r\n", c.Call("CLIENT", "NO-EVICT", "on"));
        Assert.Contains(" flags=e ", c.Call("CLIENT", "INFO"));
        Assert.Equal("+OK\r\n", c.Call("CLIENT", "NO-TOUCH", "on"));
        Assert.Equal("-ERR syntax error\r\n", c.Call("CLIENT", "NO-TOUCH", "maybe"));
        Assert.StartsWith("*48\r\n+CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n", c.Call("CLIENT", "HELP"));
    }

    [Fact]
    public void ClientKillOwnConnectionClosesAfterReply()
    {
        using var victim = Client();
        string id = victim.Call("CLIENT", "ID")[1..^2];
        using var c = Client();
        Assert.Equal(":1\r\n", c.Call("CLIENT", "KILL", "ID", id));
        Assert.True(victim.IsClosedByServer());
        using var self = Client();
        string info = self.Call("CLIENT", "INFO");
        string addr = Regex.Match(info, @" addr=(\S+) ").Groups[1].Value;
        Assert.Equal("+OK\r\n", self.Call("CLIENT", "KILL", addr));
        Assert.True(self.IsClosedByServer());
    }

    [Fact]
    public void ClientPauseWriteDelaysWritesOnly()
    {
        using var c = Client();
        using var writer = Client();
        Assert.Equal("+OK\r\n", c.Call("CLIENT", "PAUSE", "400", "WRITE"));
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal("$-1\r\n", writer.Call("GET", "raw:pause"));
        Assert.True(sw.ElapsedMilliseconds < 300, $"read waited {sw.ElapsedMilliseconds} ms");
        Assert.Equal("+OK\r\n", writer.Call("SET", "raw:pause", "1"));
        Assert.True(sw.ElapsedMilliseconds >= 250, $"write waited only {sw.ElapsedMilliseconds} ms");
        Assert.Equal("+OK\r\n", c.Call("CLIENT", "PAUSE", "10000", "WRITE"));
        writer.Send("SET", "raw:pause", "2");
        Thread.Sleep(100);
        Assert.Equal("+OK\r\n", c.Call("CLIENT", "UNPAUSE"));
        Assert.Equal("+OK\r\n", writer.ReadFrame());
    }

    [Fact]
    public void MonitorStreamsOtherClientsCommands()
    {
        using var monitor = Client();
        Assert.Equal("+OK\r\n", monitor.Call("MONITOR"));
        Thread.Sleep(100);
        using var c = Client();
        c.Call("SELECT", "2");
        c.Call("SET", "raw:mon", "a \"b\"\n");
        string line = monitor.ReadLine();
        while (!line.Contains("\"SET\"")) line = monitor.ReadLine();
        Assert.Matches(new Regex(@"^\+\d+\.\d{6} \[2 127\.0\.0\.1:\d+\] ""SET"" ""raw:mon"" ""a \\""b\\""\\n""$"), line);
        c.Call("CONFIG", "GET", "maxmemory");
        c.Call("PING");
        line = monitor.ReadLine();
        Assert.Contains("\"PING\"", line);
        Assert.Contains(" flags=O ", c.Call("CLIENT", "LIST"));
        monitor.Send("RESET");
        Assert.Equal("+RESET", monitor.ReadLine());
    }

    [Fact]
    public void SlowLogRecordsCommandsOverTheThreshold()
    {
        using var c = Client();
        Assert.Equal("+OK\r\n", c.Call("CONFIG", "SET", "slowlog-log-slower-than", "0"));
        try
        {
            c.Call("SLOWLOG", "RESET");
            c.Call("ECHO", "slow-one");
            string log = c.Call("SLOWLOG", "GET", "-1");
            Assert.Contains("*2\r\n$4\r\nECHO\r\n$8\r\nslow-one\r\n", log);
            Assert.NotEqual(":0\r\n", c.Call("SLOWLOG", "LEN"));
            Assert.Equal("-ERR count should be greater than or equal to -1\r\n", c.Call("SLOWLOG", "GET", "-2"));
        }
        finally
        {
            c.Call("CONFIG", "SET", "slowlog-log-slower-than", "10000");
        }
        Assert.StartsWith("*12\r\n+SLOWLOG <subcommand>", c.Call("SLOWLOG", "HELP"));
    }

    [Fact]
    public void ConfigErrorsAndResetStat()
    {
        using var c = Client();
        Assert.Equal("-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value\r\n",
            c.Call("CONFIG", "SET", "maxmemory", "abc"));
        Assert.Equal("-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - duplicate parameter\r\n",
            c.Call("CONFIG", "SET", "maxmemory", "1", "maxmemory", "2"));
        Assert.Equal("-ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config\r\n",
            c.Call("CONFIG", "SET", "databases", "2"));
        // Atomic: the valid first pair is not applied when the second fails.
        Assert.StartsWith("-ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy')",
            c.Call("CONFIG", "SET", "slowlog-max-len", "5", "maxmemory-policy", "bogus"));
        Assert.Equal("*2\r\n$15\r\nslowlog-max-len\r\n$3\r\n128\r\n", c.Call("CONFIG", "GET", "slowlog-max-len"));
        Assert.Equal("-ERR The server is running without a config file\r\n", c.Call("CONFIG", "REWRITE"));
        Assert.Equal("+OK\r\n", c.Call("CONFIG", "RESETSTAT"));
        string stats = c.Call("INFO", "commandstats");
        Assert.Contains("cmdstat_config|resetstat:calls=1,", stats);
        Assert.DoesNotContain("cmdstat_config|set", stats); // INFO itself is recorded only after it replies
        Assert.Contains("cmdstat_info:calls=1,", c.Call("INFO", "commandstats"));
    }

    [Fact]
    public void CommandIntrospection()
    {
        using var c = Client();
        Assert.Matches(@"^:\d+\r\n$", c.Call("COMMAND", "COUNT"));
        Assert.Equal("*1\r\n$1\r\na\r\n", c.Call("COMMAND", "GETKEYS", "GET", "a"));
        Assert.Equal("-ERR Invalid command specified\r\n", c.Call("COMMAND", "GETKEYS", "nosuch", "a"));
        Assert.Equal("-ERR The command has no key arguments\r\n", c.Call("COMMAND", "GETKEYS", "PING", "x"));
        Assert.Equal("-ERR Invalid number of arguments specified for command\r\n", c.Call("COMMAND", "GETKEYS", "GET", "a", "b"));
        Assert.Equal(
            "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n",
            c.Call("COMMAND", "INFO", "get"));
        Assert.Equal("*1\r\n*10\r\n$10\r\nconfig|get\r\n:-3\r\n*4\r\n+admin\r\n+noscript\r\n+loading\r\n+stale\r\n:0\r\n:0\r\n:0\r\n*3\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n*0\r\n*0\r\n*0\r\n",
            c.Call("COMMAND", "INFO", "config|get"));
        Assert.Equal("*1\r\n$-1\r\n", c.Call("COMMAND", "INFO", "nosuch"));
        string list = c.Call("COMMAND", "LIST", "FILTERBY", "PATTERN", "config*");
        Assert.StartsWith("*6\r\n$6\r\nconfig\r\n", list);
        Assert.Contains("$10\r\nconfig|get\r\n", list);
    }

    [Fact]
    public void DebugPopulateObjectAndMemoryUsage()
    {
        using var c = Client();
        c.Call("SELECT", "6");
        Assert.Equal("+OK\r\n", c.Call("DEBUG", "POPULATE", "1000", "pop"));
        Assert.Equal("$9\r\nvalue:999\r\n", c.Call("GET", "pop:999"));
        Assert.Equal("+OK\r\n", c.Call("DEBUG", "POPULATE", "3", "pad", "10"));
        Assert.Equal("$10\r\nvalue:1\0\0\0\r\n", c.Call("GET", "pad:1"));
        Assert.Contains("db6:keys=1003,", c.Call("INFO", "keyspace"));
        Assert.Equal("-ERR value is out of range, must be positive\r\n", c.Call("DEBUG", "POPULATE", "-1"));
        Assert.Matches(new Regex(@"^\+Value at:0x[0-9a-f]+ refcount:1 encoding:embstr serializedlength:8 lru:\d+ lru_seconds_idle:\d+\r\n$"),
            c.Call("DEBUG", "OBJECT", "pop:0"));
        Assert.Equal("-ERR no such key\r\n", c.Call("DEBUG", "OBJECT", "nosuch"));
        Assert.Matches(@"^:\d+\r\n$", c.Call("MEMORY", "USAGE", "pop:1"));
        Assert.Equal("$-1\r\n", c.Call("MEMORY", "USAGE", "nosuch"));
        Assert.Equal("-ERR syntax error\r\n", c.Call("MEMORY", "USAGE", "pop:1", "SAMPLES"));
        Assert.Equal("+OK\r\n", c.Call("DEBUG", "SLEEP", "0.01"));
        Assert.StartsWith("*", c.Call("MEMORY", "STATS"));
    }

    [Fact]
    public void TimeLastSaveAndShutdownAbort()
    {
        using var c = Client();
        var m = Regex.Match(c.Call("TIME"), @"^\*2\r\n\$\d+\r\n(\d+)\r\n\$\d+\r\n(\d+)\r\n$");
        Assert.True(m.Success);
        Assert.InRange(long.Parse(m.Groups[1].Value), DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 5, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 5);
        Assert.Matches(@"^:\d+\r\n$", c.Call("LASTSAVE"));
        Assert.Equal("-ERR No shutdown in progress.\r\n", c.Call("SHUTDOWN", "ABORT"));
        Assert.Equal("-ERR syntax error\r\n", c.Call("SHUTDOWN", "NOSAVE", "SAVE"));
    }
}
