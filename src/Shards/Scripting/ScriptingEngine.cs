using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Engine;

namespace TdbPlus.Shards.Scripting;

/// <summary>Script flags (EVAL shebang "#!lua flags=..." and register_function flags), Redis's values.</summary>
[Flags]
public enum ScriptFlags
{
    None = 0,
    NoWrites = 1,
    AllowOom = 2,
    AllowStale = 4,
    NoCluster = 8,
    AllowCrossSlotKeys = 16,
}

/// <summary>
/// Lua scripting for one engine: a single Lua 5.4 state (scripts run one at a time, each with every shard
/// parked, so one state serves them all), the EVAL script cache and the FUNCTION libraries. A script runs in
/// a coroutine so that SCRIPT KILL can stop it by yielding from the count hook.
/// </summary>
public sealed unsafe partial class ScriptingEngine : IDisposable
{
    private static readonly ConditionalWeakTable<ShardSet, ScriptingEngine> s_engines = new();

    public const string BusyEval = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
    public const string BusyFunction = "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";
    public const string NoScript = "NOSCRIPT No matching script. Please use EVAL.";
    public const string NotBusy = "NOTBUSY No scripts in execution right now.";
    public const string Unkillable = "UNKILLABLE Sorry the script already executed write commands against the dataset. " +
        "You can either wait the script termination or terminate the server with the SHUTDOWN NOSAVE command.";

    internal static readonly (string Name, ScriptFlags Flag)[] FlagNames =
    [
        ("no-writes", ScriptFlags.NoWrites), ("allow-oom", ScriptFlags.AllowOom), ("allow-stale", ScriptFlags.AllowStale),
        ("no-cluster", ScriptFlags.NoCluster), ("allow-cross-slot-keys", ScriptFlags.AllowCrossSlotKeys),
    ];

    private readonly ShardSet _engine;
    private readonly object _stateLock = new();
    private readonly object _cacheLock = new();
    private readonly Dictionary<string, CachedScript> _scripts = new(StringComparer.Ordinal);
    private IntPtr _l;
    private IntPtr _co;
    private GCHandle _self;

    // The script running now (valid between BeginRun and EndRun, on the thread running it).
    private CommandContext? _caller;
    private ICommandRunner? _runner;
    private readonly CommandContext _inner;
    private readonly RespWriter _scratch = new(1024);
    private byte[] _argBytes = new byte[256];
    private ArgSlice[] _argSlices = new ArgSlice[16];
    private bool _readOnly;
    private bool _wrote;
    private int _scriptDb;
    private long _startTicks;
    private long _busyAfterMs;
    private bool _busy;
    private volatile bool _running;
    private volatile int _killState;
    private bool _isFunction;
    private bool _loading;
    private string _runName = "";
    private volatile string[]? _runCommand;
    private (string Source, int Line) _killedAt;

    private const int KillNone = 0;
    private const int KillRequested = 1;
    private const int KillLoadTimeout = 2;
    private const long LoadTimeoutMs = 500;

    private sealed record CachedScript(byte[] Body, ScriptFlags Flags, bool Shebang);

    private ScriptingEngine(ShardSet engine)
    {
        _engine = engine;
        _inner = new CommandContext(engine, new ClientSession(), _scratch) { InScript = true };
        Functions = new FunctionLibraries();
        _self = GCHandle.Alloc(this, GCHandleType.Weak);
        CreateState();
    }

    /// <summary>The scripting engine of <paramref name="engine"/>, created on first use.</summary>
    public static ScriptingEngine For(ShardSet engine) => s_engines.GetValue(engine, static e => new ScriptingEngine(e));

    /// <summary>FUNCTION libraries (names, flags, code).</summary>
    public FunctionLibraries Functions { get; }

    /// <summary>True while a script or function runs.</summary>
    public bool Running => _running;

    /// <summary>Scripts in the EVAL cache.</summary>
    public int CachedScripts
    {
        get
        {
            lock (_cacheLock) return _scripts.Count;
        }
    }

    // ---------------------------------------------------------------- state

    private static readonly string BootstrapSource = LoadBootstrap();

    private static string LoadBootstrap()
    {
        using var s = typeof(ScriptingEngine).Assembly.GetManifestResourceStream("TdbPlus.Shards.Scripting.Bootstrap.lua")
            ?? throw new InvalidOperationException("scripting bootstrap missing");
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    }

