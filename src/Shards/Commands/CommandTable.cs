using System.Runtime.CompilerServices;

namespace TdbPlus.Shards.Commands;

/// <summary>Every command the server knows, looked up case-insensitively by name bytes without allocating.</summary>
public sealed class CommandTable
{
    private readonly Dictionary<ulong, CommandDef[]> _byHash = [];
    private readonly SortedDictionary<string, CommandDef> _byName = new(StringComparer.Ordinal);

    public IEnumerable<CommandDef> All => _byName.Values;

    public int Count => _byName.Count;

    public void Add(CommandDef def)
    {
        string key = def.Spec.Name.ToLowerInvariant();
        if (!_byName.TryAdd(key, def)) throw new InvalidOperationException($"command {key} declared twice");
        ulong h = Hash(def.Spec.NameBytes);
        _byHash[h] = _byHash.TryGetValue(h, out var list) ? [.. list, def] : [def];
    }

    public void AddRange(IEnumerable<CommandDef> defs)
    {
        foreach (var d in defs) Add(d);
    }

    public CommandDef? Find(ReadOnlySpan<byte> name)
    {
        if (name.Length == 0 || name.Length > 64) return null;
        if (!_byHash.TryGetValue(Hash(name), out var list)) return null;
        foreach (var def in list)
            if (EqualsIgnoreCase(def.Spec.NameBytes, name)) return def;
        return null;
    }

    public CommandDef? Find(string name) => _byName.GetValueOrDefault(name.ToLowerInvariant());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Hash(ReadOnlySpan<byte> name)
    {
        ulong h = 14695981039346656037UL;
        foreach (byte b in name)
        {
            byte u = b is >= (byte)'a' and <= (byte)'z' ? (byte)(b - 32) : b;
            h = (h ^ u) * 1099511628211UL;
        }
        return h;
    }

    /// <summary>ASCII case-insensitive equality; <paramref name="upper"/> is already upper case.</summary>
    public static bool EqualsIgnoreCase(ReadOnlySpan<byte> upper, ReadOnlySpan<byte> other)
    {
        if (upper.Length != other.Length) return false;
        for (int i = 0; i < upper.Length; i++)
        {
            byte b = other[i];
            if (b is >= (byte)'a' and <= (byte)'z') b -= 32;
            if (b != upper[i]) return false;
        }
        return true;
    }
}
