using System.Diagnostics;
using TdbPlus.Shards.Codecs;
using TdbPlus.Shards.Config;
using TdbPlus.Shards.Engine;
using TdbPlus.Shards.Persistence.Rdb;
using TdbPlus.Shards.Scripting;

namespace TdbPlus.Shards.Persistence.Snapshot;

/// <summary>
/// Point-in-time RDB snapshots without fork: BGSAVE (shards keep serving while they write), SAVE (shards parked),
/// the `save` rules, and the state INFO persistence and LASTSAVE report.
/// </summary>
public sealed class SnapshotService : IFlushAllObserver, IDisposable
{
    private const int RetryDelaySeconds = 5;

    private readonly ShardSet _engine;
    private readonly ServerConfig _config;
    private readonly Action<string> _notice;
    private readonly Action<string> _warning;
    private readonly object _lock = new();
    private readonly Timer _cron;
    private Run? _current;
    private long _dirtyAtLastSave;

    public SnapshotService(ShardSet engine, ServerConfig config, Action<string> notice, Action<string> warning)
    {
        _engine = engine;
        _config = config;
        _notice = notice;
        _warning = warning;
        _cron = new Timer(_ => CheckSaveRules(), null, 100, 100);
        config["save"].Changed += _ => UpdateDiskError();
        config["stop-writes-on-bgsave-error"].Changed += _ => UpdateDiskError();
    }

    private const string BgsaveFailing =
        "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";

    // Redis refuses writes while the last BGSAVE failed, when save rules are set and stop-writes-on-bgsave-error is on.
    private void UpdateDiskError()
    {
        bool deny = !LastBgsaveOk && _config["stop-writes-on-bgsave-error"].Value == "yes" && _config["save"].Value.Length > 0;
        if (deny) _engine.DiskError ??= BgsaveFailing;
        else if (ReferenceEquals(_engine.DiskError, BgsaveFailing)) _engine.DiskError = null;
    }

    /// <summary>Text the snapshot header's aux fields carry, set by the host.</summary>
    public string ServerVersion { get; set; } = "7.0.15";

    /// <summary>Bytes of data in use, for the header's used-mem field.</summary>
    public Func<long>? UsedMemory { get; set; }

    public long LastSaveUnix { get; set; } = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public bool LastBgsaveOk { get; private set; } = true;

    public long LastBgsaveSeconds { get; private set; } = -1;

    /// <summary>Snapshots started (INFO rdb_saves).</summary>
    public long Saves { get; private set; }

    /// <summary>Most bytes a finished snapshot held in buffers at once (INFO rdb_last_cow_size).</summary>
    public long LastPeakBytes { get; private set; }

    public bool BgsaveScheduled { get; set; }

    private long _lastTryUnix;

    public bool InProgress => Volatile.Read(ref _current) is not null;

    /// <summary>Start of the snapshot in progress (Stopwatch ticks), or 0.</summary>
    public long CurrentStartTicks => Volatile.Read(ref _current)?.StartTicks ?? 0;

    /// <summary>Keys written and keys to write by the snapshot in progress.</summary>
    public (long Processed, long Total) CurrentKeys
    {
        get
        {
            var run = Volatile.Read(ref _current);
            if (run is null) return (0, 0);
            long done = 0, total = 0;
            foreach (var s in run.Shards)
            {
                if (s is null) continue;
                done += Volatile.Read(ref s.KeysSaved);
                total += s.KeysAtStart;
            }
            return (done, total);
        }
    }

    /// <summary>Changes counted by every shard since start (server.dirty).</summary>
    public long Dirty
    {
        get
        {
            long total = 0;
            foreach (var s in _engine.Shards) total += s.Store.Dirty;
            return total;
        }
    }

    public long ChangesSinceLastSave => Math.Max(0, Dirty - Volatile.Read(ref _dirtyAtLastSave));

    /// <summary>Where `dir` and `dbfilename` put the dump.</summary>
    public string DumpPath => Path.Combine(_config["dir"].Value, _config["dbfilename"].Value);

    /// <summary>
    /// Starts a background snapshot to <paramref name="path"/>. <paramref name="atSnapshotInstant"/> runs with
    /// every shard parked at the instant the image is taken. The task completes when the file is durable and in
    /// place (false when the save failed; the reason is logged). Throws when a snapshot is already running.
    /// </summary>
    public Task<bool> StartAsync(string path, Action? atSnapshotInstant = null, bool aofBase = false)
    {
        var run = Claim(path, aofBase, background: true);
        _notice($"Background saving started");
        if (run is null) return Task.FromResult(false);
        _engine.Schedule(_engine.AllShardsMask, null, hold =>
        {
            try
            {
                Begin(run);
                for (int i = 0; i < run.Shards.Length; i++) _engine.Shards[i].Background = run.Shards[i];
                atSnapshotInstant?.Invoke();
            }
            catch (Exception ex)
            {
                run.Fail(ex);
            }
            finally
            {
                hold.Release();
            }
        });
        return run.File.Completion.ContinueWith(t => Finish(run, t, background: true), TaskScheduler.Default);
    }

    /// <summary>SAVE: writes the snapshot with every shard parked by the caller; false when it failed.</summary>
    public bool SaveWhileParked(string path)
    {
        var run = Claim(path, aofBase: false, background: false);
        if (run is null) return false;
        try
        {
            Begin(run);
            Parallel.ForEach(run.Shards, s => s!.RunToCompletion());
        }
        catch (Exception ex)
        {
            run.Fail(ex);
        }
        try
        {
            run.File.Completion.Wait();
        }
        catch (AggregateException)
        {
        }
        return Finish(run, run.File.Completion, background: false);
    }

