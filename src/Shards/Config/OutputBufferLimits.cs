using System.Globalization;

namespace TdbPlus.Shards.Config;

/// <summary>
/// client-output-buffer-limit: per client class (normal, slave, pubsub) a hard limit, a soft limit (bytes, 0 = none)
/// and how many seconds the soft limit may be exceeded before the client is disconnected.
/// </summary>
public sealed class OutputBufferLimits
{
    public const int Normal = 0;
    public const int Slave = 1;
    public const int PubSub = 2;

    private static readonly string[] Names = ["normal", "slave", "pubsub"];

    public long[] Hard { get; } = new long[3];
    public long[] Soft { get; } = new long[3];
    public long[] SoftSeconds { get; } = new long[3];

    public static OutputBufferLimits FromText(string text)
    {
        var limits = new OutputBufferLimits();
        limits.Apply(text, out _);
        return limits;
    }

    /// <summary>
    /// CONFIG SET: the classes named in <paramref name="text"/> change, the others keep their values from
    /// <paramref name="current"/> (setConfigClientOutputBufferLimitOption).
    /// </summary>
    public static bool Parse(string current, string text, out string canonical, out string? error)
    {
        var limits = FromText(current);
        canonical = current;
        if (!limits.Apply(text, out error)) return false;
        canonical = limits.ToString();
        return true;
    }

    private bool Apply(string text, out string? error)
    {
        error = null;
        var words = text.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (words.Length % 4 != 0)
        {
            error = "Wrong number of arguments in buffer limit configuration.";
            return false;
        }
        var updates = new List<(int Class, long Hard, long Soft, long Seconds)>();
        for (int i = 0; i < words.Length; i += 4)
        {
            int cls = words[i].ToLowerInvariant() switch
            {
                "normal" => Normal,
                "slave" or "replica" => Slave,
                "pubsub" => PubSub,
                _ => -1,
            };
            if (cls < 0)
            {
                error = "Invalid client class specified in buffer limit configuration.";
                return false;
            }
            if (!ConfigParsing.TryParseMemory(words[i + 1], out long hard) ||
                !ConfigParsing.TryParseMemory(words[i + 2], out long soft) ||
                !long.TryParse(words[i + 3], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long seconds) ||
                seconds < 0)
            {
                error = "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
                return false;
            }
            updates.Add((cls, hard, soft, seconds));
        }
        foreach (var (cls, hard, soft, seconds) in updates)
        {
            Hard[cls] = hard;
            Soft[cls] = soft;
            SoftSeconds[cls] = seconds;
        }
        return true;
    }

    public override string ToString() => string.Join(' ', Enumerable.Range(0, 3).Select(c =>
        string.Create(CultureInfo.InvariantCulture, $"{Names[c]} {Hard[c]} {Soft[c]} {SoftSeconds[c]}")));
}
