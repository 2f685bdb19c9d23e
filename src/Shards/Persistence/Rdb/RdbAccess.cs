using TdbPlus.Shards.Keyspace;
using TdbPlus.Shards.Storage;

namespace TdbPlus.Shards.Persistence.Rdb;

/// <summary>objectSetLRUOrLFU: applies a loaded or restored idle time (LRU policies) or counter (LFU policies).</summary>
public static class RdbAccess
{
    private const long LruClockMax = (1 << 24) - 1;

    public static void Apply(Database db, nint rec, long idleSeconds, int freq, long nowMs)
    {
        if (db.Store.Access.Lfu)
        {
            if (freq >= 0) Record.SetLru(rec, (uint)(((nowMs / 1000 / 60) & 65535) << 8) | (uint)freq);
            return;
        }
        if (idleSeconds < 0) return;
        long clock = AccessTracker.LruClock(nowMs);
        long abs = clock - idleSeconds;
        // A wrapped clock: half-way into the future, as Redis does, so the key is evicted first.
        if (abs < 0) abs = (clock + (LruClockMax / 2)) % LruClockMax;
        Record.SetLru(rec, (uint)abs);
    }
}
