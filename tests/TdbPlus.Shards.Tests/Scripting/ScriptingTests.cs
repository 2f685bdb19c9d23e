using System.Text;
using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Config;
using TdbPlus.Shards.Engine;
using TdbPlus.Shards.Execution;
using TdbPlus.Shards.Families;
using TdbPlus.Shards.Scripting;

using TdbPlus.Shards.Tests.Execution;

namespace TdbPlus.Shards.Tests.Scripting;

/// <summary>A started engine with the core families (scripting included) and clients driving real executors.</summary>
internal sealed class ScriptHarness : IDisposable
{
    private readonly CommandTable _table = new();

    public ScriptHarness(int shards = 4)
    {
        var config = new ServerConfig();
        Assert.True(config["shards"].TrySet(shards.ToString(), out _));
        Engine = new ShardSet(config);
        Engine.Start();
        _table.AddRange(CoreFamilies.Commands());
        Main = NewClient();
    }

    public ShardSet Engine { get; }

    public Client Main { get; }

    public Client NewClient() => new(Engine, _table);

    public string Run(params string[] args) => Main.Run(args);

    public void Dispose()
    {
        ScriptingEngine.For(Engine).Dispose();
        Engine.Dispose();
    }

    internal sealed class Client(ShardSet engine, CommandTable table)
    {
        private readonly RespWriter _out = new(1024);
        private readonly ClientSession _session = new();
        private BatchExecutor? _executor;

        public ClientSession Session => _session;

        public string Run(params string[] args)
        {
            _executor ??= new BatchExecutor(engine, table, _session, _out);
            var batch = TestBatch.Of([args]);
            _out.Clear();
            _out.Protocol = _session.Protocol;
            _executor.ExecuteAsync(batch).AsTask().GetAwaiter().GetResult();
            return Encoding.Latin1.GetString(_out.Written);
        }
    }
}

