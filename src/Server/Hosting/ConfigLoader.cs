using System.Text;
using TdbPlus.Shards.Config;

namespace TdbPlus.Server.Hosting;

/// <summary>
/// Reads configuration the way redis-server does: an optional config file as the first argument, then
/// "--directive value..." options that override it, both using the same directive names.
/// </summary>
public static class ConfigLoader
{
    public static bool TryLoad(ServerConfig config, string[] args, out string? error)
    {
        error = null;
        var text = new StringBuilder();
        int i = 0;
        if (args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal))
        {
            if (!File.Exists(args[0]))
            {
                error = $"Fatal error, can't open config file '{args[0]}'";
                return false;
            }
            text.Append(File.ReadAllText(args[0])).Append('\n');
            i = 1;
        }
        // Like redis-server: each "--name" starts a new line, the words after it are its arguments.
        var line = new StringBuilder();
        for (; i < args.Length; i++)
        {
            if (args[i].StartsWith("--", StringComparison.Ordinal) && args[i].Length > 2)
            {
                if (line.Length > 0) text.Append(line).Append('\n');
                line.Clear().Append(args[i][2..]);
            }
            else
            {
                line.Append(' ').Append(Quote(args[i]));
            }
        }
        if (line.Length > 0) text.Append(line).Append('\n');
        return TryApply(config, text.ToString(), out error);
    }

    public static bool TryApply(ServerConfig config, string text, out string? error)
    {
        error = null;
        int lineNo = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNo++;
            string line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var words = ConfigWords.Split(line);
            if (words is null)
            {
                error = $"Reading the configuration file, at line {lineNo}\n>>> '{line}'\nUnbalanced quotes in configuration line";
                return false;
            }
            if (words.Count == 0) continue;
            var directive = config.Find(words[0]);
            if (directive is null)
            {
                error = $"Reading the configuration file, at line {lineNo}\n>>> '{line}'\nBad directive or wrong number of arguments";
                return false;
            }
            string value = string.Join(' ', words.Skip(1));
            if (!directive.TrySet(value, out string? why))
            {
                error = $"Reading the configuration file, at line {lineNo}\n>>> '{line}'\n{why}";
                return false;
            }
        }
        return true;
    }

    private static string Quote(string arg) =>
        arg.Length == 0 || arg.Any(c => c is ' ' or '"' or '\'' or '\\') ? "\"" + arg.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"" : arg;
}

/// <summary>Splits a configuration line into words, honouring quotes as sdssplitargs does.</summary>
internal static class ConfigWords
{
    public static List<string>? Split(string line)
    {
        var buffer = Encoding.UTF8.GetBytes(line);
        var args = new TdbPlus.Resp.ArgList();
        if (!TdbPlus.Resp.InlineSplitter.Split(buffer, 0, args)) return null;
        var words = new List<string>(args.Count);
        foreach (var a in args.Span) words.Add(Encoding.UTF8.GetString(buffer, a.Offset, a.Length));
        return words;
    }
}
