using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Persistence.Aof;

namespace TdbPlus.Server.Families;

/// <summary>BGREWRITEAOF: the append-only log compacted into a snapshot base and a new generation of shard logs.</summary>
public static class AofFamily
{
    public static IEnumerable<CommandDef> Commands() =>
    [
        Declare.Local("BGREWRITEAOF", 1, CommandFlags.Admin | CommandFlags.NoScript | CommandFlags.NoAsyncLoading, HostAccess.AdminCats,
            BgRewriteAof, "Asynchronously rewrites the append-only file to disk.", "1.0.0", "server"),
    ];

    private static void BgRewriteAof(CommandContext ctx)
    {
        switch (ctx.Host().Aof.StartRewrite())
        {
            case RewriteStart.Started:
                ctx.Reply.SimpleString("Background append only file rewriting started");
                break;
            case RewriteStart.Scheduled:
                ctx.Reply.SimpleString("Background append only file rewriting scheduled");
                break;
            default:
                ctx.Error("ERR Background append only file rewriting already in progress");
                break;
        }
    }
}
