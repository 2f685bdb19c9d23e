using System.Text;
using TdbPlus.Resp;
using TdbPlus.Server.Hosting;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Execution;

namespace TdbPlus.Server.Families;

/// <summary>CLIENT and its subcommands.</summary>
public static class ClientFamily
{
    private const CommandFlags Conn = CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale;
    private const CommandFlags Admin = HostAccess.AdminFlags;
    private const AclCategories SlowConn = AclCategories.Slow | AclCategories.Connection;
    private const AclCategories AdminConn = HostAccess.AdminCats | AclCategories.Connection;

    public static IEnumerable<CommandDef> Commands() =>
    [
        Declare.Container("CLIENT", -2, CommandFlags.None, AclCategories.Slow, "A container for client connection commands.",
        [
            Declare.Local("ID", 2, Conn, SlowConn, Id, "Returns the unique client ID of the connection.", "5.0.0"),
            Declare.Local("INFO", 2, Conn | CommandFlags.Random, SlowConn, Info, "Returns information about the connection.", "6.2.0"),
            Declare.Local("LIST", -2, Admin | CommandFlags.Random, AdminConn, List, "Lists open connections.", "2.4.0"),
            Declare.Local("SETNAME", 3, Conn, SlowConn, SetName, "Sets the connection name.", "2.6.9"),
            Declare.Local("GETNAME", 2, Conn, SlowConn, GetName, "Returns the name of the connection.", "2.6.9"),
            Declare.Local("KILL", -3, Admin, AdminConn, Kill, "Terminates open connections.", "2.4.0"),
            Declare.Local("PAUSE", -3, Admin, AdminConn, Pause, "Suspends commands processing.", "3.0.0"),
            Declare.Local("UNPAUSE", 2, Admin, AdminConn, Unpause, "Resumes processing commands from paused clients.", "6.2.0"),
            Declare.Local("REPLY", 3, Conn, SlowConn, Reply, "Instructs the server whether to reply to commands.", "3.2.0"),
            Declare.Local("NO-EVICT", 3, Admin, AdminConn, NoEvict, "Sets the client eviction mode of the connection.", "7.0.0"),
            Declare.Local("NO-TOUCH", 3, Conn, SlowConn, NoTouch, "Controls whether commands sent by the client affect the LRU/LFU of accessed keys.", "7.2.0"),
            Declare.Local("GETREDIR", 2, Conn, SlowConn, GetRedir, "Returns the client ID to which the connection's tracking notifications are redirected.", "6.0.0"),
            Declare.Local("TRACKING", -3, Conn, SlowConn, Tracking, "Controls server-assisted client-side caching for the connection.", "6.0.0"),
            Declare.Local("CACHING", 3, Conn, SlowConn, Caching, "Instructs the server whether to track the keys in the next request.", "6.0.0"),
            Declare.Local("TRACKINGINFO", 2, Conn, SlowConn, TrackingInfo, "Returns information about server-assisted client-side caching for the connection.", "6.2.0"),
            Declare.Local("UNBLOCK", -3, Admin, AdminConn, Unblock, "Unblocks a client blocked by a blocking command from a different connection.", "5.0.0"),
            Declare.Local("HELP", 2, CommandFlags.Loading | CommandFlags.Stale, SlowConn, Help, "Returns helpful text about the different subcommands.", "5.0.0"),
        ], since: "2.4.0", group: "connection"),
    ];

    private static void Help(CommandContext ctx) => ctx.Help("CLIENT",
        "CACHING (YES|NO)",
        "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
        "GETREDIR",
        "    Return the client ID we are redirecting to when tracking is enabled.",
        "GETNAME",
        "    Return the name of the current connection.",
        "ID",
        "    Return the ID of the current connection.",
        "INFO",
        "    Return information about the current client connection.",
        "KILL <ip:port>",
        "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Kill connections. Options are:",
        "    * ADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made from the specified address",
        "    * LADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made to specified local address",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Kill connections by type.",
        "    * USER <username>",
        "      Kill connections authenticated by <username>.",
        "    * SKIPME (YES|NO)",
        "      Skip killing current connection (default: yes).",
        "LIST [options ...]",
        "    Return information about client connections. Options:",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Return clients of specified type.",
        "UNPAUSE",
        "    Stop the current client pause, resuming traffic.",
        "PAUSE <timeout> [WRITE|ALL]",
        "    Suspend all, or just write, clients for <timeout> milliseconds.",
        "REPLY (ON|OFF|SKIP)",
        "    Control the replies sent to the current connection.",
        "SETNAME <name>",
        "    Assign the name <name> to the current connection.",
        "UNBLOCK <clientid> [TIMEOUT|ERROR]",
        "    Unblock the specified blocked client.",
        "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
        "         [OPTIN] [OPTOUT] [NOLOOP]",
        "    Control server assisted client side caching.",
        "TRACKINGINFO",
        "    Report tracking status for the current connection.",
        "NO-EVICT (ON|OFF)",
        "    Protect current client connection from eviction.");

