using System.Text;
using TdbPlus.Shards.Families;
using TdbPlus.Resp;
using TdbPlus.Server.Hosting;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Config;

namespace TdbPlus.Server.Families;

/// <summary>CONFIG GET / SET / RESETSTAT / REWRITE / HELP over the directive table.</summary>
public static class ConfigFamily
{
    private const CommandFlags Admin = HostAccess.AdminFlags;
    private const AclCategories AdminCats = HostAccess.AdminCats;

    public static IEnumerable<CommandDef> Commands() =>
    [
        Declare.Container("CONFIG", -2, CommandFlags.None, AclCategories.Slow, "A container for server configuration commands.",
        [
            Declare.Local("GET", -3, Admin, AdminCats, Get, "Returns the effective values of configuration parameters.", "2.0.0", "server"),
            Declare.Local("SET", -4, Admin, AdminCats, Set, "Sets configuration parameters in-flight.", "2.0.0", "server"),
            Declare.Local("RESETSTAT", 2, Admin, AdminCats, ResetStat, "Resets the server's statistics.", "2.0.0", "server"),
            Declare.Local("REWRITE", 2, Admin, AdminCats, Rewrite, "Persists the effective configuration to file.", "2.8.0", "server"),
            Declare.Local("HELP", 2, CommandFlags.Loading | CommandFlags.Stale, AclCategories.Slow, Help,
                "Returns helpful text about the different subcommands.", "5.0.0", "server"),
        ], since: "2.0.0"),
    ];

    private static void Help(CommandContext ctx) => ctx.Help("CONFIG",
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "REWRITE",
        "    Rewrite the configuration file.");

    private static void Get(CommandContext ctx)
    {
        var config = ctx.Engine.Config;
        var matches = new List<(string Name, ConfigDirective D)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 2; i < ctx.ArgCount; i++)
        {
            string pattern = ctx.ArgRaw(i);
            if (pattern.IndexOfAny(['[', '*', '?']) < 0)
            {
                if (seen.Contains(pattern)) continue;
                if (config.Find(pattern) is { } d)
                {
                    seen.Add(pattern);
                    matches.Add((pattern, d));
                }
                continue;
            }
            foreach (var d in config.All)
            {
                foreach (var name in d.Aliases.Prepend(d.Name))
                {
                    if (seen.Contains(name) || !Glob.IsMatch(Encoding.Latin1.GetBytes(pattern), Encoding.Latin1.GetBytes(name), noCase: true)) continue;
                    seen.Add(name);
                    matches.Add((name, d));
                }
            }
        }
        var w = ctx.Reply;
        w.MapHeader(matches.Count);
        foreach (var (name, d) in matches)
        {
            w.Bulk(name);
            w.Bulk(d.Value);
        }
    }

    private static void Set(CommandContext ctx)
    {
        if (ctx.ArgCount % 2 != 0)
        {
            ctx.SyntaxError();
            return;
        }
        var config = ctx.Engine.Config;
        int count = (ctx.ArgCount - 2) / 2;
        var directives = new ConfigDirective[count];
        var values = new string[count];
        string? unknown = null, errArg = null, err = null;
        for (int i = 0; i < count; i++)
        {
            string name = ctx.ArgRaw(2 + i * 2);
            var d = config.Find(name);
            if (d is null)
            {
                if (unknown is null && err is null) unknown = name;
                continue;
            }
            if (unknown is not null || err is not null) continue;
            if (!d.Mutable)
            {
                err = "can't set immutable config";
                errArg = name;
                continue;
            }
            if (d.Protected && !ctx.EnabledFor("enable-protected-configs"))
            {
                err = "can't set protected config";
                errArg = name;
                continue;
            }
            for (int j = 0; j < i; j++)
            {
                if (directives[j] == d)
                {
                    err = "duplicate parameter";
                    errArg = name;
                    break;
                }
            }
            directives[i] = d;
            values[i] = Encoding.UTF8.GetString(ctx.Arg(3 + i * 2));
        }
        if (unknown is not null)
        {
            ctx.Error($"ERR Unknown option or number of arguments for CONFIG SET - '{unknown}'");
            return;
        }
        if (err is null)
        {
            var old = directives.Select(d => d.Value).ToArray();
            for (int i = 0; i < count; i++)
            {
                if (directives[i].TrySet(values[i], out string? why)) continue;
                err = why ?? "invalid argument";
                errArg = ctx.ArgRaw(2 + i * 2);
                // Atomic: put back what was already changed, newest first.
                for (int j = i - 1; j >= 0; j--) directives[j].TrySet(old[j], out _);
                break;
            }
        }
        if (err is not null)
        {
            ctx.Error($"ERR CONFIG SET failed (possibly related to argument '{errArg}') - {err}");
            return;
        }
        ctx.Reply.Ok();
    }

    private static void ResetStat(CommandContext ctx)
    {
        ResetStats(ctx.Host());
        ctx.Reply.Ok();
    }

    /// <summary>CONFIG RESETSTAT: server counters, command stats, error stats and the shard counters' baselines.</summary>
    public static void ResetStats(ServerHost host)
    {
        host.Stats.Reset();
        foreach (var def in host.Commands.All)
        {
            def.ResetStats();
            if (def.Subcommands is { } subs)
                foreach (var sub in subs.Values) sub.ResetStats();
        }
        host.Observer.ResetErrors();
        var st = host.Stats;
        Interlocked.Exchange(ref st.KeyspaceHitsBase, 0);
        Interlocked.Exchange(ref st.KeyspaceMissesBase, 0);
        Interlocked.Exchange(ref st.ExpiredKeysBase, 0);
        Interlocked.Exchange(ref st.EvictedKeysBase, 0);
        var (hits, misses, expired, evicted) = InfoSections.ShardCounters(host);
        Interlocked.Exchange(ref st.KeyspaceHitsBase, hits);
        Interlocked.Exchange(ref st.KeyspaceMissesBase, misses);
        Interlocked.Exchange(ref st.ExpiredKeysBase, expired);
        Interlocked.Exchange(ref st.EvictedKeysBase, evicted);
        Interlocked.Exchange(ref host.PeakMemory, 0);
    }

    private static void Rewrite(CommandContext ctx)
    {
        var host = ctx.Host();
        if (host.ConfigFile is null)
        {
            ctx.Error("ERR The server is running without a config file");
            return;
        }
        try
        {
            ConfigRewriter.Rewrite(host.Config, host.ConfigFile);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            host.Log.Warning($"CONFIG REWRITE failed: {ex.Message}");
            ctx.Error($"ERR Rewriting config file: {ex.Message}");
            return;
        }
        host.Log.Notice("CONFIG REWRITE executed with success.");
        ctx.Reply.Ok();
    }
}

