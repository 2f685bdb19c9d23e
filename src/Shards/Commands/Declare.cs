using TdbPlus.Resp;

namespace TdbPlus.Shards.Commands;

/// <summary>Shorthand for command declarations in family files: one line per command.</summary>
public static class Declare
{
    /// <summary>A command whose keys are at (first, last, step) and which runs where those keys live.</summary>
    public static CommandDef Keyed(string name, int arity, CommandFlags flags, int first, int last, int step,
        AclCategories categories, CommandHandler handler, string summary, string since = "1.0.0", string group = "generic") =>
        new(new CommandSpec(name, arity, flags, first, last, step, categories, summary, since, group), CommandRoute.Keys, handler);

    /// <summary>
    /// A command with movable keys (numkeys, STORE options): (first, last, step) are what COMMAND INFO shows,
    /// <paramref name="findKeys"/> finds every key of an invocation for routing.
    /// </summary>
    public static CommandDef KeyedMovable(string name, int arity, CommandFlags flags, int first, int last, int step,
        KeyFinder findKeys, AclCategories categories, CommandHandler handler, string summary, string since = "1.0.0",
        string group = "generic") =>
        new(new CommandSpec(name, arity, flags | CommandFlags.MovableKeys, first, last, step, categories, summary, since, group)
        {
            FindKeys = findKeys,
        }, CommandRoute.Keys, handler);

    /// <summary>A command without keys that runs on the connection.</summary>
    public static CommandDef Local(string name, int arity, CommandFlags flags, AclCategories categories,
        CommandHandler handler, string summary, string since = "1.0.0", string group = "connection") =>
        new(new CommandSpec(name, arity, flags, 0, 0, 0, categories, summary, since, group), CommandRoute.Connection, handler);

    /// <summary>A command over the whole keyspace that runs with every shard parked.</summary>
    public static CommandDef Global(string name, int arity, CommandFlags flags, AclCategories categories,
        CommandHandler handler, string summary, string since = "1.0.0", string group = "generic") =>
        new(new CommandSpec(name, arity, flags, 0, 0, 0, categories, summary, since, group), CommandRoute.AllShards, handler);

    /// <summary>
    /// A command that names keys (COMMAND INFO shows (first, last, step), <paramref name="findKeys"/> finds
    /// them for COMMAND GETKEYS and WATCH) but may touch others it cannot name in advance (SORT BY/GET), so
    /// it runs with every shard parked and reads any key through <see cref="CommandContext.Db(ReadOnlySpan{byte})"/>.
    /// </summary>
    public static CommandDef GlobalKeyed(string name, int arity, CommandFlags flags, int first, int last, int step,
        KeyFinder? findKeys, AclCategories categories, CommandHandler handler, string summary, string since = "1.0.0",
        string group = "generic") =>
        new(new CommandSpec(name, arity, flags, first, last, step, categories, summary, since, group)
        {
            FindKeys = findKeys,
        }, CommandRoute.AllShards, handler);

    /// <summary>A cursor command (SCAN) that runs on the one shard its cursor (argument 1) names.</summary>
    public static CommandDef Cursor(string name, int arity, CommandFlags flags, AclCategories categories,
        CommandHandler handler, string summary, string since = "2.8.0", string group = "generic") =>
        new(new CommandSpec(name, arity, flags, 0, 0, 0, categories, summary, since, group), CommandRoute.ScanCursor, handler);

    /// <summary>A container (CONFIG, CLIENT, OBJECT...) whose subcommands are declared separately.</summary>
    public static CommandDef Container(string name, int arity, CommandFlags flags, AclCategories categories,
        string summary, IEnumerable<CommandDef> subcommands, CommandHandler? handler = null, string since = "1.0.0",
        string group = "server") =>
        new(new CommandSpec(name, arity, flags, 0, 0, 0, categories, summary, since, group), CommandRoute.Connection, handler, subcommands);
}
