using TdbPlus.Shards.Keyspace;

namespace TdbPlus.Shards.Persistence.Rdb;

/// <summary>
/// One loaded value: a string's bytes (valid until the reader reads on) or a built rich object, with its
/// <see cref="KeyType"/>.
/// </summary>
public readonly ref struct RdbValue
{
    public RdbValue(ReadOnlySpan<byte> str)
    {
        Type = KeyType.String;
        String = str;
        Object = null;
    }

    public RdbValue(byte type, IKeyObject obj)
    {
        Type = type;
        String = default;
        Object = obj;
    }

    public byte Type { get; }

    public ReadOnlySpan<byte> String { get; }

    public IKeyObject? Object { get; }

    /// <summary>Creates (or replaces) the record for <paramref name="key"/>; returns it.</summary>
    public nint StoreInto(Database db, ReadOnlySpan<byte> key, long expireAtMs, long nowMs) =>
        Object is null ? db.SetString(key, String, expireAtMs, nowMs) : db.CreateObject(key, Type, Object, expireAtMs, nowMs);
}
