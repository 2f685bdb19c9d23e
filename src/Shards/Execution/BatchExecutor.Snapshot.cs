using TdbPlus.Resp;
using TdbPlus.Shards.Commands;

namespace TdbPlus.Shards.Execution;

public sealed partial class BatchExecutor
{
    // Per thread: one executor's runs execute on several shards at once.
    [ThreadStatic]
    private static List<int>? t_snapshotKeys;

    /// <summary>
    /// While a snapshot is being written, a write command first hands the keys it names that the snapshot has
    /// not reached yet to it, so their old values are what the snapshot keeps: handlers may change a value in
    /// place through any lookup, so this is done once here rather than trusted to every family.
    /// </summary>
    private void SaveKeysBeforeWrite(CommandContext ctx, CommandBatch batch, in BatchCommand cmd)
    {
        var keys = t_snapshotKeys ??= [];
        keys.Clear();
        cmd.Def!.Spec.CollectKeys(new CommandArgs(batch.Buffer, batch.Args.Slice(cmd.ArgStart, cmd.ArgCount)), keys);
        foreach (int index in keys)
        {
            var key = Arg(batch, cmd, index);
            var db = ctx.Db(key);
            if (db.Store.Snapshot is null) continue;
            nint rec = db.Find(key, ctx.Now);
            if (rec != 0) db.GuardSnapshot(rec);
        }
    }
}
