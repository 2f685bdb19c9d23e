using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Scripting;

namespace TdbPlus.Shards.Families;

/// <summary>
/// EVAL EVALSHA EVAL_RO EVALSHA_RO FCALL FCALL_RO, SCRIPT and FUNCTION. Scripts run with every shard parked
/// (they may touch keys they did not declare); their keys (numkeys) are declared for COMMAND GETKEYS.
/// </summary>
public static class ScriptingFamily
{
    private const CommandFlags ScriptFlags = CommandFlags.NoScript | CommandFlags.Stale | CommandFlags.SkipMonitor |
        CommandFlags.NoMandatoryKeys | CommandFlags.MovableKeys;
    private const AclCategories SlowScripting = AclCategories.Slow | AclCategories.Scripting;
    private const AclCategories WriteSlowScripting = AclCategories.Write | AclCategories.Slow | AclCategories.Scripting;

    /// <summary>Keys of EVAL-like commands: argument 2 is numkeys, the keys follow it.</summary>
    public static void NumKeysAt2(CommandArgs args, List<int> keys)
    {
        if (args.Count < 3 || !NumberParser.TryParseInt64(args[2], out long n) || n <= 0 || n > args.Count - 3) return;
        for (int i = 0; i < n; i++) keys.Add(3 + i);
    }

    private static CommandDef Script(string name, CommandFlags extra, CommandHandler handler, string summary, string since) =>
        new(new CommandSpec(name, -3, ScriptFlags | extra, 0, 0, 0, SlowScripting, summary, since, "scripting")
        {
            FindKeys = NumKeysAt2,
        }, CommandRoute.AllShards, handler);

    public static IEnumerable<CommandDef> Commands() =>
    [
        Script("EVAL", CommandFlags.None, ctx => Engine(ctx).Eval(ctx, false, false), "Executes a server-side Lua script.", "2.6.0"),
        Script("EVALSHA", CommandFlags.None, ctx => Engine(ctx).Eval(ctx, true, false),
            "Executes a server-side Lua script by SHA1 digest.", "2.6.0"),
        Script("EVAL_RO", CommandFlags.ReadOnly, ctx => Engine(ctx).Eval(ctx, false, true),
            "Executes a read-only server-side Lua script.", "7.0.0"),
        Script("EVALSHA_RO", CommandFlags.ReadOnly, ctx => Engine(ctx).Eval(ctx, true, true),
            "Executes a read-only server-side Lua script by SHA1 digest.", "7.0.0"),
        Script("FCALL", CommandFlags.None, ctx => Engine(ctx).FCall(ctx, false), "Invokes a function.", "7.0.0"),
        Script("FCALL_RO", CommandFlags.ReadOnly, ctx => Engine(ctx).FCall(ctx, true), "Invokes a read-only function.", "7.0.0"),
        Declare.Container("SCRIPT", -2, CommandFlags.None, AclCategories.Slow, "A container for Lua scripts management commands.",
        [
            Declare.Global("LOAD", 3, CommandFlags.NoScript | CommandFlags.Stale, SlowScripting, ScriptLoad,
                "Loads a server-side Lua script to the script cache.", "2.6.0", "scripting"),
            Declare.Local("EXISTS", -3, CommandFlags.NoScript, SlowScripting, ScriptExists,
                "Determines whether server-side Lua scripts exist in the script cache.", "2.6.0", "scripting"),
            Declare.Global("FLUSH", -2, CommandFlags.NoScript, SlowScripting, ScriptFlush,
                "Removes all server-side Lua scripts from the script cache.", "2.6.0", "scripting"),
            Declare.Local("KILL", 2, CommandFlags.NoScript | CommandFlags.AllowBusy, SlowScripting, ScriptKill,
                "Terminates a server-side Lua script during execution.", "2.6.0", "scripting"),
            Declare.Local("DEBUG", 3, CommandFlags.NoScript, SlowScripting, ScriptDebug,
                "Sets the debug mode of server-side Lua scripts.", "3.2.0", "scripting"),
            Declare.Local("HELP", 2, CommandFlags.Loading | CommandFlags.Stale, SlowScripting, ScriptHelp,
                "Returns helpful text about the different subcommands.", "5.0.0", "scripting"),
        ], since: "2.6.0", group: "scripting"),
        Declare.Container("FUNCTION", -2, CommandFlags.None, AclCategories.Slow, "A container for function commands.",
        [
            Declare.Global("LOAD", -3, CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.NoScript, WriteSlowScripting,
                FunctionLoad, "Creates a library.", "7.0.0", "scripting"),
            Declare.Global("DELETE", 3, CommandFlags.Write | CommandFlags.NoScript, WriteSlowScripting, FunctionDelete,
                "Deletes a library and its functions.", "7.0.0", "scripting"),
            Declare.Local("LIST", -2, CommandFlags.NoScript, SlowScripting, FunctionList,
                "Returns information about all libraries.", "7.0.0", "scripting"),
            Declare.Global("FLUSH", -2, CommandFlags.Write | CommandFlags.NoScript, WriteSlowScripting, FunctionFlush,
                "Deletes all libraries and functions.", "7.0.0", "scripting"),
            Declare.Local("DUMP", 2, CommandFlags.NoScript, SlowScripting, FunctionDumpCmd,
                "Dumps all libraries into a serialized binary payload.", "7.0.0", "scripting"),
            Declare.Global("RESTORE", -3, CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.NoScript, WriteSlowScripting,
                FunctionRestore, "Restores all libraries from a payload.", "7.0.0", "scripting"),
            Declare.Local("STATS", 2, CommandFlags.NoScript | CommandFlags.AllowBusy, SlowScripting, FunctionStats,
                "Returns information about a function during execution.", "7.0.0", "scripting"),
            Declare.Local("KILL", 2, CommandFlags.NoScript | CommandFlags.AllowBusy, SlowScripting, FunctionKill,
                "Terminates a function during execution.", "7.0.0", "scripting"),
            Declare.Local("HELP", 2, CommandFlags.Loading | CommandFlags.Stale, SlowScripting, FunctionHelp,
                "Returns helpful text about the different subcommands.", "7.0.0", "scripting"),
        ], since: "7.0.0", group: "scripting"),
    ];

