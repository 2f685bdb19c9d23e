using System.Diagnostics;

namespace TdbPlus.Shards.Persistence;

/// <summary>The per-key pause of rdb-key-save-delay / key-load-delay (microseconds; 0 or less: none).</summary>
public static class DebugDelay
{
    public static void Microseconds(long us)
    {
        if (us <= 0) return;
        if (us >= 1000)
        {
            Thread.Sleep((int)Math.Min(int.MaxValue, us / 1000));
            return;
        }
        long until = Stopwatch.GetTimestamp() + us * Stopwatch.Frequency / 1_000_000;
        while (Stopwatch.GetTimestamp() < until) Thread.SpinWait(10);
    }
}
