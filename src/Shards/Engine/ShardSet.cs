using TdbPlus.Shards.Config;
using TdbPlus.Shards.Keyspace;
using TdbPlus.Shards.Storage;

namespace TdbPlus.Shards.Engine;

/// <summary>
/// The engine: N shards, key routing (hash of the key or of its {tag}), and the scheduler that parks a set of
/// shards in one global order for commands that must be atomic across them.
/// </summary>
public sealed class ShardSet : IDisposable
{
    private readonly object _scheduleLock = new();
    private long _nextTxId;

    public ShardSet(ServerConfig config)
    {
        Config = config;
        int count = Math.Clamp(config.Shards, 1, 64);
        Shards = new Shard[count];
        for (int i = 0; i < count; i++) Shards[i] = new Shard(this, i, config.Databases);
        Eviction = new Eviction(this);
        ApplyAccessPolicy();
        config["maxmemory-policy"].Changed += _ => ApplyAccessPolicy();
        config["lfu-log-factor"].Changed += _ => ApplyAccessPolicy();
        config["lfu-decay-time"].Changed += _ => ApplyAccessPolicy();
        config["hz"].Changed += _ => Hz = config.Hz;
        config["active-expire-effort"].Changed += d => ActiveExpireEffort = (int)d.NumericValue;
        Hz = config.Hz;
        ActiveExpireEffort = (int)config["active-expire-effort"].NumericValue;
    }

    public ServerConfig Config { get; }

    public Shard[] Shards { get; }

    public int Count => Shards.Length;

    public ServerClock Clock { get; } = new();

    public Eviction Eviction { get; }

    public int Hz { get; private set; }

    public int ActiveExpireEffort { get; private set; }

    /// <summary>Multi-shard transactions scheduled so far.</summary>
    public long TransactionsScheduled => Interlocked.Read(ref _nextTxId);

    /// <summary>Where shard faults are reported (the server wires its log here).</summary>
    public Action<string>? Log { get; set; }

    public bool LfuPolicy => Config.MaxMemoryPolicy.Contains("lfu", StringComparison.Ordinal);

    public void Start()
    {
        foreach (var s in Shards) s.Start();
    }

    public int ShardIndexFor(ReadOnlySpan<byte> key) => KeyHash.ShardOf(key, Shards.Length);

    public Shard ShardFor(ReadOnlySpan<byte> key) => Shards[KeyHash.ShardOf(key, Shards.Length)];

    public Database Db(ReadOnlySpan<byte> key, int dbIndex) => ShardFor(key).Databases[dbIndex];

    /// <summary>Bit mask with every shard set.</summary>
    public ulong AllShardsMask => Shards.Length == 64 ? ulong.MaxValue : (1UL << Shards.Length) - 1;

    /// <summary>
    /// Parks the shards in <paramref name="mask"/> in global transaction order; when the task completes the
    /// caller has their data to itself until it calls <see cref="ExclusiveHold.Release"/>.
    /// </summary>
    public async ValueTask<ExclusiveHold> AcquireAsync(ulong mask)
    {
        int participants = System.Numerics.BitOperations.PopCount(mask);
        ExclusiveHold hold;
        lock (_scheduleLock)
        {
            hold = new ExclusiveHold(++_nextTxId, participants);
            for (ulong m = mask; m != 0; m &= m - 1)
                Shards[System.Numerics.BitOperations.TrailingZeroCount(m)].Post(hold);
        }
        await hold.WaitAllArrivedAsync().ConfigureAwait(false);
        return hold;
    }

    /// <summary>Data bytes over all shards.</summary>
    public long UsedBytes
    {
        get
        {
            long total = 0;
            foreach (var s in Shards) total += s.UsedBytes;
            return total;
        }
    }

    internal void ReportFault(Shard shard, Exception ex) => Log?.Invoke($"shard {shard.Id}: {ex}");

    private void ApplyAccessPolicy()
    {
        foreach (var s in Shards)
        {
            s.Store.Access.Lfu = LfuPolicy;
            s.Store.Access.LfuLogFactor = Config.LfuLogFactor;
            s.Store.Access.LfuDecayTime = Config.LfuDecayTime;
        }
    }

    public void Dispose()
    {
        foreach (var s in Shards) s.Dispose();
    }
}
