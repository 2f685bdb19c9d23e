namespace TdbPlus.Shards.Scripting;

/// <summary>One function of a library, as FUNCTION LIST shows it.</summary>
public sealed record FunctionInfo(string Name, string Library, ScriptFlags Flags, string? Description);

/// <summary>A FUNCTION library: its name, its code as loaded, its functions.</summary>
public sealed record FunctionLibrary(string Name, byte[] Code, IReadOnlyList<FunctionInfo> Functions);

/// <summary>The loaded libraries and the function name index (metadata; the callbacks live in the Lua state).</summary>
public sealed class FunctionLibraries
{
    private readonly object _lock = new();
    private readonly Dictionary<string, FunctionLibrary> _libraries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FunctionInfo> _functions = new(StringComparer.OrdinalIgnoreCase);

    public FunctionInfo? Find(string name)
    {
        lock (_lock) return _functions.GetValueOrDefault(name);
    }

    public FunctionLibrary? Library(string name)
    {
        lock (_lock) return _libraries.GetValueOrDefault(name);
    }

    /// <summary>Every library, by name.</summary>
    public List<FunctionLibrary> Snapshot()
    {
        lock (_lock) return [.. _libraries.Values.OrderBy(l => l.Name, StringComparer.Ordinal)];
    }

    public (int Libraries, int Functions) Counts
    {
        get
        {
            lock (_lock) return (_libraries.Count, _functions.Count);
        }
    }

    internal void Add(FunctionLibrary lib)
    {
        lock (_lock)
        {
            _libraries[lib.Name] = lib;
            foreach (var f in lib.Functions) _functions[f.Name] = f;
        }
    }

    internal void Remove(string name)
    {
        lock (_lock)
        {
            if (!_libraries.Remove(name, out var lib)) return;
            foreach (var f in lib.Functions) _functions.Remove(f.Name);
        }
    }

    internal void Clear()
    {
        lock (_lock)
        {
            _libraries.Clear();
            _functions.Clear();
        }
    }
}