    private static ScriptingEngine Engine(CommandContext ctx) => ScriptingEngine.For(ctx.Engine);

    // ---------------------------------------------------------------- SCRIPT

    private static void ScriptLoad(CommandContext ctx)
    {
        var sha = Engine(ctx).LoadScript(ctx.Arg(2), out var error);
        if (sha is null) ctx.Error(error!);
        else ctx.Reply.Bulk(sha);
    }

    private static void ScriptExists(CommandContext ctx)
    {
        var engine = Engine(ctx);
        ctx.Reply.ArrayHeader(ctx.ArgCount - 2);
        for (int i = 2; i < ctx.ArgCount; i++) ctx.Reply.Integer(engine.ScriptExists(ctx.Arg(i)) ? 1 : 0);
    }

    private static void ScriptFlush(CommandContext ctx)
    {
        if (!FlushMode(ctx, "ERR SCRIPT FLUSH only support SYNC|ASYNC option")) return;
        Engine(ctx).ForgetScripts();
        ctx.Reply.Ok();
    }

    private static bool FlushMode(CommandContext ctx, string error)
    {
        if (ctx.ArgCount == 2) return true;
        if (ctx.ArgCount == 3 && (ctx.ArgIs(2, "SYNC"u8) || ctx.ArgIs(2, "ASYNC"u8))) return true;
        ctx.Error(error);
        return false;
    }

    private static void ScriptKill(CommandContext ctx)
    {
        var error = Engine(ctx).Kill(eval: true);
        if (error is null) ctx.Reply.Ok();
        else ctx.Error(error);
    }

    private static void ScriptDebug(CommandContext ctx)
    {
        if (ctx.ArgIs(2, "NO"u8)) ctx.Reply.Ok();
        else if (ctx.ArgIs(2, "YES"u8) || ctx.ArgIs(2, "SYNC"u8)) ctx.Error("ERR SCRIPT DEBUG is not supported by this server");
        else ctx.Error("ERR Use SCRIPT DEBUG YES/SYNC/NO");
    }

