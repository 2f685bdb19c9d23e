using System.Collections.Concurrent;
using TdbPlus.Shards.Keyspace;

namespace TdbPlus.Shards.Engine;

/// <summary>
/// One shard: a thread that alone owns a slice of every database, fed by a multi-producer queue of work.
/// Between messages it runs the housekeeping Redis runs in serverCron (active expiry, eviction).
/// </summary>
public sealed class Shard : IDisposable
{
    private readonly ConcurrentQueue<IShardWork> _inbox = new();
    private readonly ConcurrentQueue<IShardWork> _connections = new();
    private readonly AutoResetEvent _wake = new(false);
    private readonly Thread _thread;
    private readonly ShardSet _owner;
    private int _sleeping;
    private volatile bool _stopping;
    private long _nextCronMs;
    private ulong _rng;

    internal Shard(ShardSet owner, int id, int databases)
    {
        _owner = owner;
        Id = id;
        Databases = new Database[databases];
        for (int i = 0; i < databases; i++) Databases[i] = new Database(Store, i);
        _rng = 0x2545F4914F6CDD1DUL ^ (ulong)(id + 1) * 0x9E3779B97F4A7C15UL;
        _thread = new Thread(Run) { IsBackground = true, Name = $"tdb-shard-{id}" };
    }

    public int Id { get; }

    public ShardStore Store { get; } = new();

    public Database[] Databases { get; private set; }

    public Database Db(int index) => Databases[index];

    /// <summary>Keys evicted by maxmemory on this shard.</summary>
    public long EvictedKeys { get; internal set; }

    /// <summary>Bytes of data this shard holds: records, indexes and rich objects.</summary>
    public long UsedBytes
    {
        get
        {
            long total = Store.Arena.UsedBytes + Store.ObjectBytes;
            foreach (var db in Databases) total += db.IndexBytes;
            return total;
        }
    }

    /// <summary>True when the current thread is this shard's own thread.</summary>
    public bool IsCurrentThread => Thread.CurrentThread == _thread;

    internal ref ulong Rng => ref _rng;

    /// <summary>
    /// Connections on this shard waiting for another shard's reply. While there are some, an idle shard spins
    /// briefly before sleeping: the reply usually comes within microseconds, and catching it awake saves the
    /// wake-up system calls on both sides.
    /// </summary>
    public int RepliesPending { get; set; }

    private const long ReplySpinTicks = 50 * TimeSpan.TicksPerMillisecond / 1000;

    /// <summary>This shard's append-only log while appendonly is on, else null.</summary>
    public IShardLog? Log { get; set; }

    /// <summary>Work done in slices between messages (a snapshot in progress), or null; set on this thread or while parked.</summary>
    public IShardBackgroundTask? Background { get; set; }

    /// <summary>The transport whose I/O this shard's thread runs, if any; set before <see cref="ShardSet.Start"/>.</summary>
    public IShardPoller? Poller { get; set; }

    internal void Start() => _thread.Start();

    /// <summary>
    /// Parked by a hold while a script is busy or the dataset loads: handle this thread's socket I/O (commands get
    /// BUSY or LOADING; INFO and the like run).
    /// </summary>
    internal void ServeWhileParked()
    {
        if ((_owner.BusyReply is not null || _owner.Loading) && IsCurrentThread)
        {
            RunConnectionStarts();
            Poller?.Poll(0);
        }
    }

    /// <summary>
    /// Queues the start of a new connection on this shard. Kept apart from other work so that a shard parked by a
    /// long hold (a busy script, the dataset loading) still takes new clients, who then get BUSY or LOADING.
    /// </summary>
    public void PostConnection(IShardWork start)
    {
        _connections.Enqueue(start);
        Post(NoWork.Instance);
    }

    private void RunConnectionStarts()
    {
        while (_connections.TryDequeue(out var start))
        {
            try
            {
                start.Execute(this);
            }
            catch (Exception ex)
            {
                _owner.ReportFault(this, ex);
            }
        }
    }

    /// <summary>A message that only wakes the shard (its connection queue has something).</summary>
    private sealed class NoWork : IShardWork
    {
        public static readonly NoWork Instance = new();

