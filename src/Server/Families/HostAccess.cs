using TdbPlus.Resp;
using TdbPlus.Server.Hosting;
using TdbPlus.Shards.Commands;

namespace TdbPlus.Server.Families;

/// <summary>Reaching the server from a handler: the session of a server command is always its connection.</summary>
internal static class HostAccess
{
    public static Connection Conn(this CommandContext ctx) => (Connection)ctx.Session;

    public static ServerHost Host(this CommandContext ctx) => ((Connection)ctx.Session).Host;

    /// <summary>
    /// A yes/no/local switch such as enable-debug-command or enable-protected-configs, for this client: "local"
    /// allows loopback connections only, as Redis's allowProtectedAction.
    /// </summary>
    public static bool EnabledFor(this CommandContext ctx, string directive)
    {
        string mode = ctx.Engine.Config[directive].Value;
        if (mode == "yes") return true;
        if (mode != "local") return false;
        string addr = ctx.Conn().RemoteAddress;
        int colon = addr.LastIndexOf(':');
        string ip = colon > 0 ? addr[..colon].Trim('[', ']') : addr;
        return System.Net.IPAddress.TryParse(ip, out var a) &&
            System.Net.IPAddress.IsLoopback(a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a);
    }

    /// <summary>A help reply as Redis's addReplyHelp: the header line, the lines given, then HELP.</summary>
    public static void Help(this CommandContext ctx, string command, params string[] lines)
    {
        var w = ctx.Reply;
        w.ArrayHeader(lines.Length + 3);
        w.SimpleString($"{command} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
        foreach (var l in lines) w.SimpleString(l);
        w.SimpleString("HELP");
        w.SimpleString("    Prints this help.");
    }

    /// <summary>Redis's "unknown subcommand" error for commands that parse their subcommands themselves.</summary>
    public static void UnknownSubcommand(this CommandContext ctx, string command) =>
        ctx.Error($"ERR unknown subcommand '{ctx.ArgRaw(1)}'. Try {command} HELP.");

    public const CommandFlags AdminFlags = CommandFlags.Admin | CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale;
    public const AclCategories AdminCats = AclCategories.Admin | AclCategories.Slow | AclCategories.Dangerous;
}
