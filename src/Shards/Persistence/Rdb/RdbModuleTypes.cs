using TdbPlus.Shards.Codecs;

namespace TdbPlus.Shards.Persistence.Rdb;

/// <summary>The registered module types, looked up by id when loading and by value when saving.</summary>
public static class RdbModuleTypes
{
    private const string Charset = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    private static readonly object s_lock = new();
    private static IRdbModuleType[] s_types = [];

    public static void Register(IRdbModuleType type)
    {
        EncodeId(type.Name, type.EncodingVersion);
        lock (s_lock)
        {
            if (Array.Exists(s_types, t => t.Name == type.Name)) throw new InvalidOperationException($"module type {type.Name} is already registered");
            s_types = [.. s_types, type];
        }
    }

    /// <summary>moduleTypeEncodeId: 6 bits per name character, then 10 bits of encoding version.</summary>
    public static ulong EncodeId(string name, int encodingVersion)
    {
        if (name.Length != 9) throw new ArgumentException("module type names have 9 characters", nameof(name));
        if (encodingVersion < 0 || encodingVersion > 1023) throw new ArgumentOutOfRangeException(nameof(encodingVersion));
        ulong id = 0;
        foreach (char ch in name)
        {
            int k = Charset.IndexOf(ch);
            if (k < 0) throw new ArgumentException($"'{ch}' is not allowed in a module type name", nameof(name));
            id = (id << 6) | (uint)k;
        }
        return (id << 10) | (uint)encodingVersion;
    }

    /// <summary>moduleTypeNameByID: the name and encoding version an id stands for.</summary>
    public static string DecodeName(ulong id, out int encodingVersion)
    {
        encodingVersion = (int)(id & 1023);
        id >>= 10;
        Span<char> name = stackalloc char[9];
        for (int j = 8; j >= 0; j--)
        {
            name[j] = Charset[(int)(id & 63)];
            id >>= 6;
        }
        return new string(name);
    }

    public static IRdbModuleType? Find(object value)
    {
        foreach (var t in s_types) if (t.Owns(value)) return t;
        return null;
    }

    public static IRdbModuleType? FindById(ulong id)
    {
        string name = DecodeName(id, out _);
        foreach (var t in s_types) if (t.Name == name) return t;
        return null;
    }

    internal static void Write(RdbOutput o, object value)
    {
        var type = Find(value) ?? throw new InvalidOperationException($"no RDB encoding for {value.GetType().Name}");
        o.WriteLength(EncodeId(type.Name, type.EncodingVersion));
        type.Save(new RdbModuleWriter(o), value);
        o.WriteLength((ulong)RdbConstants.ModuleOpEof);
    }
}