    private void CreateState()
    {
        var l = Lua.NewState();
        if (l == IntPtr.Zero) throw new InvalidOperationException("cannot create a Lua state");
        Lua.ExtraSpace(l) = GCHandle.ToIntPtr(_self);
        Lua.OpenLibs(l);
        if (Lua.LoadBuffer(l, System.Text.Encoding.UTF8.GetBytes(BootstrapSource), "=tdb_scripting") != Lua.Ok)
            throw new InvalidOperationException("scripting bootstrap: " + Lua.ToStringLatin1(l, -1));
        PushNatives(l);
        if (Lua.PCall(l, 1, 1, 0) != Lua.Ok)
            throw new InvalidOperationException("scripting bootstrap: " + Lua.ToStringLatin1(l, -1));
        int boot = Lua.GetTop(l);
        foreach (var name in new[] { "eval_env", "eval_globals", "function_env", "run_eval", "run_function", "run_load" })
        {
            Lua.RawGetField(l, boot, name);
            Lua.RawSetField(l, Lua.RegistryIndex, "tdb." + name);
        }
        Lua.Pop(l, 1);
        Lua.NewTable(l);
        Lua.RawSetField(l, Lua.RegistryIndex, "tdb.scripts");
        Lua.NewTable(l);
        Lua.RawSetField(l, Lua.RegistryIndex, "tdb.functions");
        // Whatever is left in the real globals is unreachable from scripts; drop the dangerous parts anyway.
        const string cleanup = "for _, k in ipairs{'os','io','package','require','dofile','loadfile','debug','utf8','print','warn'} do _G[k] = nil end";
        Lua.LoadBuffer(l, System.Text.Encoding.ASCII.GetBytes(cleanup), "=tdb_cleanup");
        Lua.PCall(l, 0, 0, 0);
        Lua.SetTop(l, 0);
        _co = Lua.NewThread(l);
        Lua.RawSetField(l, Lua.RegistryIndex, "tdb.co");
        _l = l;
    }

    private void PushNatives(IntPtr l)
    {
        Lua.NewTable(l);
        int t = Lua.GetTop(l);
        Reg(l, t, "call", &RawCall);
        Reg(l, t, "pcall", &RawPCall);
        Reg(l, t, "sha1hex", &RawSha1Hex);
        Reg(l, t, "log", &RawLog);
        Reg(l, t, "setresp", &RawSetResp);
        Reg(l, t, "set_repl", &RawSetRepl);
        Reg(l, t, "acl_check_cmd", &RawAclCheckCmd);
        Reg(l, t, "random", &RawRandom);
        Reg(l, t, "randomseed", &RawRandomSeed);
        Reg(l, t, "cjson_encode", &LuaJson.Encode);
        Reg(l, t, "cjson_decode", &LuaJson.Decode);
        Reg(l, t, "msgpack_pack", &LuaMsgPack.Pack);
        Reg(l, t, "msgpack_unpack", &LuaMsgPack.Unpack);
        Reg(l, t, "msgpack_unpack_one", &LuaMsgPack.UnpackOne);
        Reg(l, t, "msgpack_unpack_limit", &LuaMsgPack.UnpackLimit);
        Lua.PushLightUserData(l, IntPtr.Zero);
        Lua.RawSetField(l, t, "null");
        Lua.PushAscii(l, ServerVersion);
        Lua.RawSetField(l, t, "version");
        Lua.PushInteger(l, ServerVersionNum);
        Lua.RawSetField(l, t, "version_num");
    }

    /// <summary>The Redis version scripts see (redis.REDIS_VERSION).</summary>
    public const string ServerVersion = "7.0.15";
    private const long ServerVersionNum = 0x0007000f;

    private static void Reg(IntPtr l, int table, string name, delegate* unmanaged[Cdecl]<IntPtr, int> fn)
    {
        Lua.PushFunction(l, fn);
        Lua.RawSetField(l, table, name);
    }

    internal static ScriptingEngine Of(IntPtr l) => (ScriptingEngine)GCHandle.FromIntPtr(Lua.ExtraSpace(l)).Target!;

    public void Dispose()
    {
        lock (_stateLock)
        {
            if (_l != IntPtr.Zero) Lua.Close(_l);
            _l = IntPtr.Zero;
        }
        if (_self.IsAllocated) _self.Free();
    }

    // ---------------------------------------------------------------- script cache

    public static string Sha1Hex(ReadOnlySpan<byte> body)
    {
        Span<byte> hash = stackalloc byte[20];
        SHA1.HashData(body, hash);
        return Convert.ToHexStringLower(hash);
    }

    public bool ScriptExists(ReadOnlySpan<byte> sha)
    {
        if (sha.Length != 40) return false;
        Span<char> lower = stackalloc char[40];
        for (int i = 0; i < 40; i++) lower[i] = char.ToLowerInvariant((char)sha[i]);
        lock (_cacheLock) return _scripts.GetAlternateLookup<ReadOnlySpan<char>>().ContainsKey(lower);
    }

