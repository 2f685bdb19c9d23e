using TdbPlus.Shards.Commands;

namespace TdbPlus.Shards.Execution;

/// <summary>
/// Where executed writes are logged (the append-only log). The executor calls it after every command that
/// changed data; while appendonly is off <see cref="ExecutionHooks.CommandLog"/> is null and nothing is called.
/// </summary>
public interface ICommandLog
{
    /// <summary>appendfsync always: a batch's replies wait until its records are on disk.</summary>
    bool RepliesWaitForDisk { get; }

    /// <summary>Writes the commands that reproduce what the command bound to <paramref name="ctx"/> did (Redis's propagation rewrites).</summary>
    void Describe(CommandContext ctx, int replyStart, EffectLog into);

    /// <summary>Appends records of db <paramref name="dbIndex"/> to shard <paramref name="shard"/>'s log (its thread, or it is parked); returns the log position after them.</summary>
    long Append(int shard, int dbIndex, EffectLog records);

    /// <summary>
    /// Logs what a command (or EXEC, or a script) did while holding several shards: in the one shard it changed
    /// as is (MULTI/EXEC around several commands), or in every shard it changed as one atomic unit tagged with
    /// the global transaction id <paramref name="txId"/>. Records each shard's log position in <paramref name="positions"/>.
    /// </summary>
    void Commit(LogUnit unit, long txId, long[] positions);

    /// <summary>Calls <see cref="DurabilityWait.Resume"/> once every position in <paramref name="wait"/> is on disk; false when they already are.</summary>
    bool WaitUntilDurable(DurabilityWait wait);
}
