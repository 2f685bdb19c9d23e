using System.Diagnostics;
using System.Text;
using TdbPlus.Shards.Codecs;
using TdbPlus.Shards.Engine;
using TdbPlus.Shards.Persistence.Rdb;
using TdbPlus.Shards.Scripting;

namespace TdbPlus.Shards.Persistence.Snapshot;

/// <summary>
/// Loads an RDB file into the engine's databases. The shards must be parked (or not started): entries go
/// straight into each key's shard, as Redis's rdbLoad does, dropping keys whose TTL has already passed.
/// </summary>
public sealed class RdbFileLoader : IRdbLoadSink
{
    private readonly ShardSet _engine;
    private readonly Action<string> _notice;
    private readonly long _nowMs;

    private readonly LoadProgress _progress;
    private long _nextReportTicks;

    private RdbFileLoader(ShardSet engine, LoadProgress progress, Action<string> notice)
    {
        _progress = progress;
        _nextReportTicks = Stopwatch.GetTimestamp() + 2 * Stopwatch.Frequency;
        _engine = engine;
        _notice = notice;
        _nowMs = engine.Clock.NowMs;
        _keyDelayUs = engine.Config["key-load-delay"].NumericValue;
    }

    private readonly long _keyDelayUs;

    public long KeysLoaded { get; private set; }

    public long KeysExpired { get; private set; }

    /// <summary>
    /// Loads <paramref name="path"/>; throws <see cref="RdbFormatException"/> (or an I/O exception) when the file
    /// cannot be loaded whole. Progress is published through <paramref name="progress"/>.
    /// </summary>
    public static RdbFileLoader Load(string path, ShardSet engine, LoadProgress progress, Action<string> notice)
    {
        var loader = new RdbFileLoader(engine, progress, notice);
        long t0 = Stopwatch.GetTimestamp();
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        var reader = new RdbReader(stream);
        progress.Begin(stream.Length, () => reader.BytesRead);
        try
        {
            reader.Load(loader);
        }
        finally
        {
            progress.End();
        }
        progress.LastKeysLoaded = loader.KeysLoaded;
        progress.LastKeysExpired = loader.KeysExpired;
        double seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        notice($"Done loading RDB, keys loaded: {loader.KeysLoaded}, keys expired: {loader.KeysExpired}.");
        notice($"DB loaded from disk: {seconds:0.000} seconds");
        return loader;
    }

    public void OnAux(string name, ReadOnlySpan<byte> value)
    {
        switch (name)
        {
            case "redis-ver":
                _notice($"Loading RDB produced by version {Encoding.UTF8.GetString(value)}");
                break;
            case "ctime":
                if (long.TryParse(value, out long ctime))
                    _notice($"RDB age {Math.Max(0, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - ctime)} seconds");
                break;
            case "used-mem":
                if (long.TryParse(value, out long used)) _notice($"RDB memory usage when created {used / 1048576.0:0.00} Mb");
                break;
        }
    }

    public void OnEntry(int db, ReadOnlySpan<byte> key, in RdbValue value, long expireAtMs, long lruIdleSeconds, int lfuFreq)
    {
        if (db >= _engine.Config.Databases)
            throw new RdbFormatException($"the file uses database {db} but this server has {_engine.Config.Databases} databases");
        if (expireAtMs != 0 && expireAtMs < _nowMs)
        {
            KeysExpired++;
            return;
        }
        value.StoreInto(_engine.Db(key, db), key, expireAtMs, _nowMs);
        KeysLoaded++;
        DebugDelay.Microseconds(_keyDelayUs);
        if ((KeysLoaded & 1023) == 0 && Stopwatch.GetTimestamp() > _nextReportTicks) ReportProgress();
    }

    private void ReportProgress()
    {
        _nextReportTicks = Stopwatch.GetTimestamp() + 2 * Stopwatch.Frequency;
        _notice($"Loading RDB: {_progress.Percent:0.00}% ({KeysLoaded} keys, {_progress.LoadedBytes} of {_progress.TotalBytes} bytes, about {_progress.EtaSeconds} seconds left)");
    }

    public void OnFunction(string libraryCode)
    {
        var scripting = ScriptingEngine.For(_engine);
        if (scripting.LoadLibrary(Encoding.UTF8.GetBytes(libraryCode), replace: true, out var error) is null)
            throw new RdbFormatException($"failed loading a function library: {error}");
    }
}
