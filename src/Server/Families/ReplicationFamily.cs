using TdbPlus.Resp;
using TdbPlus.Shards.Commands;

namespace TdbPlus.Server.Families;

/// <summary>
/// The replication handshake as far as `redis-cli --rdb` needs it: REPLCONF and an rdb-only SYNC that answers with
/// a point-in-time RDB image and closes. A replica (no rdb-only) is told that replication is not served.
/// </summary>
public static class ReplicationFamily
{
    public static IEnumerable<CommandDef> Commands() =>
    [
        Declare.Local("REPLCONF", -1, CommandFlags.Admin | CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale | CommandFlags.AllowBusy,
            HostAccess.AdminCats, ReplConf, "An internal command for configuring the replication stream.", "3.0.0", "server"),
        Declare.Global("SYNC", 1, CommandFlags.Admin | CommandFlags.NoScript | CommandFlags.NoAsyncLoading | CommandFlags.NoMulti,
            HostAccess.AdminCats, Sync, "An internal command used in replication.", "1.0.0", "server"),
    ];

    private static void ReplConf(CommandContext ctx)
    {
        if (ctx.ArgCount % 2 == 0)
        {
            ctx.SyntaxError();
            return;
        }
        for (int i = 1; i < ctx.ArgCount; i += 2)
        {
            if (ctx.ArgIs(i, "RDB-ONLY"u8))
            {
                if (!NumberParser.TryParseInt64(ctx.Arg(i + 1), out long v))
                {
                    ctx.Error(Errors.NotInteger);
                    return;
                }
                if (v is not (0 or 1))
                {
                    ctx.Error("ERR value is out of range, value must between 0 and 1");
                    return;
                }
                ctx.Session.RdbOnly = v == 1;
            }
            else if (!ctx.ArgIs(i, "CAPA"u8) && !ctx.ArgIs(i, "LISTENING-PORT"u8) && !ctx.ArgIs(i, "IP-ADDRESS"u8))
            {
                ctx.Error($"ERR Unrecognized REPLCONF option: {ctx.ArgRaw(i)}");
                return;
            }
        }
        ctx.Reply.Ok();
    }

    // Runs with every shard parked: the image is taken and written like SAVE, then sent as one bulk payload.
    private static void Sync(CommandContext ctx)
    {
        if (!ctx.Session.RdbOnly)
        {
            ctx.Error("ERR replication is not supported; SYNC serves only RDB transfers after REPLCONF rdb-only 1");
            return;
        }
        var host = ctx.Host();
        string path = Path.Combine(host.Config["dir"].Value, $"temp-sync-{Environment.ProcessId}-{Guid.NewGuid():N}.rdb");
        try
        {
            if (!host.Snapshots.SaveWhileParked(path))
            {
                ctx.Error("ERR");
                return;
            }
            var image = File.ReadAllBytes(path);
            ctx.Reply.Raw(System.Text.Encoding.ASCII.GetBytes($"${image.Length}\r\n"));
            ctx.Reply.Raw(image);
            ctx.Session.CloseAfterReply = true;
            host.Log.Notice($"Synchronization with replica {ctx.Conn().RemoteAddress} succeeded (rdb-only, {image.Length} bytes)");
        }
        catch (InvalidOperationException ex)
        {
            ctx.Error("ERR " + ex.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
