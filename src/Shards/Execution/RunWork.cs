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
        Context.LocalShard = shard;
        try
        {
            for (int i = Start; i < End; i++)
            {
                ref var cmd = ref Batch[i];
                if (cmd.Shard != shard.Id) continue;
                executor.ExecuteOne(Context, Batch, ref cmd);
                cmd.ReplyEnd = Context.Reply.Length;
            }
        }
        finally
        {
            Completion.Signal();
        }
    }
}
