using TdbPlus.Resp;
using TdbPlus.Shards.Commands;

namespace TdbPlus.Shards.Execution;

/// <summary>
/// The append-only log's hook: after a command that changed data its effects are appended to the log of the
/// shard that ran it, or gathered while several shards are held and logged as one unit when the hold ends;
/// under appendfsync always the batch's replies wait until those records are on disk.
/// </summary>
public sealed partial class BatchExecutor
{
    private LogUnit? _unit;

    // Made with the executor: the shards of one run fill in their own positions concurrently.
    private readonly DurabilityWait _durable;

    /// <summary>Readies <paramref name="ctx"/>'s effect buffer when the log is on (else clears it): before the handler.</summary>
    private static void PrepareEffects(CommandContext ctx, ICommandLog? log)
    {
        if (log is null)
        {
            ctx.Effects = null;
            return;
        }
        var effects = ctx.EffectBuffer ??= new EffectLog();
        effects.Clear();
        ctx.Effects = effects;
    }

    /// <summary>After the handler: logs what it changed (a keyspace-wide write such as FLUSHALL always counts).</summary>
    private void Propagate(ICommandLog log, CommandContext ctx, CommandDef def, int replyStart, bool failed)
    {
        var effects = ctx.Effects;
        if (effects is null) return;
        bool keyspaceWide = !failed && def.Route == CommandRoute.AllShards && def.Spec.FirstKey <= 0 &&
                            (def.Spec.Flags & CommandFlags.Write) != 0;
        if (ctx.Dirty == 0 && !keyspaceWide && effects.Records == 0) return;
        if (effects.Records == 0) log.Describe(ctx, replyStart, effects);
        if (effects.Records > 0)
        {
            if (ctx.LocalShard is { } shard)
            {
                long pos = log.Append(shard.Id, ctx.DbIndex, effects);
                Durable.Positions[shard.Id] = pos;
                Durable.Any = true;
            }
            else
            {
                ulong shards = keyspaceWide ? _engine.AllShardsMask : ctx.DirtyShards;
                if (shards == 0) shards = 1;
                (_unit ??= new LogUnit()).Add(ctx.DbIndex, effects, shards);
            }
        }
        effects.Clear();
        effects.Trim(1024 * 1024);
    }

    private DurabilityWait Durable => _durable;

    /// <summary>The hold (global transaction <paramref name="txId"/>) ends: log what was gathered under it.</summary>
    private void CommitUnit(long txId)
    {
        if (_unit is not { IsEmpty: false } unit) return;
        try
        {
            if (Hooks?.CommandLog is { } log)
            {
                var durable = Durable;
                log.Commit(unit, txId, durable.Positions);
                durable.Any = true;
            }
        }
        finally
        {
            unit.Clear();
        }
    }

    /// <summary>
    /// The batch has replied: under appendfsync always, true when it must wait for its records to be durable
    /// (the wait resumes it like any suspension).
    /// </summary>
    private bool AwaitDurability()
    {
        var durable = _durable;
        if (!durable.Any) return false;
        if (Hooks?.CommandLog is not { RepliesWaitForDisk: true } log)
        {
            durable.Clear();
            return false;
        }
        Suspend(Suspension.Durable);
        if (log.WaitUntilDurable(durable)) return true;
        _suspension = Suspension.None;
        durable.Clear();
        return false;
    }

    /// <summary>
    /// Runs every command of <paramref name="batch"/> with the caller owning every shard (loading the log at
    /// startup, before the shards run): routing, arity and errors as for a client; replies go to this
    /// executor's output. Returns the number of commands that failed.
    /// </summary>
    public int RunExclusive(CommandBatch batch)
    {
        _exclusive = true;
        try
        {
            return RunEach(batch);
        }
        finally
        {
            _exclusive = false;
        }
    }

    /// <summary>Set while <see cref="RunExclusive"/> runs: the engine's LOADING state is this load itself, not a refusal.</summary>
    private bool _exclusive;

    private int RunEach(CommandBatch batch)
    {
        int failures = 0;
        for (int i = 0; i < batch.Count; i++)
        {
            ref var cmd = ref batch[i];
            Classify(batch, ref cmd);
            int start = _out.Length;
            if (cmd.Error is not null)
            {
                _out.Error(cmd.Error);
                failures++;
                continue;
            }
            cmd.ShardMask = 0;
            _context.LocalShard = null;
            ExecuteOne(_context, batch, ref cmd);
            if (_out.Length > start && _out.Written[start] == (byte)'-') failures++;
            _unit?.Clear();
        }
        return failures;
    }
}
