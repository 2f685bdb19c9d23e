using System.Diagnostics;
using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Execution;

namespace TdbPlus.Shards.Persistence.Aof;

/// <summary>Loading at startup: the manifest's files replayed as one history, torn tails cut or refused.</summary>
public sealed partial class AppendOnlyLog
{
    /// <summary>
    /// Replays the log named by the manifest, if there is one, with the engine to itself (before the shards run,
    /// or with all of them parked). A torn tail is cut off (aof-load-truncated yes) or refused; corruption is
    /// refused. With appendonly no the log is loaded only when it is newer than <paramref name="snapshotPath"/>
    /// (the log is not kept up to date then, a later SAVE is). False when the log was not loaded.
    /// </summary>
    public bool Load(CommandTable table, LoadProgress? progress = null, string? snapshotPath = null)
    {
        string dir = DirectoryPath;
        string manifestPath = Path.Combine(dir, ManifestName);
        if (!File.Exists(manifestPath)) return false;
        var sw = Stopwatch.StartNew();
        var manifest = AofManifest.Parse(File.ReadAllText(manifestPath), manifestPath);
        foreach (var file in manifest.Files)
            if (!File.Exists(Path.Combine(dir, file))) throw new AofLoadException($"The AOF file {file} doesn't exist");
        if (Config["appendonly"].NumericValue != 1 && snapshotPath is not null && File.Exists(snapshotPath) &&
            File.GetLastWriteTimeUtc(snapshotPath) > manifest.Files.Max(f => File.GetLastWriteTimeUtc(Path.Combine(dir, f))))
        {
            _manifest = manifest;
            _notice($"The snapshot {Path.GetFileName(snapshotPath)} is newer than the append only file (appendonly is no): loading the snapshot");
            return false;
        }
        if (manifest.BaseFile is { } baseFile)
        {
            if (LoadBase is null) throw new AofLoadException($"The AOF base file {baseFile} is an RDB snapshot, and no RDB loader is set");
            LoadBase(Path.Combine(dir, baseFile));
        }
        var cursors = new List<AofShardCursor>();
        try
        {
            long total = 0;
            foreach (var chain in manifest.Incr)
            {
                var paths = chain.Select(f => Path.Combine(dir, f.File)).ToList();
                total += paths.Sum(p => new FileInfo(p).Length);
                cursors.Add(new AofShardCursor(paths, p => new FileStream(p, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1)));
            }
            progress?.Begin(total, () => cursors.Sum(c => c.Position));
            var replay = new AofReplay(cursors, NewExecutor(table), _warning);
            try
            {
                replay.Run();
            }
            finally
            {
                progress?.End();
            }
            _engine.ContinueTransactionIdsAfter(replay.MaxUnitId);
            foreach (var c in cursors) c.Dispose();
            foreach (var c in cursors)
                if (c.TornAt >= 0) RepairTail(c.Path, c.TornAt);
            _manifest = manifest;
            _loadedFromLog = true;
            _notice($"DB loaded from append only file: {sw.Elapsed.TotalSeconds:0.000} seconds ({replay.Commands} commands, {manifest.Shards} shard logs)");
            return true;
        }
        finally
        {
            foreach (var c in cursors) c.Dispose();
        }
    }

    /// <summary>Runs replayed commands one by one, with every shard to itself (the shards are not running yet).</summary>
    private Action<AofRecord> NewExecutor(CommandTable table)
    {
        var session = new ClientSession { BlockingAllowed = false, Authenticated = true };
        var output = new RespWriter(1024);
        var executor = new BatchExecutor(_engine, table, session, output);
        var batch = new CommandBatch();
        int databases = Config.Databases;
        return rec =>
        {
            if (table.Find(rec.Arg(0)) is null)
                throw new AofLoadException($"Unknown command '{rec.Name}' reading the append only file at offset {rec.Offset}");
            if (rec.Db >= databases)
                throw new AofLoadException($"The append only file selects db {rec.Db} at offset {rec.Offset}, but databases is {databases}");
            session.DbIndex = rec.Db;
            batch.Clear();
            batch.Buffer = rec.Buffer;
            foreach (var a in rec.Args) batch.Args.Add(a);
            batch.Add(0, rec.Args.Length);
            executor.RunExclusive(batch);
            output.Clear();
        };
    }

    private void RepairTail(string path, long offset)
    {
        string name = Path.GetFileName(path);
        if (Config["aof-load-truncated"].NumericValue != 1)
            throw new AofLoadException(
                $"Unexpected end of file reading the append only file {name} at offset {offset}. You can: " +
                "1) Make a backup of your AOF file, then cut it at that offset. " +
                "2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.");
        _warning($"!!! Warning: short read while loading the AOF file {name}!!!");
        _warning($"!!! Truncating the AOF {name} at offset {offset} !!!");
        using (var fs = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
        {
            fs.SetLength(offset);
            fs.Flush(flushToDisk: true);
        }
        _warning($"AOF {name} loaded anyway because aof-load-truncated is enabled");
    }
}
