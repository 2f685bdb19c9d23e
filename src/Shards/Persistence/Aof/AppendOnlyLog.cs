using System.Diagnostics;
using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Config;
using TdbPlus.Shards.Engine;
using TdbPlus.Shards.Execution;

namespace TdbPlus.Shards.Persistence.Aof;

/// <summary>
/// The append-only log: one incremental file per shard under dir/appenddirname, named by a Redis 7 style
/// manifest. Loads (replays) the files at startup, logs every write while appendonly is on, fsyncs as
/// appendfsync says, and holds back replies under appendfsync always until their records are durable.
/// </summary>
public sealed partial class AppendOnlyLog : ICommandLog, IAofStatus, IDisposable
{
    private readonly ShardSet _engine;
    private readonly ExecutionHooks _hooks;
    private readonly Action<string> _notice;
    private readonly Action<string> _warning;
    private readonly AofSyncThread _sync;
    private ShardAppendLog?[]? _logs;
    private AofManifest? _manifest;
    private volatile bool _enabled;
    private bool _loadedFromLog;
    private volatile bool _lastWriteOk = true;
    private long _lastWriteWarningMs;

    public AppendOnlyLog(ShardSet engine, ExecutionHooks hooks, Action<string> notice, Action<string> warning)
    {
        _engine = engine;
        _hooks = hooks;
        _notice = notice;
        _warning = warning;
        var config = engine.Config;
        FsyncMode = ParseFsync(config["appendfsync"].Value);
        config["appendfsync"].Changed += d => FsyncMode = ParseFsync(d.Value);
        config["appendonly"].Veto = VetoAppendOnly;
        config["appendonly"].Changed += d => Switch(d.NumericValue == 1);
        _sync = new AofSyncThread(this);
    }

    private ServerConfig Config => _engine.Config;

    public AppendFsync FsyncMode { get; private set; }

    /// <summary>The shards' logs while logging (index = shard), else null.</summary>
    public ShardAppendLog?[]? Logs => Volatile.Read(ref _logs);

    /// <summary>dir/appenddirname.</summary>
    public string DirectoryPath => Path.Combine(Config["dir"].Value, Config["appenddirname"].Value);

    private string ManifestName => Config["appendfilename"].Value + ".manifest";

    /// <summary>True when a manifest exists: startup loads the log (and not dump.rdb).</summary>
    public bool ManifestExists => File.Exists(Path.Combine(DirectoryPath, ManifestName));

    /// <summary>Loads a base snapshot (RDB) named by the manifest; set by the host once RDB loading exists.</summary>
    public Action<string>? LoadBase { get; set; }

    private static AppendFsync ParseFsync(string v) => v switch
    {
        "always" => AppendFsync.Always,
        "no" => AppendFsync.No,
        _ => AppendFsync.EverySec,
    };

    /// <summary>
    /// After loading (the engine still to itself): starts logging when appendonly is yes, in the manifest's files,
    /// or in a new generation. When there is data the log does not hold yet (dump.rdb was loaded), logging starts
    /// with a rewrite whose base holds that data: the returned task ends when the base is durable (false: failed).
    /// </summary>
    public Task<bool>? Start()
    {
        if (Config["appendonly"].NumericValue != 1) return null;
        if (_manifest is { } m && _loadedFromLog)
        {
            if (m.Shards != _engine.Count)
                throw new AofLoadException(
                    $"The append only log in {DirectoryPath} has {m.Shards} shard files but the server runs {_engine.Count} shards: " +
                    $"start it with --shards {m.Shards}");
            Install(OpenLogs(m));
            return null;
        }
        if (DatasetEmpty(_engine) || Snapshots is null)
        {
            var old = _manifest;
            Install(OpenLogs(NewGeneration()));
            if (old is not null) DeleteFiles(old);
            return null;
        }
        return RewriteToStart();
    }

    // ---- switching on and off ----

    private static bool DatasetEmpty(ShardSet engine)
    {
        foreach (var s in engine.Shards)
            foreach (var db in s.Databases)
                if (db.Count > 0) return false;
        return true;
    }

