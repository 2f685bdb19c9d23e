namespace TdbPlus.Shards.Engine;

/// <summary>
/// A shard's append-only log as the shard itself drives it: buffered records go to the file once per loop
/// iteration (group commit), and keys the engine deletes on its own (eviction) are logged as DEL.
/// Only the shard's thread (or a holder while the shard is parked) calls it.
/// </summary>
public interface IShardLog
{
    /// <summary>Writes what was appended since the last call (one write call); cheap when nothing was.</summary>
    void Flush();

    /// <summary>maxmemory evicted <paramref name="key"/> from db <paramref name="dbIndex"/>.</summary>
    void KeyEvicted(int dbIndex, ReadOnlySpan<byte> key);
}
