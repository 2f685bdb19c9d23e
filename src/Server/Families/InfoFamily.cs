using System.Text;
using TdbPlus.Resp;
using TdbPlus.Shards.Commands;

namespace TdbPlus.Server.Families;

/// <summary>INFO [section ...].</summary>
public static class InfoFamily
{
    public static IEnumerable<CommandDef> Commands() =>
    [
        Declare.Local("INFO", -1, CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Random,
            AclCategories.Slow | AclCategories.Dangerous, Info, "Returns information and statistics about the server.", group: "server"),
    ];

    private static void Info(CommandContext ctx)
    {
        var names = new List<string>(ctx.ArgCount);
        for (int i = 1; i < ctx.ArgCount; i++) names.Add(ctx.ArgRaw(i));
        string text = InfoSections.Build(ctx.Host(), InfoSections.Select(names));
        ctx.Reply.Verbatim(Encoding.UTF8.GetBytes(text));
    }
}
