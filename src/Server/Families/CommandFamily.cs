using System.Text;
using TdbPlus.Shards.Families;
using TdbPlus.Resp;
using TdbPlus.Shards.Commands;

namespace TdbPlus.Server.Families;

/// <summary>COMMAND and its subcommands, all derived from the command table's declarations.</summary>
public static class CommandFamily
{
    private const CommandFlags Flags = CommandFlags.Loading | CommandFlags.Stale;
    private const AclCategories Cats = AclCategories.Slow | AclCategories.Connection;

    public static IEnumerable<CommandDef> Commands() =>
    [
        Declare.Container("COMMAND", -1, Flags, Cats, "Returns detailed information about all commands.",
        [
            Declare.Local("COUNT", 2, Flags, Cats, Count, "Returns a count of commands.", "2.8.13", "server"),
            Declare.Local("INFO", -2, Flags, Cats, Info, "Returns information about one, multiple or all commands.", "2.8.13", "server"),
            Declare.Local("DOCS", -2, Flags, Cats, Docs, "Returns documentary information about one, multiple or all commands.", "7.0.0", "server"),
            Declare.Local("LIST", -2, Flags, Cats, List, "Returns a list of command names.", "7.0.0", "server"),
            Declare.Local("GETKEYS", -4, Flags, Cats, GetKeys, "Extracts the key names from an arbitrary command.", "2.8.13", "server"),
            Declare.Local("GETKEYSANDFLAGS", -4, Flags, Cats, GetKeysAndFlags, "Extracts the key names and access flags for an arbitrary command.", "7.0.0", "server"),
            Declare.Local("HELP", 2, Flags, Cats, Help, "Returns helpful text about the different subcommands.", "5.0.0", "server"),
        ], All, since: "2.8.13"),
    ];

    private static void Help(CommandContext ctx) => ctx.Help("COMMAND",
        "(no subcommand)",
        "    Return details about all Redis commands.",
        "COUNT",
        "    Return the total number of commands in this Redis server.",
        "LIST",
        "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]",
        "    Return details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "GETKEYS <full-command>",
        "    Return the keys from a full Redis command.",
        "GETKEYSANDFLAGS <full-command>",
        "    Return the keys and the access flags from a full Redis command.");

    private static readonly (CommandFlags Flag, string Name)[] FlagNames =
    [
        (CommandFlags.Write, "write"), (CommandFlags.ReadOnly, "readonly"), (CommandFlags.DenyOom, "denyoom"),
        (CommandFlags.Admin, "admin"), (CommandFlags.PubSub, "pubsub"), (CommandFlags.NoScript, "noscript"),
        (CommandFlags.Blocking, "blocking"), (CommandFlags.Loading, "loading"), (CommandFlags.Stale, "stale"),
        (CommandFlags.SkipMonitor, "skip_monitor"), (CommandFlags.SkipSlowlog, "skip_slowlog"), (CommandFlags.Fast, "fast"),
        (CommandFlags.NoAuth, "no_auth"), (CommandFlags.NoMandatoryKeys, "no_mandatory_keys"),
        (CommandFlags.NoAsyncLoading, "no_async_loading"), (CommandFlags.NoMulti, "no_multi"),
        (CommandFlags.MovableKeys, "movablekeys"), (CommandFlags.AllowBusy, "allow_busy"),
    ];

    private static readonly (AclCategories Cat, string Name)[] CategoryNames =
    [
        (AclCategories.Keyspace, "keyspace"), (AclCategories.Read, "read"), (AclCategories.Write, "write"),
        (AclCategories.Set, "set"), (AclCategories.SortedSet, "sortedset"), (AclCategories.List, "list"),
        (AclCategories.Hash, "hash"), (AclCategories.String, "string"), (AclCategories.Bitmap, "bitmap"),
        (AclCategories.HyperLogLog, "hyperloglog"), (AclCategories.Geo, "geo"), (AclCategories.Stream, "stream"),
        (AclCategories.PubSub, "pubsub"), (AclCategories.Admin, "admin"), (AclCategories.Fast, "fast"),
        (AclCategories.Slow, "slow"), (AclCategories.Blocking, "blocking"), (AclCategories.Dangerous, "dangerous"),
        (AclCategories.Connection, "connection"), (AclCategories.Transaction, "transaction"), (AclCategories.Scripting, "scripting"),
    ];

