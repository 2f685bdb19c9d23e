using TdbPlus.Resp;
using TdbPlus.Shards.Commands;

namespace TdbPlus.Shards.Execution;

/// <summary>Commands run by scripts (redis.call): nested in the script's command, with every shard parked.</summary>
public sealed partial class BatchExecutor : ICommandRunner
{
    private CommandBatch? _nested;

    CommandTable ICommandRunner.Table => _table;

    void ICommandRunner.RunNested(CommandContext ctx, CommandDef def, byte[] buffer, ReadOnlySpan<ArgSlice> args)
    {
        var batch = _nested ??= new CommandBatch();
        batch.Clear();
        foreach (var a in args) batch.Args.Add(a);
        batch.Add(0, args.Length);
        batch.Buffer = buffer;
        ref var cmd = ref batch[0];
        cmd.Def = def;
        cmd.DbIndex = ctx.Session.DbIndex;
        cmd.ShardMask = _engine.AllShardsMask;
        string last = _session.LastCommand;
        ctx.LocalShard = null;
        ExecuteOne(ctx, batch, ref cmd);
        // Scripts never block: a blocking command that found nothing answers as if it timed out.
        if (ctx.BlockRequested) WriteTimeoutReply(ctx.Reply, ctx.BlockTimeoutNullArray);
        _session.LastCommand = last;
    }

    void ICommandRunner.ServeWhileBusy()
    {
        if (Home is { } home && home.IsCurrentThread) home.Poller?.Poll(0);
    }
}