/// <summary>
/// CONFIG REWRITE as Redis does it: every line of the old file is kept except those setting a known directive,
/// which take the directive's current value (the first occurrence; later ones are dropped); directives that
/// differ from their defaults and were not in the file are appended after a "# Generated by CONFIG REWRITE" line.
/// </summary>
public static class ConfigRewriter
{
    private const string Signature = "# Generated by CONFIG REWRITE";

    public static void Rewrite(ServerConfig config, string path)
    {
        var lines = File.Exists(path) ? File.ReadAllLines(path).ToList() : [];
        var output = new List<string>(lines.Count + 8);
        var written = new HashSet<ConfigDirective>();
        bool signed = false;
        foreach (var raw in lines)
        {
            string line = raw.Trim();
            if (line == Signature) signed = true;
            if (line.Length == 0 || line[0] == '#')
            {
                output.Add(raw);
                continue;
            }
            var words = ConfigWords.Split(line);
            var d = words is { Count: > 0 } ? config.Find(words[0]) : null;
            if (d is null)
            {
                output.Add(raw);
                continue;
            }
            if (written.Add(d)) output.AddRange(Lines(d));
        }
        var extra = config.All.Where(d => !written.Contains(d) && (d.Value != d.DefaultValue || d.Name == "save")).ToList();
        if (extra.Count > 0)
        {
            // Like Redis, drop trailing blank lines before the generated block.
            while (output.Count > 0 && output[^1].Trim().Length == 0) output.RemoveAt(output.Count - 1);
            if (!signed) output.Add(Signature);
            foreach (var d in extra) output.AddRange(Lines(d));
        }
        string tmp = path + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(tmp, string.Join('\n', output) + "\n");
        File.Move(tmp, path, overwrite: true);
    }

    private static IEnumerable<string> Lines(ConfigDirective d)
    {
        if (d.Name == "save")
        {
            var parts = d.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0) return ["save \"\""];
            var lines = new List<string>();
            for (int i = 0; i + 1 < parts.Length; i += 2) lines.Add($"save {parts[i]} {parts[i + 1]}");
            return lines;
        }
        return [$"{d.Name} {Quote(d.Value)}"];
    }

    /// <summary>A value as a config file needs it: bare when it is one plain word, else quoted with C escapes.</summary>
    public static string Quote(string value)
    {
        bool plain = value.Length > 0 && value.All(c => c > ' ' && c < 127 && c is not '"' and not '\'' and not '\\');
        if (plain) return value;
        var sb = new StringBuilder();
        ServerObserver.AppendRepr(sb, Encoding.UTF8.GetBytes(value));
        return sb.ToString();
    }
}