    /// <summary>CONFIG SET appendonly yes needs the data in the log first: without snapshots (no rewrite), only an empty dataset can start one.</summary>
    private string? VetoAppendOnly(long value)
    {
        if (value != 1 || _enabled || Snapshots is not null || DatasetEmpty(_engine)) return null;
        _warning("AOF can't be turned on while the dataset is not empty: the log would miss the keys already there (no BGREWRITEAOF to write them first)");
        return "Unable to turn on AOF. Check server logs.";
    }

    private void Switch(bool on)
    {
        if (on == _enabled) return;
        if (on && Snapshots is not null)
        {
            // As Redis's startAppendOnly: a rewrite writes what is there, logging starts at its instant.
            _ = RewriteToStart();
            return;
        }
        if (!on)
        {
            _enabled = false;
            _hooks.CommandLog = null;
        }
        // Every shard parked: no command is between its log read and its append.
        _engine.Schedule(_engine.AllShardsMask, null, hold =>
        {
            try
            {
                if (on) TurnOnEmpty();
                else TurnOff();
            }
            catch (Exception ex)
            {
                _warning($"Switching the append only file {(on ? "on" : "off")} failed: {ex.Message}");
            }
            finally
            {
                hold.Release();
            }
        });
    }

    private void TurnOnEmpty()
    {
        if (_enabled || Config["appendonly"].NumericValue != 1) return;
        if (!DatasetEmpty(_engine))
        {
            _warning("AOF not started: keys were written before it could start");
            Config["appendonly"].TrySet("no", out _);
            return;
        }
        var old = _manifest;
        Install(OpenLogs(NewGeneration()));
        if (old is not null) DeleteFiles(old);
        _notice($"Append only file enabled: {_manifest!.Shards} new shard logs, generation {_manifest.IncrSeq}");
    }

    private void TurnOff()
    {
        if (Config["appendonly"].NumericValue == 1) return;
        var logs = Logs;
        if (logs is null) return;
        foreach (var s in _engine.Shards) s.Log = null;
        foreach (var log in logs) log?.Flush();
        _sync.SyncAll();
        Volatile.Write(ref _logs, null);
        _sync.Release(all: true);
        foreach (var log in logs)
        {
            if (log is null) continue;
            Retire(log);
            log.Dispose();
        }
        _notice("Append only file closed");
    }

    /// <summary>A new generation of empty incremental files, and its manifest written atomically.</summary>
    private AofManifest NewGeneration()
    {
        var m = AofManifest.Create(Config["appendfilename"].Value, (_manifest?.IncrSeq ?? 0) + 1, _engine.Count);
        CreateFiles(m);
        m.WriteAtomically(DirectoryPath, ManifestName);
        _manifest = m;
        return m;
    }

    /// <summary>Creates the (empty) newest incremental files of <paramref name="m"/>.</summary>
    private void CreateFiles(AofManifest m)
    {
        string dir = DirectoryPath;
        Directory.CreateDirectory(dir);
        foreach (var f in m.CurrentIncr)
        {
            using var fs = new FileStream(Path.Combine(dir, f), FileMode.Create, FileAccess.Write);
            fs.Flush(flushToDisk: true);
        }
    }

    /// <summary>Deletes the files of <paramref name="old"/> the current manifest no longer names.</summary>
    private void DeleteFiles(AofManifest old)
    {
        var keep = new HashSet<string>(_manifest?.Files ?? []);
        foreach (var f in old.Files)
        {
            if (keep.Contains(f)) continue;
            try
            {
                File.Delete(Path.Combine(DirectoryPath, f));
            }
            catch (IOException ex)
            {
                _warning($"Could not delete the old AOF file {f}: {ex.Message}");
            }
        }
    }

    private ShardAppendLog[] OpenLogs(AofManifest m)
    {
        var files = m.CurrentIncr;
        var logs = new ShardAppendLog[files.Count];
        for (int i = 0; i < logs.Length; i++)
            logs[i] = new ShardAppendLog(this, i, Path.Combine(DirectoryPath, files[i]), _nextOrigin.GetValueOrDefault(i));
        return logs;
    }

    // Where each shard's next log file starts in the shard's positions: past everything logged before it.
    private readonly Dictionary<int, long> _nextOrigin = [];

    /// <summary>A log is done (replaced or closed): its shard's later files continue its positions.</summary>
    private void Retire(ShardAppendLog log) => _nextOrigin[log.Shard] = log.Position;

