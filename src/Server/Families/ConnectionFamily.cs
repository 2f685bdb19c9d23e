using TdbPlus.Resp;
using TdbPlus.Shards.Commands;

namespace TdbPlus.Server.Families;

/// <summary>Connection commands: PING, ECHO, QUIT, SELECT, HELLO, AUTH, RESET.</summary>
public static class ConnectionFamily
{
    private const AclCategories ConnFast = AclCategories.Connection | AclCategories.Fast;
    private const CommandFlags NoAuthFlags = CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Fast |
        CommandFlags.NoAuth | CommandFlags.AllowBusy;

    public static IEnumerable<CommandDef> Commands() =>
    [
        Declare.Local("PING", -1, CommandFlags.Fast, ConnFast, Ping, "Returns the server's liveliness response."),
        Declare.Local("ECHO", 2, CommandFlags.Fast | CommandFlags.Stale | CommandFlags.Loading, ConnFast, Echo, "Returns the given string."),
        Declare.Local("QUIT", -1, NoAuthFlags, ConnFast, Quit, "Closes the connection."),
        Declare.Local("SELECT", 2, CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Fast, ConnFast, Select, "Changes the selected database.", "2.0.0"),
        Declare.Local("HELLO", -1, NoAuthFlags, ConnFast, Hello, "Handshakes with the Redis server.", "6.0.0"),
        Declare.Local("AUTH", -2, NoAuthFlags, ConnFast, Auth, "Authenticates the connection."),
        Declare.Local("RESET", 1, NoAuthFlags, ConnFast, Reset, "Resets the connection.", "6.2.0"),
    ];

    private static void Ping(CommandContext ctx)
    {
        if (ctx.ArgCount > 2) ctx.Error(Errors.WrongArity("ping"));
        else if (ctx.Session.PubSubMode && ctx.Session.Protocol == 2)
        {
            // A RESP2 subscriber can only read pushes: PING replies in the message shape.
            ctx.Reply.ArrayHeader(2);
            ctx.Reply.Bulk("pong"u8);
            ctx.Reply.Bulk(ctx.ArgCount == 2 ? ctx.Arg(1) : ReadOnlySpan<byte>.Empty);
        }
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
            ctx.Error(Errors.NotInteger);
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

    /// <summary>requirepass semantics of ACLAuthenticateUser: only "default", with the password (any when none is set).</summary>
    private static bool CheckPassword(CommandContext ctx, ReadOnlySpan<byte> user, ReadOnlySpan<byte> pass)
    {
        if (!user.SequenceEqual("default"u8)) return false;
        string required = ctx.Engine.Config.RequirePass;
        if (required.Length == 0) return true;
        return System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(required), pass);
    }

    private const string WrongPass = "WRONGPASS invalid username-password pair or user is disabled.";

    private static void Auth(CommandContext ctx)
    {
        if (ctx.ArgCount > 3)
        {
            ctx.SyntaxError();
            return;
        }
        ReadOnlySpan<byte> user, pass;
        if (ctx.ArgCount == 2)
        {
            if (ctx.Engine.Config.RequirePass.Length == 0)
            {
                ctx.Error("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?");
                return;
            }
            user = "default"u8;
            pass = ctx.Arg(1);
        }
        else
        {
            user = ctx.Arg(1);
            pass = ctx.Arg(2);
        }
        if (CheckPassword(ctx, user, pass))
        {
            ctx.Session.Authenticated = true;
            ctx.Reply.Ok();
        }
        else ctx.Error(WrongPass);
    }

    private static void Hello(CommandContext ctx)
    {
        long ver = 0;
        int next = 1;
        if (ctx.ArgCount >= 2)
        {
            if (!NumberParser.TryParseInt64(ctx.Arg(1), out ver))
            {
                ctx.Error("ERR Protocol version is not an integer or out of range");
                return;
            }
            next = 2;
            if (ver < 2 || ver > 3)
            {
                ctx.Error("NOPROTO unsupported protocol version");
                return;
            }
        }
        int userArg = -1;
        int nameArg = -1;
        for (int j = next; j < ctx.ArgCount; j++)
        {
            int more = ctx.ArgCount - 1 - j;
            if (ctx.ArgIs(j, "AUTH"u8) && more >= 2)
            {
                userArg = j + 1;
                j += 2;
            }
            else if (ctx.ArgIs(j, "SETNAME"u8) && more >= 1)
            {
                nameArg = j + 1;
                j++;
            }
            else
            {
                ctx.Error($"ERR Syntax error in HELLO option '{ClientFamily.CString(ctx.Arg(j))}'");
                return;
            }
        }
        if (userArg > 0)
        {
            if (!CheckPassword(ctx, ctx.Arg(userArg), ctx.Arg(userArg + 1)))
            {
                ctx.Error(WrongPass);
                return;
            }
            ctx.Session.Authenticated = true;
        }
        if (!ctx.Session.Authenticated && ctx.Engine.Config.RequirePass.Length > 0)
        {
            ctx.Error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time");
            return;
        }
        if (nameArg > 0 && !ClientFamily.TrySetName(ctx, ctx.Arg(nameArg))) return;
        if (ver != 0)
        {
            ctx.Session.Protocol = (int)ver;
            ctx.Reply.Protocol = (int)ver;
            ctx.Conn().Output.Protocol = (int)ver;
        }
        var w = ctx.Reply;
        w.MapHeader(7);
        w.Bulk("server"u8);
        w.Bulk("redis"u8);
        w.Bulk("version"u8);
        w.Bulk(InfoSections.RedisVersion);
        w.Bulk("proto"u8);
        w.Integer(ctx.Session.Protocol);
        w.Bulk("id"u8);
        w.Integer(ctx.Session.Id);
        w.Bulk("mode"u8);
        w.Bulk("standalone"u8);
        w.Bulk("role"u8);
        w.Bulk("master"u8);
        w.Bulk("modules"u8);
        w.EmptyArray();
    }

    private static void Reset(CommandContext ctx)
    {
        ctx.Conn().ResetState();
        ctx.Reply.Protocol = 2;
        ctx.Reply.SimpleString("RESET"u8);
    }
}
