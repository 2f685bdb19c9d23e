namespace TdbPlus.Shards.Engine;

/// <summary>Wall-clock milliseconds for TTLs; one place so tests and DEBUG commands can reason about time.</summary>
public sealed class ServerClock
{
    public long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public long NowUs => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;
}