    private void Install(ShardAppendLog[] logs)
    {
        Volatile.Write(ref _logs, logs);
        for (int i = 0; i < logs.Length; i++) _engine.Shards[i].Log = logs[i];
        _enabled = true;
        _hooks.CommandLog = this;
    }

    // ---- ICommandLog ----

    public bool RepliesWaitForDisk => FsyncMode == AppendFsync.Always;

    public void Describe(CommandContext ctx, int replyStart, EffectLog into) => AofPropagation.Describe(ctx, replyStart, into);

    public long Append(int shard, int dbIndex, EffectLog records) =>
        Logs?[shard] is { } log ? log.Append(dbIndex, records.Written, records.Records) : 0;

    public void Commit(LogUnit unit, long txId, long[] positions)
    {
        if (Logs is not { } logs) return;
        ulong mask = unit.Shards & _engine.AllShardsMask;
        int participants = System.Numerics.BitOperations.PopCount(mask);
        bool atomicUnit = participants > 1 && txId != 0;
        for (ulong m = mask; m != 0; m &= m - 1)
        {
            int s = System.Numerics.BitOperations.TrailingZeroCount(m);
            if (logs[s] is not { } log) continue;
            bool group = !atomicUnit && unit.CommandCount > 1;
            if (atomicUnit)
            {
                log.ForgetDb();
                log.Marker("TDB.TXBEGIN"u8, txId, participants);
            }
            else if (group) log.Marker("MULTI"u8);
            for (int i = 0; i < unit.Count; i++) log.Append(unit.PartDb(i), unit.PartBytes(i), unit.PartRecords(i));
            if (atomicUnit) log.Marker("TDB.TXEND"u8, txId);
            else if (group) log.Marker("EXEC"u8);
            positions[s] = log.Position;
        }
    }

    public bool WaitUntilDurable(DurabilityWait wait) => _sync.Wait(wait);

    internal void WriteSucceeded(ShardAppendLog log)
    {
        if (!_lastWriteOk)
        {
            _lastWriteOk = true;
            _notice("AOF write error looks solved, Redis can write again.");
        }
        if (FsyncMode != AppendFsync.Always) return;
        // As Redis's beforeSleep under always: fsync right after the write, on the shard's own thread, so one
        // fsync covers every command of the iteration and the replies waiting on it go out with no hand-off.
        try
        {
            log.Sync();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            SyncFailed(log, ex);
            return;
        }
        _sync.Release(all: false);
    }

    internal void WriteFailed(ShardAppendLog log, Exception ex)
    {
        _lastWriteOk = false;
        long now = Environment.TickCount64;
        if (now - Interlocked.Read(ref _lastWriteWarningMs) < 30_000) return;
        Interlocked.Exchange(ref _lastWriteWarningMs, now);
        _warning($"Error writing to the AOF file {Path.GetFileName(log.Path)}: {ex.Message}");
    }

    internal void SyncFailed(ShardAppendLog log, Exception ex)
    {
        _lastWriteOk = false;
        _warning($"Can't fsync the AOF file {Path.GetFileName(log.Path)}: {ex.Message}");
    }

    // ---- IAofStatus ----

    public bool Enabled => _enabled;
    public bool LastWriteOk => _lastWriteOk;

    public long CurrentSize
    {
        get
        {
            long total = BaseSize;
            if (Logs is { } logs)
                foreach (var l in logs) total += l?.FileBytes ?? 0;
            return total;
        }
    }

    public long BaseSize => _manifest?.BaseFile is { } b && File.Exists(Path.Combine(DirectoryPath, b)) ? new FileInfo(Path.Combine(DirectoryPath, b)).Length : 0;

    public long BufferLength
    {
        get
        {
            long total = 0;
            if (Logs is { } logs)
                foreach (var l in logs) total += l?.Buffered ?? 0;
            return total;
        }
    }

    /// <summary>At shutdown, after the shards stopped: writes and fsyncs what is left, closes the files.</summary>
    public void Dispose()
    {
        var logs = Logs;
        if (logs is not null)
        {
            foreach (var log in logs) log?.Flush();
            _sync.SyncAll();
        }
        _sync.Dispose();
        if (logs is not null)
            foreach (var log in logs) log?.Dispose();
    }
}