    /// <summary>"get" or "config|get": a command or a subcommand by its full name, case-insensitively.</summary>
    private static CommandDef? Lookup(CommandContext ctx, string fullName)
    {
        int bar = fullName.IndexOf('|');
        if (bar < 0) return ctx.Host().Commands.Find(fullName);
        var parent = ctx.Host().Commands.Find(fullName[..bar]);
        if (parent?.Subcommands is null) return null;
        return parent.Subcommands.GetValueOrDefault(fullName[(bar + 1)..]);
    }

    private static void All(CommandContext ctx)
    {
        var all = ctx.Host().Commands.All.ToList();
        ctx.Reply.ArrayHeader(all.Count);
        foreach (var def in all) WriteInfo(ctx.Reply, def);
    }

    private static void Count(CommandContext ctx) => ctx.Reply.Integer(ctx.Host().Commands.Count);

    private static void Info(CommandContext ctx)
    {
        if (ctx.ArgCount == 2)
        {
            All(ctx);
            return;
        }
        ctx.Reply.ArrayHeader(ctx.ArgCount - 2);
        for (int i = 2; i < ctx.ArgCount; i++)
        {
            if (Lookup(ctx, ctx.ArgRaw(i)) is { } def) WriteInfo(ctx.Reply, def);
            else ctx.Reply.NullBulk();
        }
    }

    /// <summary>The 10-element COMMAND INFO entry of Redis 7.0.</summary>
    public static void WriteInfo(RespWriter w, CommandDef def)
    {
        var spec = def.Spec;
        w.ArrayHeader(10);
        w.Bulk(def.FullName);
        w.Integer(spec.Arity);
        var flags = FlagNames.Where(f => (spec.Flags & f.Flag) != 0).ToList();
        w.SetHeader(flags.Count);
        foreach (var f in flags) w.SimpleString(f.Name);
        w.Integer(spec.FirstKey);
        w.Integer(spec.LastKey);
        w.Integer(spec.KeyStep);
        var cats = CategoryNames.Where(c => (spec.Categories & c.Cat) != 0).ToList();
        w.SetHeader(cats.Count);
        foreach (var c in cats) w.SimpleString("@" + c.Name);
        var tips = Tips(def);
        w.SetHeader(tips.Count);
        foreach (var t in tips) w.Bulk(t);
        WriteKeySpecs(w, spec);
        var subs = def.Subcommands?.Values.OrderBy(s => s.FullName, StringComparer.Ordinal).ToList() ?? [];
        w.SetHeader(subs.Count);
        foreach (var sub in subs) WriteInfo(w, sub);
    }

    private static List<string> Tips(CommandDef def)
    {
        var tips = new List<string>();
        if ((def.Spec.Flags & CommandFlags.Random) != 0) tips.Add("nondeterministic_output");
        return tips;
    }

    /// <summary>Key-spec flags derived from the command's flags (Redis declares them per key; TDB+ per command).</summary>
    private static string[] KeyFlags(CommandSpec spec)
    {
        if ((spec.Flags & CommandFlags.Write) != 0) return ["RW", "update"];
        if ((spec.Flags & CommandFlags.ReadOnly) != 0) return ["RO", "access"];
        return ["RO"];
    }

    private static void WriteKeySpecs(RespWriter w, CommandSpec spec)
    {
        if (spec.FirstKey <= 0)
        {
            w.SetHeader(0);
            return;
        }
        w.SetHeader(1);
        w.MapHeader(3);
        w.Bulk("flags"u8);
        var flags = KeyFlags(spec);
        w.SetHeader(flags.Length);
        foreach (var f in flags) w.SimpleString(f);
        w.Bulk("begin_search"u8);
        w.MapHeader(2);
        w.Bulk("type"u8);
        w.Bulk("index"u8);
        w.Bulk("spec"u8);
        w.MapHeader(1);
        w.Bulk("index"u8);
        w.Integer(spec.FirstKey);
        w.Bulk("find_keys"u8);
        w.MapHeader(2);
        w.Bulk("type"u8);
        w.Bulk("range"u8);
        w.Bulk("spec"u8);
        w.MapHeader(3);
        w.Bulk("lastkey"u8);
        w.Integer(spec.LastKey >= 0 ? spec.LastKey - spec.FirstKey : spec.LastKey);
        w.Bulk("keystep"u8);
        w.Integer(spec.KeyStep <= 0 ? 1 : spec.KeyStep);
        w.Bulk("limit"u8);
        w.Integer(0);
    }

    private static void Docs(CommandContext ctx)
    {
        var defs = new List<CommandDef>();
        if (ctx.ArgCount == 2) defs.AddRange(ctx.Host().Commands.All);
        else
        {
            for (int i = 2; i < ctx.ArgCount; i++)
                if (Lookup(ctx, ctx.ArgRaw(i)) is { } def) defs.Add(def);
        }
        ctx.Reply.MapHeader(defs.Count);
        foreach (var def in defs)
        {
            ctx.Reply.Bulk(def.FullName);
            WriteDocs(ctx.Reply, def);
        }
    }

