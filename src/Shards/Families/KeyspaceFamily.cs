using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Keyspace;

namespace TdbPlus.Shards.Families;

/// <summary>Whole-database commands, run with every shard parked: DBSIZE, FLUSHDB, FLUSHALL, SWAPDB.</summary>
public static class KeyspaceFamily
{
    private const AclCategories WriteSlowDangerous =
        AclCategories.Keyspace | AclCategories.Write | AclCategories.Slow | AclCategories.Dangerous;

    public static IEnumerable<CommandDef> Commands() =>
    [
        Declare.Global("DBSIZE", 1, CommandFlags.ReadOnly | CommandFlags.Fast,
            AclCategories.Keyspace | AclCategories.Read | AclCategories.Fast, DbSize,
            "Returns the number of keys in the database.", group: "server"),
        Declare.Global("FLUSHDB", -1, CommandFlags.Write, WriteSlowDangerous, FlushDb,
            "Removes all keys from the current database.", group: "server"),
        Declare.Global("FLUSHALL", -1, CommandFlags.Write, WriteSlowDangerous, FlushAll,
            "Removes all keys from all databases.", group: "server"),
        Declare.Global("SWAPDB", 3, CommandFlags.Write | CommandFlags.Fast,
            AclCategories.Keyspace | AclCategories.Write | AclCategories.Fast | AclCategories.Dangerous, SwapDb,
            "Swaps two Redis databases.", since: "4.0.0", group: "server"),
    ];

    /// <summary>Keys in the db, counting expired ones not yet reclaimed, as Redis's dictSize does.</summary>
    private static void DbSize(CommandContext ctx)
    {
        long total = 0;
        foreach (var shard in ctx.Engine.Shards) total += shard.Databases[ctx.DbIndex].Count;
        ctx.Reply.Integer(total);
    }

    private static void FlushDb(CommandContext ctx)
    {
        if (!ValidFlushArgs(ctx)) return;
        foreach (var shard in ctx.Engine.Shards) shard.Databases[ctx.DbIndex].Clear();
        ctx.NotifyFlushed(ctx.DbIndex);
        ctx.Reply.Ok();
    }

    private static void FlushAll(CommandContext ctx)
    {
        if (!ValidFlushArgs(ctx)) return;
        var observer = ctx.Engine.FlushAllObserver;
        observer?.FlushingAll();
        foreach (var shard in ctx.Engine.Shards)
        {
            shard.ClearAll();
            shard.Store.ObjectBytes = 0;
        }
        observer?.FlushedAll();
        ctx.NotifyFlushed(-1);
        ctx.Reply.Ok();
    }

    /// <summary>
    /// Nothing, SYNC or ASYNC (getFlushCommandFlags). Both modes free synchronously: memory belongs to the
    /// parked shards and freeing a record is cheap next to Redis's lazyfree thread hand-off.
    /// </summary>
    private static bool ValidFlushArgs(CommandContext ctx)
    {
        if (ctx.ArgCount == 1 || (ctx.ArgCount == 2 && (ctx.ArgIs(1, "SYNC"u8) || ctx.ArgIs(1, "ASYNC"u8)))) return true;
        ctx.SyntaxError();
        return false;
    }

    private static void SwapDb(CommandContext ctx)
    {
        if (!KeyFamily.TryGetInt(ctx, 1, out int a, "ERR invalid first DB index")) return;
        if (!KeyFamily.TryGetInt(ctx, 2, out int b, "ERR invalid second DB index")) return;
        int count = ctx.Engine.Config.Databases;
        if (a < 0 || a >= count || b < 0 || b >= count)
        {
            ctx.Error(Errors.DbIndexOutOfRange);
            return;
        }
        if (a != b)
            foreach (var shard in ctx.Engine.Shards) shard.Databases[a].SwapWith(shard.Databases[b]);
        ctx.Reply.Ok();
    }
}