    private static readonly string[] ScriptHelpLines =
    [
        "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DEBUG (YES|SYNC|NO)",
        "    Set the debug mode for subsequent scripts executed.",
        "EXISTS <sha1> [<sha1> ...]",
        "    Return information about the existence of the scripts in the script cache.",
        "FLUSH [ASYNC|SYNC]",
        "    Flush the Lua scripts cache. Very dangerous on replicas.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the scripts cache.",
        "    * SYNC: Synchronously flush the scripts cache.",
        "KILL",
        "    Kill the currently executing Lua script.",
        "LOAD <script>",
        "    Load a script into the scripts cache without executing it.",
        "HELP",
        "    Prints this help.",
    ];

    private static void ScriptHelp(CommandContext ctx) => Lines(ctx, ScriptHelpLines);

    private static void Lines(CommandContext ctx, string[] lines)
    {
        ctx.Reply.ArrayHeader(lines.Length);
        foreach (var l in lines) ctx.Reply.SimpleString(l);
    }

    // ---------------------------------------------------------------- FUNCTION

    private static void FunctionLoad(CommandContext ctx)
    {
        bool replace = false;
        int codeArg = 2;
        if (ctx.ArgCount > 3)
        {
            for (; codeArg < ctx.ArgCount - 1; codeArg++)
            {
                if (ctx.ArgIs(codeArg, "REPLACE"u8)) replace = true;
                else
                {
                    ctx.Error($"ERR Unknown option given: {ctx.ArgRaw(codeArg)}");
                    return;
                }
            }
        }
        var name = Engine(ctx).LoadLibrary(ctx.Arg(codeArg), replace, out var error);
        if (name is null) ctx.Error(error!);
        else ctx.Reply.Bulk(name);
    }

    private static void FunctionDelete(CommandContext ctx)
    {
        if (Engine(ctx).DeleteLibrary(ctx.ArgString(2))) ctx.Reply.Ok();
        else ctx.Error("ERR Library not found");
    }

    private static void FunctionFlush(CommandContext ctx)
    {
        if (!FlushMode(ctx, "ERR FUNCTION FLUSH only supports SYNC|ASYNC option")) return;
        Engine(ctx).FlushFunctions();
        ctx.Reply.Ok();
    }

    private static void FunctionList(CommandContext ctx)
    {
        bool withCode = false;
        string? pattern = null;
        for (int i = 2; i < ctx.ArgCount; i++)
        {
            if (ctx.ArgIs(i, "WITHCODE"u8))
            {
                if (withCode)
                {
                    ctx.Error("ERR Unknown argument withcode");
                    return;
                }
                withCode = true;
            }
            else if (ctx.ArgIs(i, "LIBRARYNAME"u8))
            {
                if (pattern is not null)
                {
                    ctx.Error("ERR library name argument was already given");
                    return;
                }
                if (i + 1 >= ctx.ArgCount)
                {
                    ctx.Error("ERR library name argument was not given");
                    return;
                }
                pattern = ctx.ArgRaw(++i);
            }
            else
            {
                ctx.Error($"ERR Unknown argument {ctx.ArgRaw(i)}");
                return;
            }
        }
        var libs = Engine(ctx).Functions.Snapshot();
        if (pattern is not null) libs = libs.Where(l => Glob.IsMatch(System.Text.Encoding.Latin1.GetBytes(pattern), System.Text.Encoding.Latin1.GetBytes(l.Name))).ToList();
        var w = ctx.Reply;
        w.ArrayHeader(libs.Count);
        foreach (var lib in libs)
        {
            w.MapHeader(withCode ? 4 : 3);
            w.Bulk("library_name"u8);
            w.Bulk(lib.Name);
            w.Bulk("engine"u8);
            w.Bulk("LUA"u8);
            w.Bulk("functions"u8);
            w.ArrayHeader(lib.Functions.Count);
            foreach (var f in lib.Functions)
            {
                w.MapHeader(3);
                w.Bulk("name"u8);
                w.Bulk(f.Name);
                w.Bulk("description"u8);
                if (f.Description is null) w.NullBulk();
                else w.Bulk(f.Description);
                w.Bulk("flags"u8);
                var names = ScriptingEngine.FlagNames.Where(n => (f.Flags & n.Flag) != 0).ToList();
                w.SetHeader(names.Count);
                foreach (var n in names) w.SimpleString(n.Name);
            }
            if (withCode)
            {
                w.Bulk("library_code"u8);
                w.Bulk(lib.Code);
            }
        }
    }