    /// <summary>An argument as C's "%s" prints it: up to the first NUL, bytes kept (Latin-1).</summary>
    public static string CString(ReadOnlySpan<byte> arg)
    {
        int nul = arg.IndexOf((byte)0);
        return Encoding.Latin1.GetString(nul >= 0 ? arg[..nul] : arg);
    }

    /// <summary>Redis's "unknown subcommand or wrong number of arguments" error of CLIENT's own parsing.</summary>
    private static void SubcommandSyntax(CommandContext ctx) =>
        ctx.Error($"ERR unknown subcommand or wrong number of arguments for '{CString(ctx.Arg(1))}'. Try CLIENT HELP.");

    private static void Id(CommandContext ctx) => ctx.Reply.Integer(ctx.Session.Id);

    /// <summary>clientSetName: an empty name clears it; only printable ASCII without spaces is allowed.</summary>
    public static bool TrySetName(CommandContext ctx, ReadOnlySpan<byte> name)
    {
        foreach (byte b in name)
        {
            if (b < (byte)'!' || b > (byte)'~')
            {
                ctx.Error("ERR Client names cannot contain spaces, newlines or special characters.");
                return false;
            }
        }
        ctx.Session.Name = name.Length == 0 ? null : Encoding.ASCII.GetString(name);
        return true;
    }

    private static void SetName(CommandContext ctx)
    {
        if (TrySetName(ctx, ctx.Arg(2))) ctx.Reply.Ok();
    }

    private static void GetName(CommandContext ctx)
    {
        if (ctx.Session.Name is { } name) ctx.Reply.Bulk(name);
        else ctx.Reply.NullBulk();
    }

    private static void Info(CommandContext ctx)
    {
        var sb = new StringBuilder(256);
        Describe(sb, ctx.Conn());
        sb.Append('\n');
        ctx.Reply.Verbatim(Encoding.UTF8.GetBytes(sb.ToString()));
    }

    /// <summary>One CLIENT LIST line (without the newline), with Redis's fields in Redis's order.</summary>
    public static void Describe(StringBuilder sb, Connection c)
    {
        long now = Environment.TickCount64;
        sb.Append("id=").Append(c.Id)
          .Append(" addr=").Append(c.RemoteAddress)
          .Append(" laddr=").Append(c.LocalAddress)
          .Append(" fd=").Append(c.Fd)
          .Append(" name=").Append(c.Name ?? "")
          .Append(" age=").Append((now - c.CreatedTicks) / 1000)
          .Append(" idle=").Append((now - c.LastInteractionTicks) / 1000)
          .Append(" flags=").Append(c.FlagsText)
          .Append(" db=").Append(c.DbIndex)
          .Append(" sub=").Append(c.Subscriptions.Channels.Count)
          .Append(" psub=").Append(c.Subscriptions.Patterns.Count)
          .Append(" ssub=").Append(c.Subscriptions.ShardChannels.Count)
          .Append(" multi=-1")
          .Append(" qbuf=").Append(c.QueryBufferLength)
          .Append(" qbuf-free=").Append(c.QueryBufferFree)
          .Append(" argv-mem=0 multi-mem=0")
          .Append(" rbs=").Append(c.OutputCapacity)
          .Append(" rbp=").Append(c.OutputCapacity)
          .Append(" obl=0 oll=0 omem=").Append(c.PendingPushBytes)
          .Append(" tot-mem=").Append(c.QueryBufferCapacity + c.OutputCapacity)
          .Append(" events=r")
          .Append(" cmd=").Append(c.LastCommand)
          .Append(" user=default redir=").Append(c.Tracking.On ? c.Tracking.Redirect : -1)
          .Append(" resp=").Append(c.Protocol);
    }

