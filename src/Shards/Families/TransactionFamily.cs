using TdbPlus.Resp;
using TdbPlus.Shards.Commands;

namespace TdbPlus.Shards.Families;

/// <summary>MULTI, EXEC, DISCARD, WATCH, UNWATCH (the executor queues and runs transactions; these set the state).</summary>
public static class TransactionFamily
{
    private const CommandFlags Control = CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale |
        CommandFlags.Fast | CommandFlags.AllowBusy;
    private const AclCategories FastTx = AclCategories.Fast | AclCategories.Transaction;

    public static IEnumerable<CommandDef> Commands() =>
    [
        Declare.Local("MULTI", 1, Control, FastTx, Multi, "Starts a transaction.", "1.2.0", "transactions"),
        new(new CommandSpec("EXEC", 1, CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale | CommandFlags.SkipSlowlog,
            0, 0, 0, AclCategories.Slow | AclCategories.Transaction, "Executes all commands in a transaction.", "1.2.0", "transactions"),
            CommandRoute.Exec, null),
        Declare.Local("DISCARD", 1, Control, FastTx, Discard, "Discards a transaction.", "2.0.0", "transactions"),
        Declare.Keyed("WATCH", -2, Control, 1, -1, 1, FastTx, Watch,
            "Monitors changes to keys to determine the execution of a transaction.", "2.2.0", "transactions"),
        Declare.Local("UNWATCH", 1, Control, FastTx, Unwatch, "Forgets about watched keys of a transaction.", "2.2.0", "transactions"),
    ];

    private static void Multi(CommandContext ctx)
    {
        var tx = ctx.Session.Transaction;
        if (tx.InMulti)
        {
            ctx.Error("ERR MULTI calls can not be nested");
            return;
        }
        tx.InMulti = true;
        ctx.Reply.Ok();
    }

    private static void Discard(CommandContext ctx)
    {
        var tx = ctx.Session.Transaction;
        if (!tx.InMulti)
        {
            ctx.Error("ERR DISCARD without MULTI");
            return;
        }
        tx.Reset();
        ctx.Reply.Ok();
    }

    private static void Watch(CommandContext ctx)
    {
        var tx = ctx.Session.Transaction;
        if (tx.InMulti)
        {
            ctx.Error("ERR WATCH inside MULTI is not allowed");
            return;
        }
        for (int i = 1; i < ctx.ArgCount; i++)
        {
            var key = ctx.Arg(i);
            ctx.ShardOf(key).Store.Watches.Add(ctx.DbIndex, key.ToArray(), tx);
            tx.WatchedKeys++;
        }
        ctx.Reply.Ok();
    }

    private static void Unwatch(CommandContext ctx)
    {
        ctx.Session.Transaction.Unwatch();
        ctx.Reply.Ok();
    }
}
