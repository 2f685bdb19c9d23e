namespace TdbPlus.Shards.Engine;

/// <summary>
/// A few counters kept once per shard thread, each on its own cache line, summed when read: counting a
/// command costs plain additions on the thread's own line instead of atomics that every shard contends for.
/// Threads that are not shard threads share one extra slot and use atomics.
/// </summary>
public sealed class StripedCounters(int counters)
{
    /// <summary>Most shard threads that get a private slot.</summary>
    public const int MaxSlots = 64;

    // 8 longs = one 64-byte cache line per slot; "counters" of them are used.
    private const int Stride = 8;

    [ThreadStatic]
    private static int t_slot;

    private long[]? _values;

    /// <summary>Called once by each shard thread: its private slot (0..MaxSlots-1).</summary>
    public static void BindCurrentThread(int shardId) => t_slot = shardId + 1;

    public void Add(int counter, long delta)
    {
        var values = _values ??= Allocate();
        int slot = t_slot - 1;
        if ((uint)slot < MaxSlots) values[slot * Stride + counter] += delta;
        else Interlocked.Add(ref values[MaxSlots * Stride + counter], delta);
    }

    public long Sum(int counter)
    {
        var values = Volatile.Read(ref _values);
        if (values is null) return 0;
        long total = 0;
        for (int slot = 0; slot <= MaxSlots; slot++) total += Volatile.Read(ref values[slot * Stride + counter]);
        return total;
    }

    public void Reset()
    {
        if (_values is { } values) Array.Clear(values);
    }

    private long[] Allocate()
    {
        System.Diagnostics.Debug.Assert(counters <= Stride);
        var fresh = new long[(MaxSlots + 1) * Stride];
        return Interlocked.CompareExchange(ref _values, fresh, null) ?? fresh;
    }
}
