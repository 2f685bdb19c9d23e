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
