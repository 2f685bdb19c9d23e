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

/// <summary>Receives what <see cref="RdbReader"/> loads, in file order.</summary>
public interface IRdbLoadSink
{
    void OnAux(string name, ReadOnlySpan<byte> value);

    /// <param name="expireAtMs">Unix ms of expiry, 0 when none.</param>
    /// <param name="lruIdleSeconds">From an IDLE opcode, -1 when absent.</param>
    /// <param name="lfuFreq">From a FREQ opcode, -1 when absent.</param>
    void OnEntry(int db, ReadOnlySpan<byte> key, in RdbValue value, long expireAtMs, long lruIdleSeconds, int lfuFreq);

    void OnFunction(string libraryCode);
}
