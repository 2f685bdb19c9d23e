using TdbPlus.Resp;

namespace TdbPlus.Shards.Commands;

/// <summary>
/// What a handler may ask of the executor running it, for commands that run other commands (scripts'
/// redis.call): the command table, running a nested command as any command runs (stats, WATCH invalidation,
/// MONITOR and SLOWLOG hooks, OOM check), and serving other clients while a long script holds the shards.
/// </summary>
public interface ICommandRunner
{
    CommandTable Table { get; }

    /// <summary>
    /// Runs <paramref name="def"/> (resolved and checked by the caller) on the arguments, in
    /// <paramref name="ctx"/>'s session db, replying into ctx.Reply. Every shard is parked by the caller. A
    /// command that would block gets its timeout reply at once.
    /// </summary>
    void RunNested(CommandContext ctx, CommandDef def, byte[] buffer, ReadOnlySpan<ArgSlice> args);

    /// <summary>
    /// Handles the I/O of the other connections of this thread (thread-per-core), so that they get their BUSY
    /// replies and can send SCRIPT KILL while a script runs past busy-reply-threshold.
    /// </summary>
    void ServeWhileBusy();
}
