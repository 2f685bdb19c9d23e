using System.Globalization;

namespace TdbPlus.Shards.Config;

/// <summary>Reads directive values the way redis-server's config.c does (yes/no, memory units, enums).</summary>
internal static class ConfigParsing
{
    public static bool TryParse(ConfigDirective d, string text, out long numeric, out string? error)
    {
        numeric = 0;
        error = null;
        switch (d.Kind)
        {
            case ConfigKind.Bool:
                if (text.Equals("yes", StringComparison.OrdinalIgnoreCase)) numeric = 1;
                else if (text.Equals("no", StringComparison.OrdinalIgnoreCase)) numeric = 0;
                else
                {
                    error = "argument must be 'yes' or 'no'";
                    return false;
                }
                return true;
            case ConfigKind.Integer:
                if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out numeric))
                {
                    error = "argument couldn't be parsed into an integer";
                    return false;
                }
                return InRange(d, numeric, out error);
            case ConfigKind.Memory:
                if (!TryParseMemory(text, out numeric))
                {
                    error = "argument must be a memory value";
                    return false;
                }
                return InRange(d, numeric, out error);
            case ConfigKind.Enum:
                foreach (var v in d.EnumValues)
                    if (v.Equals(text, StringComparison.OrdinalIgnoreCase)) return true;
                error = "argument(s) must be one of the following: " + string.Join(", ", d.EnumValues);
                return false;
            default:
                return true;
        }
    }

    public static string Canonical(ConfigDirective d, string text, long numeric) => d.Kind switch
    {
        ConfigKind.Bool => numeric != 0 ? "yes" : "no",
        ConfigKind.Integer or ConfigKind.Memory => numeric.ToString(CultureInfo.InvariantCulture),
        ConfigKind.Enum => text.ToLowerInvariant(),
        _ => text,
    };

    private static bool InRange(ConfigDirective d, long value, out string? error)
    {
        error = null;
        if (value >= d.Min && value <= d.Max) return true;
        error = $"argument must be between {d.Min} and {d.Max} inclusive";
        return false;
    }

    /// <summary>memtoull: a number with an optional k/kb/m/mb/g/gb unit (k = 1000, kb = 1024), case-insensitive.</summary>
    public static bool TryParseMemory(string text, out long bytes)
    {
        bytes = 0;
        string t = text.ToLowerInvariant();
        long mul = 1;
        string[] units = ["kb", "mb", "gb", "k", "m", "g", "b"];
        long[] muls = [1024, 1024 * 1024, 1024L * 1024 * 1024, 1000, 1000 * 1000, 1000L * 1000 * 1000, 1];
        for (int i = 0; i < units.Length; i++)
        {
            if (t.EndsWith(units[i], StringComparison.Ordinal))
            {
                mul = muls[i];
                t = t[..^units[i].Length];
                break;
            }
        }
        if (t.Length == 0 || !t.All(char.IsAsciiDigit)) return false;
        if (!long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out long n)) return false;
        try
        {
            bytes = checked(n * mul);
        }
        catch (OverflowException)
        {
            return false;
        }
        return true;
    }
}
