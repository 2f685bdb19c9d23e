using TdbPlus.Resp;
using TdbPlus.Shards.Commands;

namespace TdbPlus.Server.Families;

/// <summary>Snapshot commands: SAVE, BGSAVE, LASTSAVE.</summary>
public static class PersistenceFamily
{
    private const CommandFlags SaveFlags = CommandFlags.Admin | CommandFlags.NoScript | CommandFlags.NoAsyncLoading;

    public static IEnumerable<CommandDef> Commands() =>
    [
        Declare.Global("SAVE", 1, SaveFlags | CommandFlags.NoMulti, HostAccess.AdminCats, Save,
            "Synchronously saves the database(s) to disk.", "1.0.0", "server"),
        Declare.Local("BGSAVE", -1, SaveFlags, HostAccess.AdminCats, BgSave,
            "Asynchronously saves the database(s) to disk.", "1.0.0", "server"),
        Declare.Local("LASTSAVE", 1, CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Fast | CommandFlags.Random,
            AclCategories.Admin | AclCategories.Fast | AclCategories.Dangerous, LastSave,
            "Returns the Unix timestamp of the last successful save to disk.", "1.0.0", "server"),
    ];

    private const string InProgress = "ERR Background save already in progress";

    // Runs with every shard parked, like Redis's SAVE blocking the server.
    private static void Save(CommandContext ctx)
    {
        var snapshots = ctx.Host().Snapshots;
        if (snapshots.InProgress)
        {
            ctx.Error(InProgress);
            return;
        }
        bool ok;
        try
        {
            ok = snapshots.SaveWhileParked(snapshots.DumpPath);
        }
        catch (InvalidOperationException)
        {
            ctx.Error(InProgress);
            return;
        }
        if (ok) ctx.Reply.Ok();
        else ctx.Error("ERR");
    }

    private static void BgSave(CommandContext ctx)
    {
        bool schedule = false;
        if (ctx.ArgCount > 1)
        {
            if (ctx.ArgCount == 2 && ctx.ArgIs(1, "SCHEDULE"u8)) schedule = true;
            else
            {
                ctx.SyntaxError();
                return;
            }
        }
        var snapshots = ctx.Host().Snapshots;
        if (snapshots.InProgress)
        {
            ctx.Error(InProgress);
            return;
        }
        try
        {
            _ = snapshots.StartAsync(snapshots.DumpPath);
            ctx.Reply.SimpleString("Background saving started");
        }
        catch (InvalidOperationException)
        {
            if (schedule)
            {
                snapshots.BgsaveScheduled = true;
                ctx.Reply.SimpleString("Background saving scheduled");
            }
            else ctx.Error(InProgress);
        }
    }

    private static void LastSave(CommandContext ctx) => ctx.Reply.Integer(ctx.Host().Snapshots.LastSaveUnix);
}
