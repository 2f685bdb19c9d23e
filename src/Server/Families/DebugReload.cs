using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Persistence.Snapshot;

namespace TdbPlus.Server.Families;

/// <summary>DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save, empty every database, load the dump back (shards parked).</summary>
internal static class DebugReload
{
    public static void Run(CommandContext ctx)
    {
        bool flush = true, save = true;
        for (int i = 2; i < ctx.ArgCount; i++)
        {
            if (ctx.ArgIs(i, "MERGE"u8)) continue;
            if (ctx.ArgIs(i, "NOFLUSH"u8)) flush = false;
            else if (ctx.ArgIs(i, "NOSAVE"u8)) save = false;
            else
            {
                ctx.Error("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
                return;
            }
        }
        var host = ctx.Host();
        var snapshots = host.Snapshots;
        if (save)
        {
            bool saved;
            try
            {
                saved = snapshots.SaveWhileParked(snapshots.DumpPath);
            }
            catch (InvalidOperationException)
            {
                saved = false;
            }
            if (!saved)
            {
                ctx.Error("ERR");
                return;
            }
        }
        if (flush)
        {
            foreach (var shard in ctx.Engine.Shards)
                foreach (var db in shard.Databases) db.Clear();
            ctx.NotifyFlushed(-1);
        }
        ctx.Engine.Loading = true;
        try
        {
            RdbFileLoader.Load(snapshots.DumpPath, ctx.Engine, host.Loading, m => host.Log.Notice(m));
        }
        catch (Exception ex) when (ex is Shards.Codecs.RdbFormatException or IOException or UnauthorizedAccessException)
        {
            host.Log.Warning($"DEBUG RELOAD failed loading {snapshots.DumpPath}: {ex.Message}");
            ctx.Error("ERR Error trying to load the RDB dump, check server logs.");
            return;
        }
        finally
        {
            ctx.Engine.Loading = false;
        }
        host.Log.Warning("DB reloaded by DEBUG RELOAD");
        ctx.Reply.Ok();
    }
}