public sealed class ScriptingConversionTests : IDisposable
{
    private readonly ScriptHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Theory]
    [InlineData("return 1", ":1\r\n")]
    [InlineData("return 3.99", ":3\r\n")]
    [InlineData("return -3.99", ":-3\r\n")]
    [InlineData("return 1e30", ":-9223372036854775808\r\n")]
    [InlineData("return 0/0", ":-9223372036854775808\r\n")]
    [InlineData("return 'x'", "$1\r\nx\r\n")]
    [InlineData("return true", ":1\r\n")]
    [InlineData("return false", "$-1\r\n")]
    [InlineData("return nil", "$-1\r\n")]
    [InlineData("return {1,2,nil,4}", "*2\r\n:1\r\n:2\r\n")]
    [InlineData("return {err='CODE msg'}", "-CODE msg\r\n")]
    [InlineData("return {ok='fine'}", "+fine\r\n")]
    [InlineData("return {double=1.5}", "$3\r\n1.5\r\n")]
    [InlineData("return {map={a=1}}", "*2\r\n$1\r\na\r\n:1\r\n")]
    [InlineData("return {set={a=true}}", "*1\r\n$1\r\na\r\n")]
    [InlineData("return {big_number='12'}", "$2\r\n12\r\n")]
    [InlineData("return redis.error_reply('x')", "-ERR x\r\n")]
    [InlineData("return redis.status_reply('S')", "+S\r\n")]
    public void LuaValuesBecomeResp2Replies(string script, string expected) =>
        Assert.Equal(expected, _h.Run("EVAL", script, "0"));

    [Theory]
    [InlineData("return true", ":1\r\n")]
    [InlineData("return false", "_\r\n")]
    [InlineData("redis.setresp(3); return true", "#t\r\n")]
    [InlineData("redis.setresp(3); return false", "#f\r\n")]
    [InlineData("return {double=1.5}", ",1.5\r\n")]
    [InlineData("return {map={a=1}}", "%1\r\n$1\r\na\r\n:1\r\n")]
    [InlineData("return {set={a=true}}", "~1\r\n$1\r\na\r\n")]
    [InlineData("return {big_number='12'}", "(12\r\n")]
    [InlineData("return {verbatim_string={format='txt', string='hi'}}", "=6\r\ntxt:hi\r\n")]
    public void LuaValuesBecomeResp3Replies(string script, string expected)
    {
        _h.Main.Session.Protocol = 3;
        Assert.Equal(expected, _h.Run("EVAL", script, "0"));
    }

    [Fact]
    public void RepliesBecomeLuaValues()
    {
        _h.Run("SET", "s", "v");
        _h.Run("SET", "n", "5");
        Assert.Equal("$6\r\nstring\r\n", _h.Run("EVAL", "return type(redis.call('GET', 's'))", "0"));
        Assert.Equal("$7\r\nboolean\r\n", _h.Run("EVAL", "return type(redis.call('GET', 'missing'))", "0"));
        Assert.Equal(":7\r\n", _h.Run("EVAL", "return redis.call('INCR', 'n') + 1", "0"));
        Assert.Equal("$2\r\nOK\r\n", _h.Run("EVAL", "return redis.call('SET', 'a', 'b').ok", "0"));
        Assert.Equal("$5\r\ntable\r\n", _h.Run("EVAL", "return type(redis.pcall('INCR', 's'))", "0"));
        Assert.Equal("$43\r\nERR value is not an integer or out of range\r\n",
            _h.Run("EVAL", "return redis.pcall('INCR', 's').err", "0"));
        // RESP3 inside the script: nulls are nil, maps are {map=...}.
        Assert.Equal("$3\r\nnil\r\n", _h.Run("EVAL", "redis.setresp(3); return type(redis.call('GET', 'missing'))", "0"));
        _h.Run("SET", "x1", "ohmytext");
        _h.Run("SET", "x2", "mynewtext");
        Assert.Equal(":6\r\n", _h.Run("EVAL", "redis.setresp(3); return redis.call('LCS', 'x1', 'x2', 'IDX').map.len", "0"));
    }

    [Fact]
    public void NumbersAsArguments()
    {
        Assert.Equal("+OK\r\n", _h.Run("EVAL", "return redis.call('SET', 'f', 0.1)", "0"));
        Assert.Equal("$19\r\n0.10000000000000001\r\n", _h.Run("GET", "f"));
        _h.Run("EVAL", "return redis.call('SET', 'i', 10)", "0");
        Assert.Equal("$2\r\n10\r\n", _h.Run("GET", "i"));
    }

    [Fact]
    public void LibrariesWork()
    {
        Assert.Equal("$13\r\n[1,2,{\"a\":1}]\r\n", _h.Run("EVAL", "return cjson.encode({1,2,{a=1}})", "0"));
        Assert.Equal(":3\r\n", _h.Run("EVAL", "return cjson.decode('[1,2,3]')[3]", "0"));
        Assert.Equal("$5\r\n\u0093\u0001\u0002\u00a1a\r\n", _h.Run("EVAL", "return cmsgpack.pack({1,2,'a'})", "0"));
        Assert.Equal("$8\r\n0000ffff\r\n", _h.Run("EVAL", "return bit.tohex(65535)", "0"));
        Assert.Equal(":-2147483648\r\n", _h.Run("EVAL", "return bit.lshift(1, 31)", "0"));
        Assert.Equal("$2\r\n\x01\x02\r\n", _h.Run("EVAL", "return struct.pack('>I2', 258)", "0"));
        Assert.Equal("$40\r\nda39a3ee5e6b4b0d3255bfef95601890afd80709\r\n", _h.Run("EVAL", "return redis.sha1hex('')", "0"));
    }
}

public sealed class ScriptingSandboxTests : IDisposable
{
    private readonly ScriptHarness _h = new();

    public void Dispose() => _h.Dispose();

    private static string Sha(string body) => ScriptingEngine.Sha1Hex(Encoding.UTF8.GetBytes(body));

    [Fact]
    public void GlobalsAreProtected()
    {
        Assert.Equal($"-ERR user_script:1: Script attempted to access nonexistent global variable 'x' script: {Sha("return x")}, on @user_script:1.\r\n",
            _h.Run("EVAL", "return x", "0"));
        Assert.Equal($"-ERR user_script:1: Attempt to modify a readonly table script: {Sha("x = 1")}, on @user_script:1.\r\n",
            _h.Run("EVAL", "x = 1", "0"));
        Assert.Contains("readonly table", _h.Run("EVAL", "string.foo = 1", "0"));
        Assert.Contains("nonexistent global variable 'os'", _h.Run("EVAL", "return os.exit()", "0"));
        Assert.Contains("nonexistent global variable 'io'", _h.Run("EVAL", "return io", "0"));
        Assert.Contains("nonexistent global variable 'loadfile'", _h.Run("EVAL", "return loadfile", "0"));
        Assert.Equal("$7\r\nLua 5.1\r\n", _h.Run("EVAL", "return _VERSION", "0"));
    }

