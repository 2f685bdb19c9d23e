using System.Runtime.CompilerServices;
using TdbPlus.Shards.Storage;

namespace TdbPlus.Shards.Keyspace;

/// <summary>
/// Keeps each record's 32-bit access field as Redis keeps robj->lru: an LRU clock in seconds, or under an LFU
/// policy a minutes timestamp with a logarithmic counter, so OBJECT IDLETIME/FREQ and eviction agree with Redis.
/// </summary>
public sealed class AccessTracker
{
    private const uint LruClockMax = (1 << 24) - 1;
    private const int LfuInitValue = 5;
    private ulong _rng = 0x9E3779B97F4A7C15;

    public bool Lfu { get; set; }
    public int LfuLogFactor { get; set; } = 10;
    public int LfuDecayTime { get; set; } = 1;

    public static uint LruClock(long nowMs) => (uint)(nowMs / 1000) & LruClockMax;

    private static uint LfuMinutes(long nowMs) => (uint)(nowMs / 1000 / 60) & 65535;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Initial(long nowMs) => Lfu ? (LfuMinutes(nowMs) << 8) | LfuInitValue : LruClock(nowMs);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Touch(nint rec, long nowMs)
    {
        if (!Lfu)
        {
            Record.SetLru(rec, LruClock(nowMs));
            return;
        }
        uint counter = (uint)DecayedFrequency(Record.Lru(rec), nowMs);
        counter = LogIncrement(counter);
        Record.SetLru(rec, (LfuMinutes(nowMs) << 8) | counter);
    }

    /// <summary>Milliseconds since last access, as estimateObjectIdleTime computes it.</summary>
    public static long IdleMs(uint lru, long nowMs)
    {
        uint clock = LruClock(nowMs);
        return clock >= lru ? (long)(clock - lru) * 1000 : (long)(clock + (LruClockMax - lru)) * 1000;
    }

    /// <summary>The LFU counter after time decay (LFUDecrAndReturn).</summary>
    public int DecayedFrequency(uint lru, long nowMs)
    {
        uint ldt = lru >> 8;
        int counter = (int)(lru & 255);
        uint now = LfuMinutes(nowMs);
        long elapsed = now >= ldt ? now - ldt : 65535 - ldt + now;
        long periods = LfuDecayTime > 0 ? elapsed / LfuDecayTime : 0;
        if (periods > 0) counter = periods > counter ? 0 : counter - (int)periods;
        return counter;
    }

    private uint LogIncrement(uint counter)
    {
        if (counter == 255) return 255;
        _rng ^= _rng << 13;
        _rng ^= _rng >> 7;
        _rng ^= _rng << 17;
        double r = (_rng >> 11) * (1.0 / (1UL << 53));
        double baseVal = Math.Max(0, (int)counter - LfuInitValue);
        double p = 1.0 / (baseVal * LfuLogFactor + 1);
        return r < p ? counter + 1 : counter;
    }
}