    /// <summary>
    /// Compiles and caches a script (SCRIPT LOAD and EVAL of a new body). Returns the sha, or null with
    /// <paramref name="error"/> set to the reply's error text.
    /// </summary>
    public string? LoadScript(ReadOnlySpan<byte> body, out string? error)
    {
        string sha = Sha1Hex(body);
        lock (_cacheLock)
        {
            if (_scripts.ContainsKey(sha))
            {
                error = null;
                return sha;
            }
        }
        if (!ParseShebang(body, out var flags, out bool shebang, out error)) return null;
        byte[] code = body.ToArray();
        if (shebang)
        {
            code[0] = (byte)'-';
            code[1] = (byte)'-';
        }
        lock (_stateLock)
        {
            var l = _l;
            if (Lua.LoadBuffer(l, code, "@user_script") != Lua.Ok)
            {
                error = "ERR Error compiling script (new function): " + Lua51Message(Lua.ToStringLatin1(l, -1));
                Lua.SetTop(l, 0);
                return null;
            }
            SetEnv(l, "tdb.eval_env");
            Lua.RawGetField(l, Lua.RegistryIndex, "tdb.scripts");
            Lua.PushAscii(l, sha);
            Lua.PushValue(l, -3);
            Lua.RawSet(l, -3);
            Lua.SetTop(l, 0);
        }
        lock (_cacheLock) _scripts[sha] = new CachedScript(body.ToArray(), flags, shebang);
        error = null;
        return sha;
    }

    /// <summary>Lua 5.4 quotes tokens in syntax errors like 5.1 except the end of the chunk.</summary>
    internal static string Lua51Message(string message) => message.Replace(" near <eof>", " near '<eof>'");

    /// <summary>Sets the _ENV upvalue of the function on top of the stack to the registry table <paramref name="envKey"/>.</summary>
    private static void SetEnv(IntPtr l, string envKey)
    {
        Lua.RawGetField(l, Lua.RegistryIndex, envKey);
        if (Lua.SetUpValue(l, -2, 1) == null) Lua.Pop(l, 1);
    }