    [Fact]
    public void UndeclaredKeysOnEveryShard()
    {
        var sb = new StringBuilder("for i = 1, 100 do redis.call('SET', 'key:' .. i, i) end; local t = 0; ");
        sb.Append("for i = 1, 100 do t = t + tonumber(redis.call('GET', 'key:' .. i)) end; return t");
        Assert.Equal(":5050\r\n", _h.Run("EVAL", sb.ToString(), "0"));
        Assert.Equal(":100\r\n", _h.Run("DBSIZE"));
    }
}

public sealed class ScriptingErrorTests : IDisposable
{
    private readonly ScriptHarness _h = new();

    public void Dispose() => _h.Dispose();

    private static string Sha(string body) => ScriptingEngine.Sha1Hex(Encoding.UTF8.GetBytes(body));

    [Theory]
    [InlineData("return redis.call('nosuch')", "ERR Unknown Redis command called from script")]
    [InlineData("return redis.call('get')", "ERR Wrong number of args calling Redis command from script")]
    [InlineData("return redis.call('multi')", "ERR This Redis command is not allowed from script")]
    [InlineData("return redis.call()", "ERR Please specify at least one argument for this redis lib call")]
    [InlineData("return redis.call('get', {})", "ERR Lua redis lib command arguments must be strings or integers")]
    [InlineData("error({err='MY custom'})", "MY custom")]
    [InlineData("error('boom')", "ERR user_script:1: boom")]
    public void ErrorsCarryTheScriptAndLine(string script, string message) =>
        Assert.Equal($"-{message} script: {Sha(script)}, on @user_script:1.\r\n", _h.Run("EVAL", script, "0"));

    [Fact]
    public void ArgumentAndCacheErrors()
    {
        Assert.Equal("-ERR Number of keys can't be negative\r\n", _h.Run("EVAL", "return 1", "-1"));
        Assert.Equal("-ERR Number of keys can't be greater than number of args\r\n", _h.Run("EVAL", "return 1", "2", "a"));
        Assert.Equal("-NOSCRIPT No matching script. Please use EVAL.\r\n", _h.Run("EVALSHA", new string('0', 40), "0"));
        Assert.Equal("-ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'\r\n", _h.Run("EVAL", "return (", "0"));
        string sha = Sha("return KEYS[1] .. ARGV[1]");
        Assert.Equal($"${sha.Length}\r\n{sha}\r\n", _h.Run("SCRIPT", "LOAD", "return KEYS[1] .. ARGV[1]"));
        Assert.Equal("$2\r\nka\r\n", _h.Run("EVALSHA", sha.ToUpperInvariant(), "1", "k", "a"));
        Assert.Equal("*2\r\n:1\r\n:0\r\n", _h.Run("SCRIPT", "EXISTS", sha, new string('f', 40)));
        Assert.Equal("+OK\r\n", _h.Run("SCRIPT", "FLUSH"));
        Assert.Equal("*1\r\n:0\r\n", _h.Run("SCRIPT", "EXISTS", sha));
        Assert.Equal("-NOTBUSY No scripts in execution right now.\r\n", _h.Run("SCRIPT", "KILL"));
    }

    [Fact]
    public void ReadOnlyScriptsCannotWrite()
    {
        string script = "return redis.call('SET', 'a', '1')";
        Assert.Equal($"-ERR Write commands are not allowed from read-only scripts. script: {Sha(script)}, on @user_script:1.\r\n",
            _h.Run("EVAL_RO", script, "0"));
        Assert.Equal("-ERR Can not execute a script with write flag using *_ro command.\r\n", _h.Run("EVAL_RO", "#!lua\nreturn 1", "0"));
        Assert.Equal(":1\r\n", _h.Run("EVAL_RO", "#!lua flags=no-writes\nreturn 1", "0"));
    }
}

