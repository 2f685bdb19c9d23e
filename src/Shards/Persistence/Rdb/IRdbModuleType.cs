using TdbPlus.Shards.Keyspace;

namespace TdbPlus.Shards.Persistence.Rdb;

/// <summary>
/// A value type of our own stored as RDB_TYPE_MODULE_2: a 64-bit id made from a 9-character name and an
/// encoding version (as Redis's moduleTypeEncodeId), and the value written as typed module opcodes.
/// </summary>
public interface IRdbModuleType
{
    /// <summary>Nine characters from A-Z a-z 0-9 - _.</summary>
    string Name { get; }

    /// <summary>The encoding version written with the id (0..1023).</summary>
    int EncodingVersion { get; }

    /// <summary>Whether <paramref name="value"/> is this type's.</summary>
    bool Owns(object value);

    void Save(RdbModuleWriter writer, object value);

    /// <summary>Reads a value written with <paramref name="encodingVersion"/> (which may be older than ours).</summary>
    IKeyObject Load(RdbModuleReader reader, int encodingVersion);
}

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

/// <summary>Writes the typed fields of a module value (RedisModule_Save* with their opcodes).</summary>
public readonly struct RdbModuleWriter(RdbOutput o)
{
    public void WriteSigned(long v)
    {
        o.WriteLength((ulong)RdbConstants.ModuleOpSInt);
        o.WriteLength((ulong)v);
    }

    public void WriteUnsigned(ulong v)
    {
        o.WriteLength((ulong)RdbConstants.ModuleOpUInt);
        o.WriteLength(v);
    }

    public void WriteDouble(double v)
    {
        o.WriteLength((ulong)RdbConstants.ModuleOpDouble);
        o.WriteBinaryDouble(v);
    }

    public void WriteString(ReadOnlySpan<byte> s)
    {
        o.WriteLength((ulong)RdbConstants.ModuleOpString);
        o.WriteString(s, compress: false);
    }
}

/// <summary>Reads the typed fields of a module value, refusing a field of another type than asked.</summary>
public readonly struct RdbModuleReader
{
    private readonly RdbInput _in;

    internal RdbModuleReader(RdbInput input) => _in = input;

    public long ReadSigned()
    {
        Expect(RdbConstants.ModuleOpSInt);
        return (long)_in.ReadLength();
    }

    public ulong ReadUnsigned()
    {
        Expect(RdbConstants.ModuleOpUInt);
        return _in.ReadLength();
    }

    public double ReadDouble()
    {
        Expect(RdbConstants.ModuleOpDouble);
        return _in.ReadBinaryDouble();
    }

    public byte[] ReadString()
    {
        Expect(RdbConstants.ModuleOpString);
        return _in.ReadStringBytes();
    }

    private void Expect(int opcode)
    {
        ulong op = _in.ReadLength();
        if (op != (ulong)opcode) throw _in.Error($"module value field has opcode {op}, expected {opcode}");
    }
}
