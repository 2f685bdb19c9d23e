using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Engine;
using TdbPlus.Shards.Storage;

namespace TdbPlus.Shards.Execution;

/// <summary>
/// Before a shard runs its commands of a pipelined run: hashes each command's first key once (the hash goes
/// to the handler through <c>ctx.KeyHashOf</c>) and prefetches the index buckets its lookup will read, so the
/// cache misses of a run's lookups overlap instead of stalling one command after another. A second pass then
/// prefetches the records those buckets point at (the lookup's second miss), once the buckets have arrived.
/// </summary>
internal static class KeyPrefetch
{
    public static void Run(Shard shard, CommandBatch batch, int start, int end)
    {
        var databases = shard.Databases;
        for (int i = start; i < end; i++)
        {
            ref var cmd = ref batch[i];
            if (cmd.Shard != shard.Id || cmd.Def is not { Route: CommandRoute.Keys } def || def.Spec.FindKeys is not null)
                continue;
            var keys = def.Spec.KeysFor(cmd.ArgCount);
            if (keys.IsEmpty) continue;
            var a = batch.Args[cmd.ArgStart + keys.First];
            ulong hash = KeyHash.Hash(new ReadOnlySpan<byte>(batch.Buffer, a.Offset, a.Length));
            cmd.HashedArg = keys.First;
            cmd.KeyHash = hash;
            if ((uint)cmd.DbIndex < (uint)databases.Length) databases[cmd.DbIndex].Prefetch(hash);
        }
        for (int i = start; i < end; i++)
        {
            ref var cmd = ref batch[i];
            if (cmd.Shard == shard.Id && cmd.HashedArg != 0 && (uint)cmd.DbIndex < (uint)databases.Length)
                databases[cmd.DbIndex].PrefetchRecord(cmd.KeyHash);
        }
    }
}