public sealed class FunctionTests : IDisposable
{
    private readonly ScriptHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public void LoadCallListDumpRestore()
    {
        const string lib = "#!lua name=mylib\nredis.register_function('f1', function(keys, args) return keys[1] .. args[1] end)\n" +
            "redis.register_function{function_name='f2', callback=function(keys) return redis.call('GET', keys[1]) end, flags={'no-writes'}}";
        Assert.Equal("$5\r\nmylib\r\n", _h.Run("FUNCTION", "LOAD", lib));
        Assert.Equal("$2\r\nka\r\n", _h.Run("FCALL", "f1", "1", "k", "a"));
        Assert.Equal("-ERR Can not execute a script with write flag using *_ro command.\r\n", _h.Run("FCALL_RO", "f1", "1", "k", "a"));
        _h.Run("SET", "k", "v");
        Assert.Equal("$1\r\nv\r\n", _h.Run("FCALL_RO", "f2", "1", "k"));
        Assert.Equal("-ERR Library 'mylib' already exists\r\n", _h.Run("FUNCTION", "LOAD", lib));
        Assert.Contains("no-writes", _h.Run("FUNCTION", "LIST"));
        string dump = _h.Run("FUNCTION", "DUMP");
        Assert.StartsWith("$", dump);
        string payload = dump[(dump.IndexOf("\r\n", StringComparison.Ordinal) + 2)..^2];
        Assert.Equal("+OK\r\n", _h.Run("FUNCTION", "FLUSH"));
        Assert.Equal("-ERR Function not found\r\n", _h.Run("FCALL", "f1", "1", "k", "a"));
        Assert.Equal("+OK\r\n", _h.Run("FUNCTION", "RESTORE", payload));
        Assert.Equal("$2\r\nka\r\n", _h.Run("FCALL", "f1", "1", "k", "a"));
        Assert.Equal("-ERR Library mylib already exists\r\n", _h.Run("FUNCTION", "RESTORE", payload));
        Assert.Equal("+OK\r\n", _h.Run("FUNCTION", "RESTORE", payload, "REPLACE"));
        Assert.Equal("+OK\r\n", _h.Run("FUNCTION", "DELETE", "mylib"));
        Assert.Equal("-ERR Library not found\r\n", _h.Run("FUNCTION", "DELETE", "mylib"));
    }

    [Fact]
    public void LoadErrors()
    {
        Assert.Equal("-ERR Missing library metadata\r\n", _h.Run("FUNCTION", "LOAD", "return 1"));
        Assert.Equal("-ERR No functions registered\r\n", _h.Run("FUNCTION", "LOAD", "#!lua name=x\nlocal a = 1"));
        Assert.Equal("-ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'call'\r\n",
            _h.Run("FUNCTION", "LOAD", "#!lua name=x\nredis.call('ping')"));
    }

    [Fact]
    public void LzfRoundTrip()
    {
        var rng = new Random(7);
        for (int n = 21; n < 3000; n += 97)
        {
            var data = new byte[n];
            for (int i = 0; i < n; i++) data[i] = (byte)"abcab  de"[rng.Next(9)];
            var packed = FunctionDump.Dump([new FunctionLibrary("x", data, [])]);
            var codes = FunctionDump.Parse(packed, out var error);
            Assert.Null(error);
            Assert.Equal(data, Assert.Single(codes!));
        }
    }
}

public sealed class ScriptBusyTests : IDisposable
{
    private readonly ScriptHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task LongScriptIsBusyAndKillable()
    {
        Assert.True(_h.Engine.Config["busy-reply-threshold"].TrySet("100", out _));
        var other = _h.NewClient();
        var running = Task.Run(() => _h.Run("EVAL", "local i = 0 while true do i = i + 1 end", "0"));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_h.Engine.BusyReply is null && DateTime.UtcNow < deadline) await Task.Delay(10);
        Assert.Equal("-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n", other.Run("GET", "x"));
        Assert.Equal("+OK\r\n", other.Run("SCRIPT", "KILL"));
        string reply = await running.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.StartsWith("-ERR Script killed by user with SCRIPT KILL...", reply);
        Assert.Null(_h.Engine.BusyReply);
        Assert.Equal("$-1\r\n", other.Run("GET", "x"));
    }

    [Fact]
    public async Task ScriptThatWroteIsUnkillable()
    {
        Assert.True(_h.Engine.Config["busy-reply-threshold"].TrySet("100", out _));
        var other = _h.NewClient();
        var running = Task.Run(() => _h.Run("EVAL", "redis.call('SET', 'w', '1') local i = 0 while i < 60000000 do i = i + 1 end return i", "0"));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_h.Engine.BusyReply is null && DateTime.UtcNow < deadline && !running.IsCompleted) await Task.Delay(10);
        if (!running.IsCompleted)
            Assert.StartsWith("-UNKILLABLE Sorry the script already executed write commands", other.Run("SCRIPT", "KILL"));
        Assert.StartsWith(":", await running.WaitAsync(TimeSpan.FromSeconds(60)));
    }
}
