using System.Text;

namespace TdbPlus.Shards.Scripting;

/// <summary>FUNCTION LOAD / DELETE / FLUSH / RESTORE against the Lua state (the caller holds every shard).</summary>
public sealed unsafe partial class ScriptingEngine
{
    private const string BadLibraryName =
        "ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long";

    /// <summary>A library compiled and run, not yet installed: its name, code and functions (callbacks at registry "tdb.pending").</summary>
    private sealed record PendingLibrary(string Name, byte[] Code, List<FunctionInfo> Functions);

    /// <summary>FUNCTION LOAD [REPLACE]: returns the library name, or null with the error reply text.</summary>
    public string? LoadLibrary(ReadOnlySpan<byte> code, bool replace, out string? error)
    {
        if (!ParseLibraryHeader(code, out string libName, out error)) return null;
        if (!replace && Functions.Library(libName) is not null)
        {
            error = $"ERR Library '{libName}' already exists";
            return null;
        }
        lock (_stateLock)
        {
            var pending = Compile(code, out error);
            if (pending is null) return null;
            foreach (var f in pending.Functions)
            {
                if (Functions.Find(f.Name) is { } other && other.Library != pending.Name)
                {
                    DropPending();
                    error = $"ERR Function {f.Name} already exists";
                    return null;
                }
            }
            Install([pending], flush: false);
            return pending.Name;
        }
    }

    /// <summary>functionExtractLibMetaData: "#!&lt;engine&gt; name=&lt;lib&gt;" on the first line.</summary>
    private static bool ParseLibraryHeader(ReadOnlySpan<byte> code, out string name, out string? error)
    {
        name = "";
        error = null;
        if (code.Length < 2 || code[0] != (byte)'#' || code[1] != (byte)'!')
        {
            error = "ERR Missing library metadata";
            return false;
        }
        int nl = code.IndexOf((byte)'\n');
        if (nl < 0)
        {
            error = "ERR Invalid library metadata";
            return false;
        }
        var parts = Encoding.Latin1.GetString(code[2..nl]).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string engine = parts.Length > 0 ? parts[0] : "";
        string? libName = null;
        for (int i = 1; i < parts.Length; i++)
        {
            if (parts[i].StartsWith("name=", StringComparison.Ordinal)) libName = parts[i][5..];
            else
            {
                error = $"ERR Invalid metadata value given: {parts[i]}";
                return false;
            }
        }
        if (libName is null)
        {
            error = "ERR Library name was not given";
            return false;
        }
        if (!string.Equals(engine, "lua", StringComparison.OrdinalIgnoreCase))
        {
            error = $"ERR Engine '{engine}' not found";
            return false;
        }
        if (!ValidName(libName))
        {
            error = BadLibraryName;
            return false;
        }
        name = libName;
        return true;
    }

    private static bool ValidName(string n)
    {
        if (n.Length == 0) return false;
        foreach (char c in n)
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_')) return false;
        return true;
    }

    /// <summary>Compiles and runs a library's code with the load-time globals; the callbacks go to registry "tdb.pending".</summary>
    private PendingLibrary? Compile(ReadOnlySpan<byte> code, out string? error)
    {
        if (!ParseLibraryHeader(code, out string name, out error)) return null;
        byte[] body = code.ToArray();
        body[0] = (byte)'-';
        body[1] = (byte)'-';
        var l = _l;
        if (Lua.LoadBuffer(l, body, "@user_function") != Lua.Ok)
        {
            error = "ERR Error compiling function: " + Lua51Message(Lua.ToStringLatin1(l, -1));
            Lua.SetTop(l, 0);
            return null;
        }
        SetEnv(l, "tdb.function_env");
        var co = _co;
        Lua.RawGetField(co, Lua.RegistryIndex, "tdb.run_load");
        Lua.XMove(l, co, 1);
        _loading = true;
        _running = true;
        _killState = KillNone;
        _startTicks = Environment.TickCount64;
        int status, nres;
        try
        {
            Lua.SetHook(co, &Hook, Lua.MaskCount, 100_000);
            status = Lua.Resume(co, l, 1, &nres);
        }
        finally
        {
            _loading = false;
            _running = false;
        }
        if (status != Lua.Ok)
        {
            error = _killState == KillLoadTimeout
                ? "ERR Error registering functions: ERR FUNCTION LOAD timeout"
                : "ERR Error registering functions: " + (status == Lua.Yield ? "attempt to yield from outside a coroutine" : Lua.ToStringLatin1(co, -1));
            _killState = KillNone;
            Lua.CloseThread(co, l);
            return null;
        }
        _killState = KillNone;
        try
        {
            if (Lua.ToBoolean(co, 1) == 0)
            {
                string msg = Lua.Type(co, 2) == Lua.TTable && Lua.RawGetField(co, 2, "err") is Lua.TString or Lua.TNumber
                    ? Lua.ToStringLatin1(co, -1) : Lua.ToStringLatin1(co, 2);
                error = "ERR Error registering functions: " + msg;
                return null;
            }
            if (Lua.ToInteger(co, 3) == 0)
            {
                error = "ERR No functions registered";
                return null;
            }
            var functions = new List<FunctionInfo>();
            Lua.PushNil(co);
            while (Lua.Next(co, 2) != 0)
            {
                string fname = Encoding.UTF8.GetString(Lua.ToBytes(co, -2));
                int entry = Lua.GetTop(co);
                Lua.RawGetI(co, entry, 2);
                var flags = (ScriptFlags)Lua.ToInteger(co, -1);
                Lua.RawGetI(co, entry, 3);
                string? desc = Lua.Type(co, -1) == Lua.TString ? Encoding.UTF8.GetString(Lua.ToBytes(co, -1)) : null;
                Lua.Pop(co, 3);
                functions.Add(new FunctionInfo(fname, name, flags, desc));
            }
            functions.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
            // Keep the callbacks until the library is installed (or dropped).
            Lua.PushValue(co, 2);
            Lua.XMove(co, l, 1);
            Lua.RawGetField(l, Lua.RegistryIndex, "tdb.pending");
            if (Lua.Type(l, -1) != Lua.TTable)
            {
                Lua.Pop(l, 1);
                Lua.NewTable(l);
                Lua.PushValue(l, -1);
                Lua.RawSetField(l, Lua.RegistryIndex, "tdb.pending");
            }
            Lua.PushUtf8(l, name);
            Lua.PushValue(l, -3);
            Lua.RawSet(l, -3);
            Lua.SetTop(l, 0);
            return new PendingLibrary(name, code.ToArray(), functions);
        }
        finally
        {
            Lua.SetTop(co, 0);
        }
    }

