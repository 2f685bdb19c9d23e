using TdbPlus.Resp;
using TdbPlus.Shards.Commands;

namespace TdbPlus.Server.Families;

/// <summary>Connection commands: PING, ECHO, QUIT, SELECT.</summary>
public static class ConnectionFamily
{
    private const AclCategories ConnFast = AclCategories.Connection | AclCategories.Fast;

    public static IEnumerable<CommandDef> Commands() =>
    [
        Declare.Local("PING", -1, CommandFlags.Fast | CommandFlags.Stale, ConnFast, Ping, "Returns the server's liveliness response."),
        Declare.Local("ECHO", 2, CommandFlags.Fast | CommandFlags.Stale, ConnFast, Echo, "Returns the given string."),
        Declare.Local("QUIT", -1, CommandFlags.AllowBusy | CommandFlags.NoAuth | CommandFlags.Fast | CommandFlags.Stale | CommandFlags.Loading,
            ConnFast, Quit, "Closes the connection."),
        Declare.Local("SELECT", 2, CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Fast, ConnFast, Select, "Changes the selected database."),
    ];

    private static void Ping(CommandContext ctx)
    {
        if (ctx.ArgCount > 2) ctx.Error(Errors.WrongArity("ping"));
        else if (ctx.ArgCount == 2) ctx.Reply.Bulk(ctx.Arg(1));
        else ctx.Reply.SimpleString("PONG"u8);
    }

    private static void Echo(CommandContext ctx) => ctx.Reply.Bulk(ctx.Arg(1));

    private static void Quit(CommandContext ctx)
    {
        ctx.Reply.Ok();
        ctx.Session.CloseAfterReply = true;
    }

    private static void Select(CommandContext ctx)
    {
        if (!NumberParser.TryParseInt64(ctx.Arg(1), out long index) || index < int.MinValue || index > int.MaxValue)
        {
            ctx.Error(Errors.InvalidDbIndex);
            return;
        }
        if (index < 0 || index >= ctx.Engine.Config.Databases)
        {
            ctx.Error(Errors.DbIndexOutOfRange);
            return;
        }
        ctx.Session.DbIndex = (int)index;
        ctx.Reply.Ok();
    }
}
