namespace TdbPlus.Shards.Persistence.Rdb;

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