    private static int ClientType(ReadOnlySpan<byte> name)
    {
        string n = Encoding.Latin1.GetString(name).ToLowerInvariant();
        return n switch
        {
            "normal" => 0,
            "slave" or "replica" => 1,
            "pubsub" => 2,
            "master" => 3,
            _ => -1,
        };
    }

    private static void List(CommandContext ctx)
    {
        var host = ctx.Host();
        IEnumerable<Connection> clients;
        if (ctx.ArgCount == 2) clients = host.Clients.All;
        else if (ctx.ArgCount > 3 && ctx.ArgIs(2, "ID"u8))
        {
            var list = new List<Connection>();
            for (int j = 3; j < ctx.ArgCount; j++)
            {
                if (!NumberParser.TryParseInt64(ctx.Arg(j), out long id))
                {
                    ctx.Error("ERR Invalid client ID");
                    return;
                }
                if (host.Clients.Find(id) is { } c) list.Add(c);
            }
            clients = list;
        }
        else if (ctx.ArgCount == 4 && ctx.ArgIs(2, "TYPE"u8))
        {
            int type = ClientType(ctx.Arg(3));
            if (type < 0)
            {
                ctx.Error($"ERR Unknown client type '{CString(ctx.Arg(3))}'");
                return;
            }
            clients = type switch
            {
                0 => host.Clients.All.Where(c => !c.PubSubMode),
                2 => host.Clients.All.Where(c => c.PubSubMode),
                _ => [],
            };
        }
        else
        {
            ctx.SyntaxError();
            return;
        }
        var sb = new StringBuilder(256);
        foreach (var c in clients)
        {
            Describe(sb, c);
            sb.Append('\n');
        }
        ctx.Reply.Verbatim(Encoding.UTF8.GetBytes(sb.ToString()));
    }

    private static void Kill(CommandContext ctx)
    {
        var self = ctx.Conn();
        string? addr = null, laddr = null;
        int type = -1;
        long id = 0;
        bool skipMe = true;
        if (ctx.ArgCount == 3)
        {
            addr = CString(ctx.Arg(2));
            skipMe = false;
        }
        else
        {
            for (int i = 2; i < ctx.ArgCount; i += 2)
            {
                bool more = ctx.ArgCount > i + 1;
                if (ctx.ArgIs(i, "ID"u8) && more)
                {
                    if (!NumberParser.TryParseInt64(ctx.Arg(i + 1), out id) || id < 1)
                    {
                        ctx.Error("ERR client-id should be greater than 0");
                        return;
                    }
                }
                else if (ctx.ArgIs(i, "TYPE"u8) && more)
                {
                    type = ClientType(ctx.Arg(i + 1));
                    if (type < 0)
                    {
                        ctx.Error($"ERR Unknown client type '{CString(ctx.Arg(i + 1))}'");
                        return;
                    }
                }
                else if (ctx.ArgIs(i, "ADDR"u8) && more) addr = CString(ctx.Arg(i + 1));
                else if (ctx.ArgIs(i, "LADDR"u8) && more) laddr = CString(ctx.Arg(i + 1));
                else if (ctx.ArgIs(i, "USER"u8) && more)
                {
                    if (!ctx.Arg(i + 1).SequenceEqual("default"u8))
                    {
                        ctx.Error($"ERR No such user '{CString(ctx.Arg(i + 1))}'");
                        return;
                    }
                }
                else if (ctx.ArgIs(i, "SKIPME"u8) && more)
                {
                    if (ctx.ArgIs(i + 1, "YES"u8)) skipMe = true;
                    else if (ctx.ArgIs(i + 1, "NO"u8)) skipMe = false;
                    else
                    {
                        ctx.SyntaxError();
                        return;
                    }
                }
                else
                {
                    ctx.SyntaxError();
                    return;
                }
            }
        }
        int killed = 0;
        bool closeSelf = false;
        foreach (var c in ctx.Host().Clients.All)
        {
            if (addr is not null && c.RemoteAddress != addr) continue;
            if (laddr is not null && c.LocalAddress != laddr) continue;
            if (type >= 0 && type != (c.PubSubMode ? 2 : 0)) continue;
            if (id != 0 && c.Id != id) continue;
            if (c == self && skipMe) continue;
            if (c == self) closeSelf = true;
            else c.Kill();
            killed++;
        }
        if (ctx.ArgCount == 3)
        {
            if (killed == 0) ctx.Error("ERR No such client");
            else ctx.Reply.Ok();
        }
        else ctx.Reply.Integer(killed);
        if (closeSelf) self.CloseAfterReply = true;
    }

