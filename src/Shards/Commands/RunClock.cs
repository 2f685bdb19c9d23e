using System.Diagnostics;
using TdbPlus.Shards.Engine;

namespace TdbPlus.Shards.Commands;

/// <summary>
/// The clock readings behind each command's <c>ctx.Now</c> and its commandstats time. Outside a run every
/// command reads the wall clock and the monotonic clock itself. Inside a run (a pipeline's consecutive commands
/// on one shard) the wall clock is read once, at the start, and the monotonic clock once per command: a
/// command starts at the instant the previous one ended, and its <c>Now</c> is the run's wall-clock start plus
/// the monotonic time since. So <c>Now</c> still advances with real time through a long run (a TTL set by one
/// command expires for a later one exactly as before), and a command's commandstats time is its own plus the
/// executor's bookkeeping (a few field reads) after the previous command. A run of n commands costs n + 2 clock
/// reads instead of 3n.
/// </summary>
internal sealed class RunClock
{
    private static readonly long TicksPerMs = Stopwatch.Frequency / 1000;
    private static readonly double MicrosecondsPerTick = 1_000_000.0 / Stopwatch.Frequency;

    private long _baseMs;
    private long _baseTicks;
    // Monotonic ticks at the end of the run's previous command; 0 outside a run.
    private long _last;

    /// <summary>A run starts: one wall-clock and one monotonic reading for all its commands.</summary>
    public void BeginRun(ServerClock clock)
    {
        _baseTicks = Stopwatch.GetTimestamp();
        _baseMs = clock.NowMs;
        _last = _baseTicks;
    }

    /// <summary>The run is over: commands run outside one read their own clocks again.</summary>
    public void EndRun() => _last = 0;

    /// <summary>
    /// Work that is not a command ran between two commands of the run (serving blocked clients): the next
    /// command starts after it, so its time is not counted as that command's.
    /// </summary>
    public void Skip()
    {
        if (_last != 0) _last = Stopwatch.GetTimestamp();
    }

    /// <summary>The wall-clock milliseconds of a command starting now (<c>ctx.Now</c>).</summary>
    public long NowMs(ServerClock clock)
    {
        long last = _last;
        return last == 0 ? clock.NowMs : _baseMs + (last - _baseTicks) / TicksPerMs;
    }

    /// <summary>
    /// The monotonic start of the command's own work. <paramref name="fresh"/>: work that is not the command's
    /// (eviction, a snapshot's saves) ran since the previous command ended, so read the clock.
    /// </summary>
    public long StartTicks(bool fresh)
    {
        long last = _last;
        return last == 0 || fresh ? Stopwatch.GetTimestamp() : last;
    }

    /// <summary>Microseconds between two Stopwatch timestamps.</summary>
    public static long Microseconds(long fromTicks, long toTicks) => (long)((toTicks - fromTicks) * MicrosecondsPerTick);

    /// <summary>A command ended at <paramref name="ticks"/> (a Stopwatch timestamp): the next one of the run starts there.</summary>
    public void End(long ticks)
    {
        if (_last != 0) _last = ticks;
    }
}
