using System.Diagnostics;
using TdbPlus.Shards.Persistence.Snapshot;

namespace TdbPlus.Shards.Persistence.Aof;

/// <summary>What BGREWRITEAOF did with the request.</summary>
public enum RewriteStart { Started, Scheduled, AlreadyInProgress }

/// <summary>
/// BGREWRITEAOF: a point-in-time snapshot becomes the new base. At the snapshot's instant (every shard parked)
/// each shard switches to a new incremental file, and the manifest names the old files followed by the new
/// ones, so a crash meanwhile still replays everything; once the base is durable the manifest becomes base +
/// new files, written atomically, and the old files are deleted.
/// </summary>
public sealed partial class AppendOnlyLog
{
    private readonly object _rewriteLock = new();
    private long _rewriteStartTicks;
    private long _lastRewriteSeconds = -1;
    private bool _lastRewriteOk = true;
    private long _rewrites;
    private long _rewriteFailures;
    private volatile bool _rewriteScheduled;

    /// <summary>The snapshot writer the base files come from (set by the host); without it there is no rewrite.</summary>
    public SnapshotService? Snapshots { get; set; }

    /// <summary>Starts a rewrite, or schedules it after the snapshot in progress.</summary>
    public RewriteStart StartRewrite() => StartRewrite(enableLogging: false, out _);

    // CONFIG SET appendonly yes, or appendonly yes at startup over data the log does not hold.
    private Task<bool> RewriteToStart()
    {
        var result = StartRewrite(enableLogging: true, out var task);
        return result == RewriteStart.Started ? task! : Task.FromResult(true);
    }

    private bool _enableAtRewrite;

    private RewriteStart StartRewrite(bool enableLogging, out Task<bool>? task)
    {
        task = null;
        var snapshots = Snapshots ?? throw new InvalidOperationException("no snapshot service");
        lock (_rewriteLock)
        {
            if (enableLogging) _enableAtRewrite = true;
            if (_rewriteStartTicks != 0)
            {
                if (!enableLogging) return RewriteStart.AlreadyInProgress;
                ScheduleRewrite();
                return RewriteStart.Scheduled;
            }
            if (snapshots.InProgress)
            {
                ScheduleRewrite();
                return RewriteStart.Scheduled;
            }
            string appendFileName = Config["appendfilename"].Value;
            long seq = (_manifest?.IncrSeq ?? 0) + 1;
            string baseName = AofManifest.BaseName(appendFileName, seq);
            var next = AofManifest.Create(appendFileName, seq, _engine.Count, baseName, seq);
            Directory.CreateDirectory(DirectoryPath);
            _rewriteStartTicks = Stopwatch.GetTimestamp();
            try
            {
                task = snapshots.StartAsync(Path.Combine(DirectoryPath, baseName), () => SwitchAtSnapshot(next), aofBase: true)
                    .ContinueWith(t => FinishRewrite(next, t.IsCompletedSuccessfully && t.Result), TaskScheduler.Default);
            }
            catch (InvalidOperationException)
            {
                // A BGSAVE got there first.
                _rewriteStartTicks = 0;
                ScheduleRewrite();
                return RewriteStart.Scheduled;
            }
            _notice("Background append only file rewriting started");
            return RewriteStart.Started;
        }
    }

    // Under _rewriteLock: runs the rewrite once no snapshot or rewrite is in progress (aof_rewrite_scheduled).
    private void ScheduleRewrite()
    {
        if (_rewriteScheduled) return;
        _rewriteScheduled = true;
        Task.Run(async () =>
        {
            while (Snapshots!.InProgress || Interlocked.Read(ref _rewriteStartTicks) != 0) await Task.Delay(10).ConfigureAwait(false);
            _rewriteScheduled = false;
            bool enable;
            lock (_rewriteLock) enable = _enableAtRewrite;
            StartRewrite(enable, out _);
        });
    }

    /// <summary>At the snapshot's instant, every shard parked: the shards' logs move to the new generation.</summary>
    private void SwitchAtSnapshot(AofManifest next)
    {
        bool enable;
        lock (_rewriteLock)
        {
            enable = _enableAtRewrite && Config["appendonly"].NumericValue == 1;
            _enableAtRewrite = false;
        }
        CreateFiles(next);
        var oldLogs = Logs;
        if (_enabled && oldLogs is not null && _manifest is { } current)
        {
            // What was logged so far stays reachable until the base is durable: old files, then the new ones.
            foreach (var log in oldLogs) log?.Flush();
            _sync.SyncAll();
            var chained = current.ContinuedBy(AofManifest.Create(Config["appendfilename"].Value, next.IncrSeq, _engine.Count));
            chained.WriteAtomically(DirectoryPath, ManifestName);
            _manifest = chained;
            foreach (var log in oldLogs)
                if (log is not null) Retire(log);
            Install(OpenLogs(next));
            foreach (var log in oldLogs) log?.Dispose();
        }
        else if (enable)
        {
            // Logging starts here; until the base is durable no manifest names these files (as Redis's
            // wait-rewrite state): a crash meanwhile restarts from what was there before.
            Install(OpenLogs(next));
            _notice("AOF enabled: logging to the new generation, its base is being written");
        }
    }

    private bool FinishRewrite(AofManifest next, bool ok)
    {
        long seconds = (long)Stopwatch.GetElapsedTime(Interlocked.Read(ref _rewriteStartTicks)).TotalSeconds;
        try
        {
            if (ok)
            {
                var old = _manifest;
                next.WriteAtomically(DirectoryPath, ManifestName);
                _manifest = next;
                if (old is not null) DeleteFiles(old);
                DeleteStrayFiles();
                _rewrites++;
                _rewriteFailures = 0;
                _notice("Background AOF rewrite finished successfully");
            }
            else
            {
                _rewriteFailures++;
                _warning("Background AOF rewrite failed: the previous files stay in use");
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            ok = false;
            _rewriteFailures++;
            _warning($"Background AOF rewrite failed writing the manifest: {ex.Message}");
        }
        _lastRewriteOk = ok;
        _lastRewriteSeconds = seconds;
        Interlocked.Exchange(ref _rewriteStartTicks, 0);
        return ok;
    }

    /// <summary>Files of generations no manifest names any more (a rewrite that failed before, or was cut short).</summary>
    private void DeleteStrayFiles()
    {
        if (_manifest is not { } m) return;
        var keep = new HashSet<string>(m.Files);
        string prefix = Config["appendfilename"].Value + ".";
        foreach (var path in Directory.EnumerateFiles(DirectoryPath, prefix + "*"))
        {
            string name = Path.GetFileName(path);
            if (keep.Contains(name) || name == ManifestName || !(name.EndsWith(".incr.aof", StringComparison.Ordinal) || name.EndsWith(".base.rdb", StringComparison.Ordinal))) continue;
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
            }
        }
    }

    // ---- IAofStatus ----

    public bool RewriteInProgress => Interlocked.Read(ref _rewriteStartTicks) != 0;
    public bool RewriteScheduled => _rewriteScheduled;
    public long LastRewriteTimeSec => _lastRewriteSeconds;

    public long CurrentRewriteTimeSec
    {
        get
        {
            long start = Interlocked.Read(ref _rewriteStartTicks);
            return start == 0 ? -1 : (long)Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
    }

    public bool LastBgRewriteOk => _lastRewriteOk;
    public long Rewrites => _rewrites;
    public long RewritesConsecutiveFailures => _rewriteFailures;
}