        public void Execute(Shard shard) => shard.RunConnectionStarts();
    }

    public void Post(IShardWork work)
    {
        _inbox.Enqueue(work);
        // Pairs with the fence in Run: either the shard sees the item before sleeping, or we see it asleep.
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _sleeping) == 1)
        {
            if (Poller is { } poller) poller.Wake();
            else _wake.Set();
        }
    }

    /// <summary>Runs the work queued so far on the calling thread, which must be this shard's (tests drive a shard from inside a work item).</summary>
    internal void RunQueuedWork()
    {
        while (_inbox.TryDequeue(out var work)) work.Execute(this);
    }

    private void Run()
    {
        StripedCounters.BindCurrentThread(Id);
        var spin = new SpinWait();
        while (!_stopping)
        {
            // Group commit: what the last iteration's commands logged goes out in one write.
            Log?.Flush();
            bool didWork = false;
            while (_inbox.TryDequeue(out var work))
            {
                didWork = true;
                try
                {
                    work.Execute(this);
                }
                catch (Exception ex)
                {
                    _owner.ReportFault(this, ex);
                }
            }
            if (Background is { } background)
            {
                try
                {
                    didWork |= background.Step(this);
                }
                catch (Exception ex)
                {
                    Background = null;
                    _owner.ReportFault(this, ex);
                }
            }
            long now = Environment.TickCount64;
            if (now >= _nextCronMs)
            {
                _nextCronMs = now + 1000 / Math.Max(1, _owner.Hz);
                try
                {
                    Cron();
                }
                catch (Exception ex)
                {
                    _owner.ReportFault(this, ex);
                }
            }
            if (Poller is { } poller)
            {
                if (didWork)
                {
                    poller.Poll(0);
                    continue;
                }
                if (RepliesPending > 0 && SpinForWork()) continue;
                Log?.Flush();
                Volatile.Write(ref _sleeping, 1);
                Interlocked.MemoryBarrier();
                poller.Poll(_inbox.IsEmpty && !_stopping ? (int)Math.Max(1, _nextCronMs - Environment.TickCount64) : 0);
                Volatile.Write(ref _sleeping, 0);
                continue;
            }
            if (didWork)
            {
                spin.Reset();
                continue;
            }
            if (!spin.NextSpinWillYield)
            {
                spin.SpinOnce();
                continue;
            }
            Log?.Flush();
            Volatile.Write(ref _sleeping, 1);
            Interlocked.MemoryBarrier();
            if (_inbox.IsEmpty && !_stopping)
            {
                int wait = (int)Math.Max(1, _nextCronMs - Environment.TickCount64);
                _wake.WaitOne(wait);
            }
            Volatile.Write(ref _sleeping, 0);
            spin.Reset();
        }
    }

    private bool SpinForWork()
    {
        long until = System.Diagnostics.Stopwatch.GetTimestamp() + ReplySpinTicks * System.Diagnostics.Stopwatch.Frequency / TimeSpan.TicksPerSecond;
        while (_inbox.IsEmpty)
        {
            if (System.Diagnostics.Stopwatch.GetTimestamp() > until) return false;
            Thread.SpinWait(20);
        }
        return true;
    }

    private void Cron()
    {
        long nowMs = _owner.Clock.NowMs;
        int budget = 200 * _owner.ActiveExpireEffort;
        foreach (var db in Databases)
            if (db.VolatileCount > 0) db.ExpireCycle(nowMs, budget, ref _rng);
        _owner.Eviction.EvictIfNeeded(this, nowMs);
        if (Store.Blocking.HasWaiters) Store.Blocking.Prune();
        if (Store.Watches.Any) Store.Watches.Prune();
    }

    /// <summary>Replaces the database array (SWAPDB is done by swapping contents instead; this is for FLUSHALL of all).</summary>
    internal void ClearAll()
    {
        foreach (var db in Databases) db.Clear();
    }

    internal void Stop()
    {
        _stopping = true;
        _wake.Set();
        if (_thread.IsAlive && !IsCurrentThread) _thread.Join(5000);
    }

    public void Dispose()
    {
        Stop();
        foreach (var db in Databases) db.Dispose();
        Store.Dispose();
        _wake.Dispose();
    }
}
