using TdbPlus.Shards.Keyspace;
using TdbPlus.Shards.Storage;

namespace TdbPlus.Shards.Engine;

/// <summary>
/// maxmemory enforcement per shard (each shard gets maxmemory / shards), approximating Redis's policies by
/// sampling maxmemory-samples keys and evicting the best candidate until the shard is under its budget.
/// </summary>
public sealed class Eviction(ShardSet owner)
{
    /// <summary>Evicts as the policy allows; false when the shard is still over budget (the OOM case).</summary>
    public bool EvictIfNeeded(Shard shard, long nowMs)
    {
        long max = owner.Config.MaxMemory;
        if (max <= 0) return true;
        long budget = max / owner.Count;
        if (shard.UsedBytes <= budget) return true;
        string policy = owner.Config.MaxMemoryPolicy;
        if (policy == "noeviction") return false;
        bool volatileOnly = policy.StartsWith("volatile", StringComparison.Ordinal);
        int samples = owner.Config.MaxMemorySamples;
        int guard = 0;
        while (shard.UsedBytes > budget)
        {
            if (!EvictOne(shard, policy, volatileOnly, samples, nowMs)) return false;
            if (++guard > 100_000) return shard.UsedBytes <= budget;
        }
        return true;
    }

    private static bool EvictOne(Shard shard, string policy, bool volatileOnly, int samples, long nowMs)
    {
        Database? bestDb = null;
        nint best = 0;
        double bestScore = double.MinValue;
        ref ulong rng = ref shard.Rng;
        var access = shard.Store.Access;
        foreach (var db in shard.Databases)
        {
            long population = volatileOnly ? db.VolatileCount : db.Count;
            if (population == 0) continue;
            for (int i = 0; i < samples; i++)
            {
                nint rec = volatileOnly ? db.RandomVolatileRecord(ref rng) : db.RandomRecord(ref rng);
                if (rec == 0) break;
                double score = policy switch
                {
                    "allkeys-lru" or "volatile-lru" => AccessTracker.IdleMs(Record.Lru(rec), nowMs),
                    "allkeys-lfu" or "volatile-lfu" => 255 - access.DecayedFrequency(Record.Lru(rec), nowMs),
                    "volatile-ttl" => -(double)Record.ExpireAt(rec),
                    _ => 0,
                };
                if (best == 0 || score > bestScore)
                {
                    best = rec;
                    bestDb = db;
                    bestScore = score;
                }
                if (policy.EndsWith("random", StringComparison.Ordinal)) break;
            }
        }
        if (best == 0 || bestDb is null) return false;
        bestDb.Notify(NotifyClass.Evicted, "evicted", Record.Key(best));
        shard.Log?.KeyEvicted(bestDb.Index, Record.Key(best));
        bestDb.Delete(Record.Key(best));
        shard.EvictedKeys++;
        return true;
    }
}
