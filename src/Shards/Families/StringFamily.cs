using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Keyspace;
using TdbPlus.Shards.Storage;

namespace TdbPlus.Shards.Families;

/// <summary>String commands: GET, SET and the rest of Redis's string group.</summary>
public static class StringFamily
{
    private const CommandFlags ReadFast = CommandFlags.ReadOnly | CommandFlags.Fast;
    private const CommandFlags WriteOom = CommandFlags.Write | CommandFlags.DenyOom;
    private const AclCategories ReadCat = AclCategories.Read | AclCategories.String | AclCategories.Fast;
    private const AclCategories WriteCat = AclCategories.Write | AclCategories.String | AclCategories.Slow;

    public static IEnumerable<CommandDef> Commands() =>
    [
        Declare.Keyed("GET", 2, ReadFast, 1, 1, 1, ReadCat, Get, "Returns the string value of a key.", group: "string"),
        Declare.Keyed("SET", -3, WriteOom, 1, 1, 1, WriteCat, Set, "Sets the string value of a key.", group: "string"),
    ];

    private static void Get(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        nint rec = ctx.Db(key).FindTouch(key, ctx.Now, ctx.Session.NoTouch);
        if (rec == 0) ctx.Reply.NullBulk();
        else if (Record.Type(rec) != KeyType.String) ctx.WrongType();
        else ctx.Reply.Bulk(Record.Value(rec));
    }

    private static void Set(CommandContext ctx)
    {
        if (ctx.ArgCount != 3)
        {
            ctx.SyntaxError();
            return;
        }
        var key = ctx.Arg(1);
        ctx.Db(key).SetString(key, ctx.Arg(2), 0, ctx.Now);
        ctx.Reply.Ok();
    }
}