    private static void Pause(CommandContext ctx)
    {
        if (ctx.ArgCount > 4)
        {
            SubcommandSyntax(ctx);
            return;
        }
        int mode = PauseGate.All;
        if (ctx.ArgCount == 4)
        {
            if (ctx.ArgIs(3, "WRITE"u8)) mode = PauseGate.Write;
            else if (!ctx.ArgIs(3, "ALL"u8))
            {
                ctx.Error("ERR CLIENT PAUSE mode must be WRITE or ALL");
                return;
            }
        }
        if (!NumberParser.TryParseInt64(ctx.Arg(2), out long ms))
        {
            ctx.Error("ERR timeout is not an integer or out of range");
            return;
        }
        if (ms < 0)
        {
            ctx.Error("ERR timeout is negative");
            return;
        }
        ctx.Host().Hooks.Pause.PauseFor(ms, mode);
        ctx.Reply.Ok();
    }

    private static void Unpause(CommandContext ctx)
    {
        ctx.Host().Hooks.Pause.Unpause();
        ctx.Reply.Ok();
    }

    private static void Reply(CommandContext ctx)
    {
        var conn = ctx.Conn();
        if (ctx.ArgIs(2, "ON"u8))
        {
            conn.ReplyOn();
            ctx.Reply.Ok();
        }
        else if (ctx.ArgIs(2, "OFF"u8)) conn.ReplyOff = true;
        else if (ctx.ArgIs(2, "SKIP"u8))
        {
            if (!conn.ReplyOff) conn.SkipNextReply();
        }
        else ctx.SyntaxError();
    }

    private static bool OnOff(CommandContext ctx, out bool on)
    {
        on = ctx.ArgIs(2, "ON"u8);
        if (on || ctx.ArgIs(2, "OFF"u8)) return true;
        ctx.SyntaxError();
        return false;
    }

    private static void NoEvict(CommandContext ctx)
    {
        if (!OnOff(ctx, out bool on)) return;
        ctx.Session.NoEvict = on;
        ctx.Reply.Ok();
    }

    private static void NoTouch(CommandContext ctx)
    {
        if (!OnOff(ctx, out bool on)) return;
        ctx.Session.NoTouch = on;
        ctx.Reply.Ok();
    }

    private static void GetRedir(CommandContext ctx)
    {
        var t = ctx.Conn().Tracking;
        ctx.Reply.Integer(t.On ? t.Redirect : -1);
    }

