using TdbPlus.Shards.Execution;

namespace TdbPlus.Shards.Persistence.Aof;

/// <summary>
/// The thread that fsyncs the shards' logs once a second (everysec; under always each shard fsyncs its own
/// log right after writing it) and the list of connections waiting for their records to be durable.
/// </summary>
internal sealed class AofSyncThread : IDisposable
{
    private readonly AppendOnlyLog _owner;
    private readonly AutoResetEvent _signal = new(false);
    private readonly Thread _thread;
    private readonly object _waitLock = new();
    private readonly List<DurabilityWait> _waits = [];
    private readonly List<DurabilityWait> _ready = [];
    private readonly object _releaseLock = new();
    private volatile bool _stopping;
    private long _lastSyncMs = Environment.TickCount64;

    public AofSyncThread(AppendOnlyLog owner)
    {
        _owner = owner;
        _thread = new Thread(Run) { IsBackground = true, Name = "tdb-aof-fsync" };
        _thread.Start();
    }

    public bool Wait(DurabilityWait wait)
    {
        lock (_waitLock)
        {
            if (Durable(wait)) return false;
            _waits.Add(wait);
        }
        // Under always the shards sync their own logs after writing them; otherwise sync now for this waiter.
        if (_owner.FsyncMode != AppendFsync.Always) _signal.Set();
        return true;
    }

    private bool Durable(DurabilityWait wait)
    {
        var logs = _owner.Logs;
        var positions = wait.Positions;
        for (int s = 0; s < positions.Length; s++)
        {
            if (positions[s] == 0) continue;
            // A log switched off meanwhile no longer holds anyone back.
            if (logs is null || s >= logs.Length || logs[s] is not { } log) continue;
            if (log.Synced < positions[s]) return false;
        }
        return true;
    }

    private void Run()
    {
        while (!_stopping)
        {
            var mode = _owner.FsyncMode;
            int timeout = mode == AppendFsync.Always ? 1000 : (int)Math.Clamp(1000 - (Environment.TickCount64 - _lastSyncMs), 1, 1000);
            _signal.WaitOne(timeout);
            if (_stopping) break;
            mode = _owner.FsyncMode;
            // Under always this is only the safety net (a shard that wrote and then failed to sync).
            bool due = mode != AppendFsync.No && Environment.TickCount64 - _lastSyncMs >= 1000;
            if (due) SyncAll();
            Release(all: false);
        }
    }

    /// <summary>fsyncs every log that has unsynced bytes (on this thread, or at shutdown).</summary>
    public void SyncAll()
    {
        _lastSyncMs = Environment.TickCount64;
        if (_owner.Logs is not { } logs) return;
        foreach (var log in logs)
        {
            try
            {
                log?.Sync();
            }
            catch (ObjectDisposedException)
            {
                // Replaced by a rewrite or closed meanwhile: it was synced before it was let go.
            }
            catch (IOException ex)
            {
                _owner.SyncFailed(log!, ex);
            }
        }
    }

    /// <summary>Resumes the durable waiters (every one when <paramref name="all"/>: logging stopped).</summary>
    public void Release(bool all)
    {
        lock (_releaseLock)
        {
            lock (_waitLock)
            {
                for (int i = _waits.Count - 1; i >= 0; i--)
                {
                    if (!all && !Durable(_waits[i])) continue;
                    _ready.Add(_waits[i]);
                    _waits.RemoveAt(i);
                }
            }
            foreach (var w in _ready) w.Resume();
            _ready.Clear();
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _signal.Set();
        _thread.Join(5000);
        Release(all: true);
        _signal.Dispose();
    }
}
