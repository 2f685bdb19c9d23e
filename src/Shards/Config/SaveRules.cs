namespace TdbPlus.Shards.Config;

/// <summary>The `save` directive: snapshot after S seconds when at least C changes happened, for each S C pair.</summary>
public static class SaveRules
{
    private const string Invalid = "Invalid save parameters";

    /// <summary>Parses "S C S C ..." (empty: no rules) with Redis's strictness: single spaces, non-negative integers.</summary>
    public static bool Parse(string text, out string canonical, out string? error)
    {
        canonical = "";
        error = null;
        if (text.Length == 0) return true;
        var parts = text.Split(' ');
        if (parts.Length % 2 != 0)
        {
            error = Invalid;
            return false;
        }
        foreach (var p in parts)
        {
            if (!long.TryParse(p, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))
            {
                error = Invalid;
                return false;
            }
        }
        canonical = text;
        return true;
    }

    /// <summary>The (seconds, changes) pairs of a valid directive value.</summary>
    public static List<(long Seconds, long Changes)> Rules(string text)
    {
        var rules = new List<(long, long)>();
        if (text.Length == 0) return rules;
        var parts = text.Split(' ');
        for (int i = 0; i + 1 < parts.Length; i += 2) rules.Add((long.Parse(parts[i], System.Globalization.CultureInfo.InvariantCulture), long.Parse(parts[i + 1], System.Globalization.CultureInfo.InvariantCulture)));
        return rules;
    }
}