    private static void WriteDocs(RespWriter w, CommandDef def)
    {
        var spec = def.Spec;
        var subs = def.Subcommands?.Values.OrderBy(s => s.FullName, StringComparer.Ordinal).ToList();
        w.MapHeader(subs is null ? 3 : 4);
        w.Bulk("summary"u8);
        w.Bulk(spec.Summary);
        w.Bulk("since"u8);
        w.Bulk(spec.Since);
        w.Bulk("group"u8);
        w.Bulk(spec.Group);
        if (subs is null) return;
        w.Bulk("subcommands"u8);
        w.MapHeader(subs.Count);
        foreach (var sub in subs)
        {
            w.Bulk(sub.FullName);
            WriteDocs(w, sub);
        }
    }

    private static void List(CommandContext ctx)
    {
        Func<CommandDef, bool> filter = _ => true;
        if (ctx.ArgCount != 2)
        {
            if (ctx.ArgCount != 5 || !ctx.ArgIs(2, "FILTERBY"u8))
            {
                ctx.SyntaxError();
                return;
            }
            string value = ctx.ArgRaw(4);
            if (ctx.ArgIs(3, "MODULE"u8)) filter = _ => false;
            else if (ctx.ArgIs(3, "ACLCAT"u8))
            {
                var cat = CategoryNames.FirstOrDefault(c => c.Name.Equals(value, StringComparison.OrdinalIgnoreCase)).Cat;
                filter = d => cat != AclCategories.None && (d.Spec.Categories & cat) != 0;
            }
            else if (ctx.ArgIs(3, "PATTERN"u8)) filter = d => Glob.IsMatch(Encoding.Latin1.GetBytes(value), Encoding.Latin1.GetBytes(d.FullName), noCase: true);
            else
            {
                ctx.SyntaxError();
                return;
            }
        }
        var names = new List<string>();
        foreach (var def in ctx.Host().Commands.All)
        {
            if (filter(def)) names.Add(def.FullName);
            if (def.Subcommands is null) continue;
            foreach (var sub in def.Subcommands.Values.OrderBy(s => s.FullName, StringComparer.Ordinal))
                if (filter(sub)) names.Add(sub.FullName);
        }
        ctx.Reply.ArrayHeader(names.Count);
        foreach (var n in names) ctx.Reply.Bulk(n);
    }

    private static void GetKeys(CommandContext ctx) => KeysOf(ctx, false);

    private static void GetKeysAndFlags(CommandContext ctx) => KeysOf(ctx, true);

    private static void KeysOf(CommandContext ctx, bool withFlags)
    {
        var table = ctx.Host().Commands;
        var def = table.Find(ctx.Arg(2));
        int argc = ctx.ArgCount - 2;
        if (def is { IsContainer: true })
        {
            def = argc >= 2 ? def.Subcommands!.GetValueOrDefault(ctx.ArgRaw(3)) : null;
        }
        if (def is null)
        {
            ctx.Error("ERR Invalid command specified");
            return;
        }
        var spec = def.Spec;
        if (spec.FirstKey <= 0 && (spec.Flags & CommandFlags.MovableKeys) == 0)
        {
            ctx.Error("ERR The command has no key arguments");
            return;
        }
        if (!spec.ArityAccepts(argc))
        {
            ctx.Error("ERR Invalid number of arguments specified for command");
            return;
        }
        var keys = spec.KeysFor(argc);
        var found = new List<int>();
        if (spec.FindKeys is { } finder) finder(ctx.ArgsFrom(2), found);
        else if (!keys.IsEmpty)
            for (int k = keys.First; k <= keys.Last; k += keys.Step) found.Add(k);
        if (found.Count == 0)
        {
            if ((spec.Flags & CommandFlags.NoMandatoryKeys) != 0) ctx.Reply.EmptyArray();
            else ctx.Error("ERR Invalid arguments specified for command");
            return;
        }
        var flags = KeyFlags(spec);
        ctx.Reply.ArrayHeader(found.Count);
        foreach (int k in found)
        {
            if (withFlags)
            {
                ctx.Reply.ArrayHeader(2);
                ctx.Reply.Bulk(ctx.Arg(2 + k));
                ctx.Reply.SetHeader(flags.Length);
                foreach (var f in flags) ctx.Reply.SimpleString(f);
            }
            else ctx.Reply.Bulk(ctx.Arg(2 + k));
        }
    }
}
