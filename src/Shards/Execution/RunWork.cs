using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Engine;

namespace TdbPlus.Shards.Execution;

/// <summary>The message a connection sends one shard per run: "execute your commands among these".</summary>
internal sealed class RunWork(BatchExecutor executor, CommandContext context, RespWriter ownWriter) : IShardWork
{
    public CommandContext Context { get; } = context;

    /// <summary>This shard's private reply buffer, used when a run spans several shards.</summary>
    public RespWriter OwnWriter { get; } = ownWriter;

    public CommandBatch Batch = null!;
    public int Start;
    public int End;
    public RunCompletion Completion = null!;

    public void Execute(Shard shard)
    {
        try
        {
            RunInline(shard, Batch, Start, End);
        }
        finally
        {
            Completion.Signal();
        }
    }

    /// <summary>Runs this shard's commands of the run on the calling thread, which must own <paramref name="shard"/>.</summary>
    public void RunInline(Shard shard, CommandBatch batch, int start, int end)
    {
        Context.LocalShard = shard;
        // A lone command has nothing to overlap its lookup with; it hashes its key itself.
        if (end - start > 1) KeyPrefetch.Run(shard, batch, start, end);
        Context.Timing.BeginRun(Context.Engine.Clock);
        try
        {
            for (int i = start; i < end; i++)
            {
                ref var cmd = ref batch[i];
                if (cmd.Shard != shard.Id) continue;
                executor.ExecuteOne(Context, batch, ref cmd);
                cmd.ReplyEnd = Context.Reply.Length;
                // Redis serves clients blocked on keys right after the command that fed them.
                if (shard.Store.Blocking.HasReady)
                {
                    shard.Store.Blocking.ServeReady(shard.Id);
                    Context.Timing.Skip();
                }
            }
        }
        finally
        {
            Context.Timing.EndRun();
        }
    }
}