    /// <summary>CLIENT TRACKING (ON|OFF) [REDIRECT id] [BCAST] [PREFIX p]... [OPTIN] [OPTOUT] [NOLOOP], as Redis checks it.</summary>
    private static void Tracking(CommandContext ctx)
    {
        var conn = ctx.Conn();
        var host = ctx.Host();
        long redirect = 0;
        bool bcast = false, optIn = false, optOut = false, noLoop = false;
        var prefixes = new List<byte[]>();
        for (int j = 3; j < ctx.ArgCount; j++)
        {
            bool more = ctx.ArgCount - 1 - j > 0;
            if (ctx.ArgIs(j, "REDIRECT"u8) && more)
            {
                j++;
                if (redirect != 0)
                {
                    ctx.Error("ERR A client can only redirect to a single other client");
                    return;
                }
                if (!ctx.TryGetLong(j, out redirect)) return;
                if (host.Clients.Find(redirect) is null)
                {
                    ctx.Error("ERR The client ID you want redirect to does not exist");
                    return;
                }
            }
            else if (ctx.ArgIs(j, "BCAST"u8)) bcast = true;
            else if (ctx.ArgIs(j, "OPTIN"u8)) optIn = true;
            else if (ctx.ArgIs(j, "OPTOUT"u8)) optOut = true;
            else if (ctx.ArgIs(j, "NOLOOP"u8)) noLoop = true;
            else if (ctx.ArgIs(j, "PREFIX"u8) && more)
            {
                j++;
                prefixes.Add(ctx.Arg(j).ToArray());
            }
            else
            {
                ctx.SyntaxError();
                return;
            }
        }
        var t = conn.Tracking;
        if (ctx.ArgIs(2, "ON"u8))
        {
            if (!bcast && prefixes.Count > 0)
            {
                ctx.Error("ERR PREFIX option requires BCAST mode to be enabled");
                return;
            }
            if (t.On && t.Bcast != bcast)
            {
                ctx.Error("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.");
                return;
            }
            if (bcast && (optIn || optOut))
            {
                ctx.Error("ERR OPTIN and OPTOUT are not compatible with BCAST");
                return;
            }
            if (optIn && optOut)
            {
                ctx.Error("ERR You can't specify both OPTIN mode and OPTOUT mode");
                return;
            }
            if ((optIn && t.OptOut) || (optOut && t.OptIn))
            {
                ctx.Error("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.");
                return;
            }
            if (bcast && PubSub.ClientTracker.PrefixCollision(conn, prefixes) is { } collision)
            {
                ctx.Error(collision);
                return;
            }
            host.Tracker.Enable(conn, redirect, bcast, optIn, optOut, noLoop, prefixes);
        }
        else if (ctx.ArgIs(2, "OFF"u8)) host.Tracker.Disable(conn);
        else
        {
            ctx.SyntaxError();
            return;
        }
        ctx.Reply.Ok();
    }

    private static void Caching(CommandContext ctx)
    {
        var t = ctx.Conn().Tracking;
        if (!t.On)
        {
            ctx.Error("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled");
            return;
        }
        if (ctx.ArgIs(2, "YES"u8))
        {
            if (!t.OptIn)
            {
                ctx.Error("ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
                return;
            }
        }
        else if (ctx.ArgIs(2, "NO"u8))
        {
            if (!t.OptOut)
            {
                ctx.Error("ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
                return;
            }
        }
        else
        {
            ctx.SyntaxError();
            return;
        }
        t.Caching = true;
        ctx.Reply.Ok();
    }

    private static void TrackingInfo(CommandContext ctx)
    {
        var t = ctx.Conn().Tracking;
        var w = ctx.Reply;
        w.MapHeader(3);
        w.Bulk("flags"u8);
        var flags = new List<string> { t.On ? "on" : "off" };
        if (t.On)
        {
            if (t.Bcast) flags.Add("bcast");
            if (t.OptIn)
            {
                flags.Add("optin");
                if (t.Caching) flags.Add("caching-yes");
            }
            if (t.OptOut)
            {
                flags.Add("optout");
                if (t.Caching) flags.Add("caching-no");
            }
            if (t.NoLoop) flags.Add("noloop");
            if (t.BrokenRedirect) flags.Add("broken_redirect");
        }
        w.SetHeader(flags.Count);
        foreach (var f in flags) w.Bulk(f);
        w.Bulk("redirect"u8);
        w.Integer(t.On ? t.Redirect : -1);
        w.Bulk("prefixes"u8);
        w.ArrayHeader(t.Prefixes.Count);
        foreach (var p in t.Prefixes) w.Bulk(p);
    }

    private static void Unblock(CommandContext ctx)
    {
        if (ctx.ArgCount > 4)
        {
            SubcommandSyntax(ctx);
            return;
        }
        bool withError = false;
        if (ctx.ArgCount == 4)
        {
            if (ctx.ArgIs(3, "ERROR"u8)) withError = true;
            else if (!ctx.ArgIs(3, "TIMEOUT"u8))
            {
                ctx.Error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
                return;
            }
        }
        if (!ctx.TryGetLong(2, out long id)) return;
        var target = ctx.Host().Clients.Find(id);
        ctx.Reply.Integer(target is not null && target.Unblock(withError) ? 1 : 0);
    }
}
