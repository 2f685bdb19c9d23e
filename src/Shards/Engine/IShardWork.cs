namespace TdbPlus.Shards.Engine;

/// <summary>A message for a shard thread: run on that thread, with exclusive access to the shard's data.</summary>
public interface IShardWork
{
    void Execute(Shard shard);
}
