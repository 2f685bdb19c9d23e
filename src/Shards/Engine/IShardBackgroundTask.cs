namespace TdbPlus.Shards.Engine;

/// <summary>Long work a shard does in slices between its messages and I/O (a snapshot walking its tables).</summary>
public interface IShardBackgroundTask
{
    /// <summary>Does one bounded slice on the shard's thread; false when there is nothing to do right now.</summary>
    bool Step(Shard shard);
}