    /// <summary>Installs compiled libraries (replacing same-named ones; with <paramref name="flush"/>, all others go).</summary>
    private void Install(List<PendingLibrary> libs, bool flush)
    {
        var l = _l;
        if (flush)
        {
            Functions.Clear();
            Lua.NewTable(l);
            Lua.RawSetField(l, Lua.RegistryIndex, "tdb.functions");
        }
        Lua.RawGetField(l, Lua.RegistryIndex, "tdb.functions");
        int funcs = Lua.GetTop(l);
        Lua.RawGetField(l, Lua.RegistryIndex, "tdb.pending");
        int pend = Lua.GetTop(l);
        foreach (var lib in libs)
        {
            if (Functions.Library(lib.Name) is { } old)
            {
                foreach (var f in old.Functions)
                {
                    Lua.PushNil(l);
                    Lua.RawSetField(l, funcs, f.Name);
                }
                Functions.Remove(old.Name);
            }
            Lua.PushUtf8(l, lib.Name);
            Lua.RawGet(l, pend);
            int table = Lua.GetTop(l);
            foreach (var f in lib.Functions)
            {
                Lua.PushUtf8(l, f.Name);
                Lua.RawGet(l, table);
                Lua.RawGetI(l, -1, 1);
                Lua.RawSetField(l, funcs, f.Name);
                Lua.Pop(l, 1);
            }
            Lua.Pop(l, 1);
            Functions.Add(new FunctionLibrary(lib.Name, lib.Code, lib.Functions));
        }
        Lua.SetTop(l, 0);
        Lua.NewTable(l);
        Lua.RawSetField(l, Lua.RegistryIndex, "tdb.pending");
    }

    private void DropPending()
    {
        Lua.NewTable(_l);
        Lua.RawSetField(_l, Lua.RegistryIndex, "tdb.pending");
    }

    /// <summary>FUNCTION DELETE: false when there is no such library.</summary>
    public bool DeleteLibrary(string name)
    {
        lock (_stateLock)
        {
            var lib = Functions.Library(name);
            if (lib is null) return false;
            var l = _l;
            Lua.RawGetField(l, Lua.RegistryIndex, "tdb.functions");
            foreach (var f in lib.Functions)
            {
                Lua.PushNil(l);
                Lua.RawSetField(l, -2, f.Name);
            }
            Lua.SetTop(l, 0);
            Functions.Remove(name);
            return true;
        }
    }

    /// <summary>FUNCTION FLUSH.</summary>
    public void FlushFunctions()
    {
        lock (_stateLock)
        {
            Functions.Clear();
            Lua.NewTable(_l);
            Lua.RawSetField(_l, Lua.RegistryIndex, "tdb.functions");
        }
    }

    /// <summary>FUNCTION RESTORE: every library of the payload, installed by policy; null or the error text.</summary>
    public string? RestoreLibraries(List<byte[]> codes, string policy)
    {
        lock (_stateLock)
        {
            var libs = new List<PendingLibrary>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            var fnames = new HashSet<string>(StringComparer.Ordinal);
            foreach (var code in codes)
            {
                var lib = Compile(code, out var error);
                if (lib is null)
                {
                    DropPending();
                    return error;
                }
                if (!names.Add(lib.Name))
                {
                    DropPending();
                    return $"ERR Library '{lib.Name}' already exists";
                }
                foreach (var f in lib.Functions)
                {
                    if (!fnames.Add(f.Name))
                    {
                        DropPending();
                        return $"ERR Function {f.Name} already exists";
                    }
                }
                libs.Add(lib);
            }
            if (policy != "FLUSH")
            {
                foreach (var lib in libs)
                {
                    if (policy == "APPEND" && Functions.Library(lib.Name) is not null)
                    {
                        DropPending();
                        return $"ERR Library {lib.Name} already exists";
                    }
                    foreach (var f in lib.Functions)
                    {
                        if (Functions.Find(f.Name) is { } other && (policy == "APPEND" || other.Library != lib.Name) && !names.Contains(other.Library))
                        {
                            DropPending();
                            return $"ERR Function {f.Name} already exists";
                        }
                    }
                }
            }
            Install(libs, flush: policy == "FLUSH");
            return null;
        }
    }
}