    private static void FunctionDumpCmd(CommandContext ctx) =>
        ctx.Reply.Bulk(FunctionDump.Dump(Engine(ctx).Functions.Snapshot()));

    private static void FunctionRestore(CommandContext ctx)
    {
        string policy = "APPEND";
        if (ctx.ArgCount > 4)
        {
            ctx.Error("ERR unknown subcommand or wrong number of arguments for 'RESTORE'. Try FUNCTION HELP.");
            return;
        }
        if (ctx.ArgCount == 4)
        {
            if (ctx.ArgIs(3, "FLUSH"u8)) policy = "FLUSH";
            else if (ctx.ArgIs(3, "APPEND"u8)) policy = "APPEND";
            else if (ctx.ArgIs(3, "REPLACE"u8)) policy = "REPLACE";
            else
            {
                ctx.Error("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
                return;
            }
        }
        var codes = FunctionDump.Parse(ctx.Arg(2), out var error);
        if (codes is not null) error = Engine(ctx).RestoreLibraries(codes, policy);
        if (error is not null) ctx.Error(error);
        else ctx.Reply.Ok();
    }

    private static void FunctionStats(CommandContext ctx)
    {
        var engine = Engine(ctx);
        var w = ctx.Reply;
        w.MapHeader(2);
        w.Bulk("running_script"u8);
        if (engine.RunningScript is { } run)
        {
            w.MapHeader(3);
            w.Bulk("name"u8);
            w.Bulk(run.Name);
            w.Bulk("command"u8);
            w.ArrayHeader(run.Command.Length);
            foreach (var a in run.Command) w.Bulk(System.Text.Encoding.Latin1.GetBytes(a));
            w.Bulk("duration_ms"u8);
            w.Integer(run.DurationMs);
        }
        else w.NullBulk();
        w.Bulk("engines"u8);
        w.MapHeader(1);
        w.Bulk("LUA"u8);
        w.MapHeader(2);
        var (libs, funcs) = engine.Functions.Counts;
        w.Bulk("libraries_count"u8);
        w.Integer(libs);
        w.Bulk("functions_count"u8);
        w.Integer(funcs);
    }

    private static void FunctionKill(CommandContext ctx)
    {
        var error = Engine(ctx).Kill(eval: false);
        if (error is null) ctx.Reply.Ok();
        else ctx.Error(error);
    }

    private static readonly string[] FunctionHelpLines =
    [
        "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "LOAD [REPLACE] <FUNCTION CODE>",
        "    Create a new library with the given library name and code.",
        "DELETE <LIBRARY NAME>",
        "    Delete the given library.",
        "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
        "    Return general information on all the libraries:",
        "    * Library name",
        "    * The engine used to run the Library",
        "    * Library description",
        "    * Functions list",
        "    * Library code (if WITHCODE is given)",
        "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
        "STATS",
        "    Return information about the current function running:",
        "    * Function name",
        "    * Command used to run the function",
        "    * Duration in MS that the function is running",
        "    If no function is running, return nil",
        "    In addition, returns a list of available engines.",
        "KILL",
        "    Kill the current running function.",
        "FLUSH [ASYNC|SYNC]",
        "    Delete all the libraries.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the libraries.",
        "    * SYNC: Synchronously flush the libraries.",
        "DUMP",
        "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
        "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
        "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
        "    control how to handle existing libraries (default APPEND):",
        "    * FLUSH: delete all existing libraries.",
        "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
        "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
        "      libraries with the new libraries (notice that even on this option there is a chance of failure",
        "      in case of functions name collision with another library).",
        "HELP",
        "    Prints this help.",
    ];

    private static void FunctionHelp(CommandContext ctx) => Lines(ctx, FunctionHelpLines);
}
