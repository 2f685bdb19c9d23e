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
    private readonly System.Collections.Concurrent.ConcurrentQueue<ExclusiveHold> _holdPool = new();
    private readonly Action<ExclusiveHold> _recycleHold;
    private long _nextTxId;

    public ShardSet(ServerConfig config)
    {
        _recycleHold = _holdPool.Enqueue;
        Config = config;
        int count = Math.Clamp(config.Shards, 1, 64);
        Shards = new Shard[count];
        for (int i = 0; i < count; i++) Shards[i] = new Shard(this, i, config.Databases);
        Eviction = new Eviction(this);
        foreach (var s in Shards) s.Store.Events = Events;
        ApplyNotifyFlags();
        config["notify-keyspace-events"].Changed += _ => ApplyNotifyFlags();
        ApplyAccessPolicy();
        config["maxmemory-policy"].Changed += _ => ApplyAccessPolicy();
        config["lfu-log-factor"].Changed += _ => ApplyAccessPolicy();
        config["lfu-decay-time"].Changed += _ => ApplyAccessPolicy();
        config["hz"].Changed += _ => Hz = config.Hz;
        config["active-expire-effort"].Changed += d => ActiveExpireEffort = (int)d.NumericValue;
        Hz = config.Hz;
        MaxMemory = config.MaxMemory;
        config["maxmemory"].Changed += d => MaxMemory = d.NumericValue;
        ActiveExpireEffort = (int)config["active-expire-effort"].NumericValue;
    }

    public ServerConfig Config { get; }

    public Shard[] Shards { get; }

    public int Count => Shards.Length;

    public ServerClock Clock { get; } = new();

    public Eviction Eviction { get; }

    /// <summary>Key events (keyspace notifications, client tracking): one instance shared by every shard.</summary>
    public KeyspaceEvents Events { get; } = new();

    public int Hz { get; private set; }

    private int _snapshotShardsActive;

    /// <summary>Shards with a snapshot still being written: write commands check it before anything else.</summary>
    public int SnapshotShardsActive => Volatile.Read(ref _snapshotShardsActive);

    public void SnapshotShardsChanged(int delta) => Interlocked.Add(ref _snapshotShardsActive, delta);

    /// <summary>Persistence's interest in FLUSHALL (snapshots), or null.</summary>
    public IFlushAllObserver? FlushAllObserver { get; set; }

    private volatile string? _diskError;

    /// <summary>
    /// Redis's MISCONF state: set while persistence is failing and configured to stop writes (the last BGSAVE
    /// failed under stop-writes-on-bgsave-error); write commands and PING get this error. Null otherwise.
    /// </summary>
    public string? DiskError
    {
        get => _diskError;
        set => _diskError = value;
    }

    private volatile bool _loading;

    /// <summary>True while a dataset is being loaded: commands without the loading flag get Redis's LOADING error.</summary>
    public bool Loading
    {
        get => _loading;
        set => _loading = value;
    }

    public int ActiveExpireEffort { get; private set; }

    private long _blockedClients;

    /// <summary>Clients blocked on keys right now (INFO blocked_clients).</summary>
    public long BlockedClients => Interlocked.Read(ref _blockedClients);

    public void BlockedClientsChanged(int delta) => Interlocked.Add(ref _blockedClients, delta);

    private volatile string? _busyReply;

    /// <summary>
    /// Set while a script runs past busy-reply-threshold (Redis's "script timed out" state): the BUSY error
    /// every command without the allow-busy flag gets instead of running. Null otherwise.
    /// </summary>
    public string? BusyReply
    {
        get => _busyReply;
        set => _busyReply = value;
    }

    /// <summary>Multi-shard transactions scheduled so far.</summary>
    public long TransactionsScheduled => Interlocked.Read(ref _nextTxId);

    /// <summary>Where shard faults are reported (the server wires its log here).</summary>
    public Action<string>? Log { get; set; }

    /// <summary>maxmemory, cached: read before every command.</summary>
    public long MaxMemory { get; private set; }

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
    /// Queues a multi-shard transaction on every shard in <paramref name="mask"/>, in global order.
    /// <paramref name="onAcquired"/> runs once all of them are parked (on the coordinator's thread when one
    /// is given, else on the last shard to arrive) and must end with <see cref="ExclusiveHold.Release"/>.
    /// </summary>
    public ExclusiveHold Schedule(ulong mask, Shard? coordinator, Action<ExclusiveHold> onAcquired)
    {
        int participants = System.Numerics.BitOperations.PopCount(mask);
        if (!_holdPool.TryDequeue(out var hold)) hold = new ExclusiveHold(_recycleHold);
        lock (_scheduleLock)
        {
            hold.Reset(++_nextTxId, participants, coordinator, onAcquired);
            for (ulong m = mask; m != 0; m &= m - 1)
                Shards[System.Numerics.BitOperations.TrailingZeroCount(m)].Post(hold);
            return hold;
        }
    }

    /// <summary>
    /// Makes later transaction ids greater than <paramref name="id"/> (ids read back from the append-only log
    /// of an earlier run must stay ordered before this run's).
    /// </summary>
    public void ContinueTransactionIdsAfter(long id)
    {
        lock (_scheduleLock)
        {
            if (_nextTxId < id) _nextTxId = id;
        }
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

    private void ApplyNotifyFlags() =>
        Events.NotifyFlags = KeyspaceEvents.TryParse(Config["notify-keyspace-events"].Value, out int flags) ? flags : 0;

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
