namespace TdbPlus.Shards.Execution;

/// <summary>One connection's wait for its batch's log records to reach the disk (appendfsync always); reused per batch.</summary>
public sealed class DurabilityWait(int shards, Action resume)
{
    /// <summary>Per shard, the log position the batch's records end at (0: nothing written there).</summary>
    public long[] Positions { get; } = new long[shards];

    /// <summary>Runs (on the log's sync thread) when every position is durable.</summary>
    public Action Resume { get; } = resume;

    /// <summary>True when any position is set.</summary>
    public bool Any;

    public void Clear()
    {
        Array.Clear(Positions);
        Any = false;
    }
}