    // Null when the file cannot even be created: the save has failed (reported like any other failure).
    private Run? Claim(string path, bool aofBase, bool background)
    {
        lock (_lock)
        {
            if (_current is not null) throw new InvalidOperationException("Background save already in progress");
            Saves++;
            _lastTryUnix = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            SnapshotFile file;
            try
            {
                file = new SnapshotFile(path, _engine.Count);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _warning($"Failed opening the temp RDB file for saving: {ex.Message}");
                if (background)
                {
                    LastBgsaveOk = false;
                    LastBgsaveSeconds = 0;
                }
                UpdateDiskError();
                return null;
            }
            var run = new Run(file, _engine.Count) { AofBase = aofBase };
            _current = run;
            return run;
        }
    }

    // Runs with every shard parked: this is the snapshot's point in time.
    private void Begin(Run run)
    {
        run.DirtyAtStart = Dirty;
        var options = new RdbSaveOptions
        {
            Compress = _config["rdbcompression"].Value == "yes",
            Lru = _config.MaxMemoryPolicy.Contains("lru", StringComparison.Ordinal),
            Lfu = _config.MaxMemoryPolicy.Contains("lfu", StringComparison.Ordinal),
            NowMs = _engine.Clock.NowMs,
            ListFill = (int)_config["list-max-listpack-size"].NumericValue,
            ListCompressDepth = (int)_config["list-compress-depth"].NumericValue,
        };
        run.File.Start(Header(run.AofBase));
        for (int i = 0; i < _engine.Count; i++)
        {
            var shard = new ShardSnapshot(_engine, _engine.Shards[i], run.File, options, _config["rdb-key-save-delay"].NumericValue);
            shard.Begin();
            run.Shards[i] = shard;
        }
    }

    private byte[] Header(bool aofBase)
    {
        var o = new RdbOutput();
        RdbFormat.WriteHeader(o,
        [
            new("redis-ver", ServerVersion),
            new("redis-bits", "64"),
            new("ctime", DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("used-mem", (UsedMemory?.Invoke() ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("aof-base", aofBase ? "1" : "0"),
        ]);
        foreach (var lib in ScriptingEngine.For(_engine).Functions.Snapshot()) RdbFormat.WriteFunction(o, System.Text.Encoding.UTF8.GetString(lib.Code));
        return o.Written.ToArray();
    }

    /// <summary>
    /// FLUSHALL: a BGSAVE still writing would put the flushed data back on disk, so it is dropped (as Redis kills
    /// its child, without counting it as a failure). A snapshot that is an AOF rewrite's base is left alone.
    /// </summary>
    public void FlushingAll()
    {
        Run? run;
        lock (_lock)
        {
            run = _current;
            if (run is null || run.AofBase) return;
            run.Discarded = true;
            _current = null;
        }
        var reason = new OperationCanceledException("discarded by FLUSHALL");
        foreach (var shard in run.Shards) shard?.Discard(reason);
    }

    /// <summary>FLUSHALL with save rules set: the empty dataset is saved at once, so a restart does not bring it back.</summary>
    public void FlushedAll()
    {
        if (_config["save"].Value.Length == 0 || InProgress) return;
        SaveWhileParked(DumpPath);
    }

    private bool Finish(Run run, Task written, bool background)
    {
        if (run.Discarded)
        {
            _notice("Background saving terminated by FLUSHALL");
            return false;
        }
        bool ok = written.IsCompletedSuccessfully;
        long seconds = (long)Stopwatch.GetElapsedTime(run.StartTicks).TotalSeconds;
        lock (_lock)
        {
            if (ok)
            {
                LastSaveUnix = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
                Volatile.Write(ref _dirtyAtLastSave, run.DirtyAtStart);
                LastPeakBytes = run.File.PeakPendingBytes;
            }
            if (background)
            {
                LastBgsaveOk = ok;
                LastBgsaveSeconds = seconds;
            }
            _current = null;
        }
        UpdateDiskError();
        if (ok)
        {
            long keys = 0;
            foreach (var s in run.Shards) keys += s?.KeysSaved ?? 0;
            _notice(background ? $"Background saving terminated with success ({keys} keys, {run.File.Length} bytes)" : $"DB saved on disk ({keys} keys, {run.File.Length} bytes)");
        }
        else _warning($"{(background ? "Background saving" : "SAVE")} error: {written.Exception?.GetBaseException().Message}");
        return ok;
    }

    private void CheckSaveRules()
    {
        if (InProgress) return;
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        try
        {
            if (BgsaveScheduled)
            {
                BgsaveScheduled = false;
                _ = StartAsync(DumpPath);
                return;
            }
            long changes = ChangesSinceLastSave;
            if (changes == 0) return;
            foreach (var (seconds, needed) in SaveRules.Rules(_config["save"].Value))
            {
                if (changes >= needed && now - LastSaveUnix > seconds && (LastBgsaveOk || now - _lastTryUnix > RetryDelaySeconds))
                {
                    _notice($"{needed} changes in {seconds} seconds. Saving...");
                    _ = StartAsync(DumpPath);
                    return;
                }
            }
        }
        catch (InvalidOperationException)
        {
            // A snapshot started in between: the rule is served by it.
        }
    }

    public void Dispose() => _cron.Dispose();

    private sealed class Run(SnapshotFile file, int shards)
    {
        public SnapshotFile File { get; } = file;
        public ShardSnapshot?[] Shards { get; } = new ShardSnapshot?[shards];
        public long StartTicks { get; } = Stopwatch.GetTimestamp();
        public long DirtyAtStart { get; set; }
        public bool AofBase { get; init; }

        public bool Discarded { get; set; }

        public void Fail(Exception ex)
        {
            for (int i = 0; i < Shards.Length; i++)
            {
                if (Shards[i] is null) File.ShardDone(null, ex);
            }
        }
    }
}
