namespace TdbPlus.Shards.Engine;

/// <summary>Told when FLUSHALL empties every database (with every shard parked), so persistence can follow it.</summary>
public interface IFlushAllObserver
{
    /// <summary>Before the databases are emptied.</summary>
    void FlushingAll();

    /// <summary>After the databases are emptied.</summary>
    void FlushedAll();
}