    /// <summary>evalExtractShebangFlags: "#!lua [flags=a,b]" on the first line.</summary>
    internal static bool ParseShebang(ReadOnlySpan<byte> body, out ScriptFlags flags, out bool shebang, out string? error)
    {
        flags = ScriptFlags.None;
        error = null;
        shebang = body.Length >= 2 && body[0] == (byte)'#' && body[1] == (byte)'!';
        if (!shebang) return true;
        int nl = body.IndexOf((byte)'\n');
        var line = System.Text.Encoding.Latin1.GetString(nl < 0 ? body : body[..nl]);
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || parts[0] != "#!lua")
        {
            error = $"ERR Unexpected engine in script shebang: {(parts.Length == 0 ? line : parts[0])}";
            return false;
        }
        for (int i = 1; i < parts.Length; i++)
        {
            if (!parts[i].StartsWith("flags=", StringComparison.Ordinal))
            {
                error = $"ERR Unknown lua shebang option: {parts[i]}";
                return false;
            }
            foreach (var f in parts[i][6..].Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                var known = Array.FindIndex(FlagNames, n => n.Name == f);
                if (known < 0)
                {
                    error = $"ERR Unexpected flag in script shebang: {f}";
                    return false;
                }
                flags |= FlagNames[known].Flag;
            }
        }
        return true;
    }

    public void ForgetScripts()
    {
        lock (_stateLock)
        {
            lock (_cacheLock) _scripts.Clear();
            Lua.NewTable(_l);
            Lua.RawSetField(_l, Lua.RegistryIndex, "tdb.scripts");
        }
    }

    // ---------------------------------------------------------------- running

    /// <summary>
    /// EVAL / EVALSHA / EVAL_RO / EVALSHA_RO, with every shard parked. <paramref name="bySha"/>: argument 1 is a
    /// sha; <paramref name="readOnly"/>: the _RO variants.
    /// </summary>
    public void Eval(CommandContext ctx, bool bySha, bool readOnly)
    {
        if (!TryNumKeys(ctx, out int numKeys)) return;
        string? sha;
        CachedScript? script;
        if (bySha)
        {
            var arg = ctx.Arg(1);
            if (arg.Length != 40)
            {
                ctx.Error(NoScript);
                return;
            }
            Span<char> lower = stackalloc char[40];
            for (int i = 0; i < 40; i++) lower[i] = char.ToLowerInvariant((char)arg[i]);
            lock (_cacheLock) _scripts.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(lower, out sha, out script);
            if (script is null)
            {
                ctx.Error(NoScript);
                return;
            }
        }
        else
        {
            sha = LoadScript(ctx.Arg(1), out var error);
            if (sha is null)
            {
                ctx.Error(error!);
                return;
            }
            lock (_cacheLock) script = _scripts[sha];
        }
        if (readOnly && script.Shebang && (script.Flags & ScriptFlags.NoWrites) == 0)
        {
            ctx.Error("ERR Can not execute a script with write flag using *_ro command.");
            return;
        }
        lock (_stateLock)
        {
            var co = _co;
            Lua.RawGetField(co, Lua.RegistryIndex, "tdb.run_eval");
            Lua.RawGetField(co, Lua.RegistryIndex, "tdb.scripts");
            Lua.PushAscii(co, sha!);
            Lua.RawGet(co, -2);
            Lua.Remove(co, -2);
            Lua.RawGetField(co, Lua.RegistryIndex, "tdb.eval_globals");
            PushArgTable(co, ctx, 3, numKeys);
            Lua.RawSetField(co, -2, "KEYS");
            PushArgTable(co, ctx, 3 + numKeys, ctx.ArgCount - 3 - numKeys);
            Lua.RawSetField(co, -2, "ARGV");
            Lua.Pop(co, 1);
            Run(ctx, sha!, isFunction: false, readOnly || (script.Flags & ScriptFlags.NoWrites) != 0, nargs: 1);
        }
    }

    /// <summary>FCALL / FCALL_RO, with every shard parked.</summary>
    public void FCall(CommandContext ctx, bool readOnly)
    {
        var fn = Functions.Find(ctx.ArgString(1));
        if (fn is null)
        {
            ctx.Error("ERR Function not found");
            return;
        }
        if (!NumberParser.TryParseInt64(ctx.Arg(2), out _))
        {
            ctx.Error("ERR Bad number of keys provided");
            return;
        }
        if (!TryNumKeys(ctx, out int numKeys)) return;
        if (readOnly && (fn.Flags & ScriptFlags.NoWrites) == 0)
        {
            ctx.Error("ERR Can not execute a script with write flag using *_ro command.");
            return;
        }
        lock (_stateLock)
        {
            var co = _co;
            Lua.RawGetField(co, Lua.RegistryIndex, "tdb.run_function");
            Lua.RawGetField(co, Lua.RegistryIndex, "tdb.functions");
            Lua.PushUtf8(co, fn.Name);
            Lua.RawGet(co, -2);
            Lua.Remove(co, -2);
            PushArgTable(co, ctx, 3, numKeys);
            PushArgTable(co, ctx, 3 + numKeys, ctx.ArgCount - 3 - numKeys);
            Run(ctx, fn.Name, isFunction: true, readOnly || (fn.Flags & ScriptFlags.NoWrites) != 0, nargs: 3);
        }
    }

    private static bool TryNumKeys(CommandContext ctx, out int numKeys)
    {
        numKeys = 0;
        if (!ctx.TryGetLong(2, out long n)) return false;
        if (n > ctx.ArgCount - 3)
        {
            ctx.Error("ERR Number of keys can't be greater than number of args");
            return false;
        }
        if (n < 0)
        {
            ctx.Error("ERR Number of keys can't be negative");
            return false;
        }
        numKeys = (int)n;
        return true;
    }

    private static void PushArgTable(IntPtr l, CommandContext ctx, int first, int count)
    {
        Lua.CreateTable(l, count, 0);
        for (int i = 0; i < count; i++)
        {
            Lua.PushBytes(l, ctx.Arg(first + i));
            Lua.RawSetI(l, -2, i + 1);
        }
    }

    /// <summary>Resumes the script coroutine (function and arguments pushed) and replies its result or error.</summary>
    private void Run(CommandContext ctx, string name, bool isFunction, bool readOnly, int nargs)
    {
        var co = _co;
        var session = ctx.Session;
        int callerDb = session.DbIndex;
        bool blocking = session.BlockingAllowed;
        _caller = ctx;
        _runner = ctx.Runner;
        _inner.Session = session;
        _scratch.Protocol = 2;
        _scriptDb = callerDb;
        _readOnly = readOnly;
        _wrote = false;
        _isFunction = isFunction;
        _loading = false;
        _runName = name;
        _runCommand = null;
        _busy = false;
        _killState = KillNone;
        _startTicks = Environment.TickCount64;
        _busyAfterMs = _engine.Config["busy-reply-threshold"].NumericValue;
        _running = true;
        session.BlockingAllowed = false;
        int status;
        int nres;
        try
        {
            Lua.SetHook(co, &Hook, Lua.MaskCount, 100_000);
            status = Lua.Resume(co, _l, nargs, &nres);
        }
        finally
        {
            _running = false;
            session.DbIndex = callerDb;
            session.BlockingAllowed = blocking;
            _caller = null;
            _runner = null;
            if (_busy) _engine.BusyReply = null;
        }
        var reply = ctx.Reply;
        if (status == Lua.Ok)
        {
            int top = Lua.GetTop(co);
            bool ok = top >= 1 && Lua.ToBoolean(co, 1) != 0;
            if (ok)
            {
                if (top >= 2) LuaReplies.Write(co, 2, reply, _scriptResp);
                else reply.NullBulk();
            }
            else ReplyScriptError(ctx, co, top >= 2 ? 2 : 0, name);
            Lua.SetTop(co, 0);
        }
        else if (status == Lua.Yield && _killState == KillRequested)
        {
            _engine.Log?.Invoke("Lua script killed by user with SCRIPT KILL.");
            ctx.Error($"ERR Script killed by user with SCRIPT KILL... script: {name}, on {_killedAt.Source}:{_killedAt.Line}.");
            Lua.CloseThread(co, _l);
        }
        else
        {
            string msg = status == Lua.Yield ? "attempt to yield from outside a coroutine" : Lua.ToStringLatin1(co, -1);
            ctx.Error($"ERR Error running script {name}, {(msg.Length > 100 ? msg[..100] : msg)}");
            Lua.CloseThread(co, _l);
        }
        _scriptResp = 2;
        _killState = KillNone;
    }

    private int _scriptResp = 2;

    /// <summary>luaCallFunction's error reply: "-&lt;err&gt; script: &lt;name&gt;, on &lt;source&gt;:&lt;line&gt;."</summary>
    private static void ReplyScriptError(CommandContext ctx, IntPtr co, int index, string name)
    {
        if (index == 0 || Lua.Type(co, index) != Lua.TTable)
        {
            string m = index != 0 && Lua.IsString(co, index) != 0 ? Lua.ToStringLatin1(co, index) : "execution failure";
            ctx.Error($"ERR Error running script {name}, {(m.Length > 100 ? m[..100] : m)}");
            return;
        }
        string msg = Lua.RawGetField(co, index, "err") is Lua.TString or Lua.TNumber ? Lua.ToStringLatin1(co, -1) : "";
        Lua.Pop(co, 1);
        string? source = Lua.RawGetField(co, index, "source") is Lua.TString or Lua.TNumber ? Lua.ToStringLatin1(co, -1) : null;
        Lua.Pop(co, 1);
        string? line = Lua.RawGetField(co, index, "line") is Lua.TString or Lua.TNumber ? Lua.ToStringLatin1(co, -1) : null;
        Lua.Pop(co, 1);
        var text = source is not null && line is not null ? $"{msg} script: {name}, on {source}:{line}." : msg;
        // addReplyErrorLength: a message that does not start with '-' gets "ERR "; one that does is sent as is.
        ctx.Error(text.StartsWith('-') ? text[1..] : text);
    }

    // ---------------------------------------------------------------- kill and busy

    /// <summary>SCRIPT KILL (<paramref name="eval"/>) / FUNCTION KILL: null when the kill was requested, else the error.</summary>
    public string? Kill(bool eval)
    {
        if (!_running || _loading) return NotBusy;
        if (_wrote) return Unkillable;
        // Redis: SCRIPT KILL does not kill a function, nor FUNCTION KILL an eval script.
        if (eval && _isFunction) return BusyFunction;
        if (!eval && !_isFunction) return BusyEval;
        _killState = KillRequested;
        return null;
    }

    /// <summary>FUNCTION STATS running_script: (name, command, duration ms) of the running function or script.</summary>
    public (string Name, string[] Command, long DurationMs)? RunningScript
    {
        get
        {
            if (!_running || _loading) return null;
            var cmd = _runCommand ?? [];
            return (_runName, cmd, Environment.TickCount64 - _startTicks);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void Hook(IntPtr l, IntPtr ar)
    {
        try
        {
            Of(l).OnHook(l, ar);
        }
        catch
        {
            // Never let an exception cross into Lua.
        }
    }

    private void OnHook(IntPtr l, IntPtr ar)
    {
        long elapsed = Environment.TickCount64 - _startTicks;
        if (_loading)
        {
            if (elapsed > LoadTimeoutMs && _killState == KillNone) _killState = KillLoadTimeout;
        }
        else if (!_busy && _busyAfterMs > 0 && elapsed >= _busyAfterMs)
        {
            _busy = true;
            _runCommand = CaptureCommand();
            _engine.BusyReply = _isFunction ? BusyFunction : BusyEval;
            _engine.Log?.Invoke($"Slow script detected: still in execution after {elapsed} milliseconds. " +
                "You can try killing the script using the SCRIPT KILL command. Script name is: " + _runName + ".");
        }
        if (_busy) _runner?.ServeWhileBusy();
        if (_killState != KillNone && Lua.IsYieldable(l) != 0)
        {
            if (_killedAt.Source is null || _killedAt.Line == 0 || l == _co) _killedAt = Lua.HookPosition(l, ar);
            // From now on the hook fires at every instruction, so that no pcall can catch the kill for long.
            Lua.SetHook(l, &Hook, Lua.MaskCount | Lua.MaskLine, 1);
            if (l != _co) Lua.SetHook(_co, &Hook, Lua.MaskCount | Lua.MaskLine, 1);
            Lua.YieldK(l, 0, IntPtr.Zero, IntPtr.Zero);
        }
    }

    private string[] CaptureCommand()
    {
        var ctx = _caller;
        if (ctx is null) return [];
        var args = new string[ctx.ArgCount];
        for (int i = 0; i < args.Length; i++) args[i] = ctx.ArgRaw(i);
        return args;
    }

    // ---------------------------------------------------------------- redis.* natives

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int RawCall(IntPtr l) => Guard(l, static (e, l) => e.Call(l, raise: true));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int RawPCall(IntPtr l) => Guard(l, static (e, l) => e.Call(l, raise: false));

    private static int Guard(IntPtr l, Func<ScriptingEngine, IntPtr, int> body)
    {
        try
        {
            return body(Of(l), l);
        }
        catch (Exception ex)
        {
            Lua.SetTop(l, 0);
            Lua.PushBoolean(l, 0);
            PushErrorTable(l, "ERR " + ex.Message);
            return 2;
        }
    }

    /// <summary>Pushes {err = msg} (msg already carries its code).</summary>
    internal static void PushErrorTable(IntPtr l, string msg)
    {
        Lua.CreateTable(l, 0, 2);
        Lua.PushUtf8(l, msg);
        Lua.RawSetField(l, -2, "err");
    }

    /// <summary>Returns (false, error) for redis.call's wrapper to raise, or the error alone for redis.pcall.</summary>
    private int CallError(IntPtr l, bool raise, string msg, bool ignoreStats = false)
    {
        Lua.SetTop(l, 0);
        if (raise) Lua.PushBoolean(l, 0);
        PushErrorTable(l, msg);
        if (ignoreStats)
        {
            Lua.PushBoolean(l, 1);
            Lua.RawSetField(l, -2, "ignore_error_stats_update");
        }
        return raise ? 2 : 1;
    }

    private int Call(IntPtr l, bool raise)
    {
        int argc = Lua.GetTop(l);
        if (!_running || _caller is null) return CallError(l, raise, "ERR redis.call/pcall can only be called inside a script invocation");
        if (argc == 0) return CallError(l, raise, "ERR Please specify at least one argument for this redis lib call");
        if (!CollectArgs(l, argc)) return CallError(l, raise, "ERR Lua redis lib command arguments must be strings or integers");
        Lua.SetTop(l, 0);
        var args = _argSlices.AsSpan(0, argc);
        var table = _runner!.Table;
        var name = _argBytes.AsSpan(args[0].Offset, args[0].Length);
        var def = table.Find(name);
        if (def is { IsContainer: true } && argc >= 2)
        {
            var sub = args[1];
            def = def.Subcommands!.GetValueOrDefault(System.Text.Encoding.Latin1.GetString(_argBytes, sub.Offset, sub.Length));
        }
        if (def is null) return CallError(l, raise, "ERR Unknown Redis command called from script", true);
        var spec = def.Spec;
        if (!spec.ArityAccepts(argc)) return CallError(l, raise, "ERR Wrong number of args calling Redis command from script", true);
        if ((spec.Flags & CommandFlags.NoScript) != 0 || def.Route == CommandRoute.Exec)
            return CallError(l, raise, "ERR This Redis command is not allowed from script", true);
        if (_readOnly && (spec.Flags & (CommandFlags.Write | CommandFlags.MayReplicate)) != 0)
            return CallError(l, raise, "ERR Write commands are not allowed from read-only scripts.", true);
        var session = _inner.Session;
        session.DbIndex = _scriptDb;
        _scratch.Clear();
        _scratch.Protocol = _scriptResp;
        _inner.Reply = _scratch;
        _runner.RunNested(_inner, def, _argBytes, args);
        _scriptDb = session.DbIndex;
        var reply = _scratch.Written;
        bool isError = reply.Length > 0 && reply[0] == (byte)'-';
        if ((spec.Flags & CommandFlags.Write) != 0 && !isError) _wrote = true;
        if (raise)
        {
            if (isError)
            {
                Lua.PushBoolean(l, 0);
                int pos = 0;
                LuaReplies.Push(l, reply, ref pos);
                return 2;
            }
            Lua.PushBoolean(l, 1);
        }
        int p = 0;
        LuaReplies.Push(l, reply, ref p);
        return raise ? 2 : 1;
    }

    /// <summary>Copies the Lua arguments 1..argc into the argument buffer; false if one is not a string or number.</summary>
    private bool CollectArgs(IntPtr l, int argc)
    {
        if (_argSlices.Length < argc) _argSlices = new ArgSlice[Math.Max(argc, _argSlices.Length * 2)];
        int used = 0;
        Span<byte> num = stackalloc byte[40];
        for (int i = 1; i <= argc; i++)
        {
            scoped ReadOnlySpan<byte> bytes;
            int t = Lua.Type(l, i);
            if (t == Lua.TNumber)
            {
                int n = FormatNumber(l, i, num);
                bytes = num[..n];
            }
            else if (t == Lua.TString) bytes = Lua.ToBytes(l, i);
            else return false;
            if (_argBytes.Length - used < bytes.Length) Array.Resize(ref _argBytes, Math.Max(_argBytes.Length * 2, used + bytes.Length));
            bytes.CopyTo(_argBytes.AsSpan(used));
            _argSlices[i - 1] = new ArgSlice(used, bytes.Length);
            used += bytes.Length;
        }
        return true;
    }

    /// <summary>A Lua number as a command argument: integers in decimal, floats as "%.17g" (Redis's format).</summary>
    internal static int FormatNumber(IntPtr l, int index, Span<byte> dest)
    {
        if (Lua.IsInteger(l, index) != 0)
        {
            System.Buffers.Text.Utf8Formatter.TryFormat(Lua.ToInteger(l, index), dest, out int w);
            return w;
        }
        return DoubleFormatter.FormatG17(Lua.ToNumber(l, index), dest);
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int RawSha1Hex(IntPtr l)
    {
        if (Lua.GetTop(l) != 1) return Fail(l, "ERR wrong number of arguments", table: true);
        var hex = Sha1Hex(Lua.ToBytes(l, 1));
        Lua.SetTop(l, 0);
        Lua.PushBoolean(l, 1);
        Lua.PushAscii(l, hex);
        return 2;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int RawLog(IntPtr l)
    {
        int argc = Lua.GetTop(l);
        if (argc < 2) return Fail(l, "ERR redis.log() requires two arguments or more.", table: true);
        if (Lua.IsNumber(l, 1) == 0) return Fail(l, "ERR First argument must be a number (log level).", table: true);
        long level = (long)Lua.ToNumber(l, 1);
        if (level < 0 || level > 3) return Fail(l, "ERR Invalid debug level.", table: true);
        try
        {
            var e = Of(l);
            long verbosity = Array.IndexOf(["debug", "verbose", "notice", "warning", "nothing"], e._engine.Config["loglevel"].Value);
            if (level >= verbosity)
            {
                var sb = new System.Text.StringBuilder();
                for (int i = 2; i <= argc; i++)
                {
                    if (Lua.IsString(l, i) == 0) continue;
                    if (i != 2) sb.Append(' ');
                    sb.Append(Lua.ToStringLatin1(l, i));
                }
                e._engine.Log?.Invoke(sb.ToString());
            }
        }
        catch (Exception)
        {
            // Logging never fails a script.
        }
        Lua.SetTop(l, 0);
        Lua.PushBoolean(l, 1);
        return 1;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int RawSetResp(IntPtr l)
    {
        var e = Of(l);
        if (!e._running) return Fail(l, "ERR redis.setresp can only be called inside a script invocation", table: true);
        if (Lua.GetTop(l) != 1) return Fail(l, "ERR redis.setresp() requires one argument.", table: true);
        long resp = (long)Lua.ToNumber(l, 1);
        if (resp != 2 && resp != 3) return Fail(l, "ERR RESP version must be 2 or 3.", table: true);
        e._scriptResp = (int)resp;
        Lua.SetTop(l, 0);
        Lua.PushBoolean(l, 1);
        return 1;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int RawSetRepl(IntPtr l)
    {
        var e = Of(l);
        if (!e._running) return Fail(l, "ERR redis.set_repl can only be called inside a script invocation", table: true);
        if (Lua.GetTop(l) != 1) return Fail(l, "ERR redis.set_repl() requires two arguments.", table: true);
        long flags = (long)Lua.ToNumber(l, 1);
        if ((flags & ~3L) != 0) return Fail(l, "ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.", table: true);
        Lua.SetTop(l, 0);
        Lua.PushBoolean(l, 1);
        return 1;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int RawAclCheckCmd(IntPtr l)
    {
        var e = Of(l);
        if (!e._running) return Fail(l, "ERR redis.acl_check_cmd can only be called inside a script invocation", table: true);
        int argc = Lua.GetTop(l);
        if (argc == 0) return Fail(l, "ERR Please specify at least one argument for this redis lib call", table: true);
        if (!e.CollectArgs(l, argc)) return Fail(l, "ERR Lua redis lib command arguments must be strings or integers", table: true);
        var name = e._argBytes.AsSpan(e._argSlices[0].Offset, e._argSlices[0].Length);
        var def = e._runner!.Table.Find(name);
        if (def is { IsContainer: true } && argc >= 2)
            def = def.Subcommands!.GetValueOrDefault(System.Text.Encoding.Latin1.GetString(e._argBytes, e._argSlices[1].Offset, e._argSlices[1].Length));
        if (def is null || !def.Spec.ArityAccepts(argc)) return Fail(l, "ERR Invalid command passed to redis.acl_check_cmd()", table: true);
        Lua.SetTop(l, 0);
        Lua.PushBoolean(l, 1);
        Lua.PushBoolean(l, 1);
        return 2;
    }

    // redisLrand48: Redis's own rand48, so math.random gives the same sequence everywhere; never reseeded per script.
    private ulong _rand48 = 0x1234ABCD330EUL;

    private int Lrand48()
    {
        _rand48 = (0x5DEECE66DUL * _rand48 + 0xB) & 0xFFFFFFFFFFFFUL;
        return (int)(_rand48 >> 17);
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int RawRandom(IntPtr l)
    {
        var e = Of(l);
        double r = (double)(e.Lrand48() % int.MaxValue) / int.MaxValue;
        int argc = Lua.GetTop(l);
        switch (argc)
        {
            case 0:
                Lua.SetTop(l, 0);
                Lua.PushBoolean(l, 1);
                Lua.PushNumber(l, r);
                return 2;
            case 1:
            {
                if (Lua.IsNumber(l, 1) == 0) return Fail(l, ArgError(l, 1, "random", "number"));
                long u = (long)Lua.ToNumber(l, 1);
                if (u < 1) return Fail(l, "bad argument #1 to 'random' (interval is empty)");
                Lua.SetTop(l, 0);
                Lua.PushBoolean(l, 1);
                Lua.PushInteger(l, (long)Math.Floor(r * u) + 1);
                return 2;
            }
            case 2:
            {
                if (Lua.IsNumber(l, 1) == 0) return Fail(l, ArgError(l, 1, "random", "number"));
                if (Lua.IsNumber(l, 2) == 0) return Fail(l, ArgError(l, 2, "random", "number"));
                long lo = (long)Lua.ToNumber(l, 1), hi = (long)Lua.ToNumber(l, 2);
                if (lo > hi) return Fail(l, "bad argument #2 to 'random' (interval is empty)");
                Lua.SetTop(l, 0);
                Lua.PushBoolean(l, 1);
                Lua.PushInteger(l, (long)Math.Floor(r * (hi - lo + 1)) + lo);
                return 2;
            }
            default:
                return Fail(l, "wrong number of arguments");
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int RawRandomSeed(IntPtr l)
    {
        if (Lua.IsNumber(l, 1) == 0) return Fail(l, ArgError(l, 1, "randomseed", "number"));
        uint seed = (uint)(int)(long)Lua.ToNumber(l, 1);
        Of(l)._rand48 = 0x330EUL | ((ulong)(seed & 0xFFFF) << 16) | ((ulong)(seed >> 16) << 32);
        Lua.SetTop(l, 0);
        Lua.PushBoolean(l, 1);
        return 1;
    }

    internal static string ArgError(IntPtr l, int arg, string fn, string expected)
    {
        int t = Lua.Type(l, arg);
        string got = t == Lua.TNone ? "no value" : TypeName(t);
        return $"bad argument #{arg} to '{fn}' ({expected} expected, got {got})";
    }

    internal static string TypeName(int t) => t switch
    {
        Lua.TNil => "nil",
        Lua.TBoolean => "boolean",
        Lua.TLightUserData => "userdata",
        Lua.TNumber => "number",
        Lua.TString => "string",
        Lua.TTable => "table",
        Lua.TFunction => "function",
        Lua.TUserData => "userdata",
        Lua.TThread => "thread",
        _ => "no value",
    };

    /// <summary>Returns (false, err) for the Lua wrapper to raise: a string (positioned like luaL_error) or an {err=} table.</summary>
    internal static int Fail(IntPtr l, string message, bool table = false)
    {
        Lua.SetTop(l, 0);
        Lua.PushBoolean(l, 0);
        if (table) PushErrorTable(l, message);
        else Lua.PushUtf8(l, message);
        return 2;
    }
}
