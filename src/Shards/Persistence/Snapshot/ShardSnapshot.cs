using TdbPlus.Shards.Codecs;
using TdbPlus.Shards.Engine;
using TdbPlus.Shards.Keyspace;
using TdbPlus.Shards.Persistence.Rdb;
using TdbPlus.Shards.Storage;

namespace TdbPlus.Shards.Persistence.Snapshot;

/// <summary>
/// One shard's part of a point-in-time snapshot: walks the shard's databases in slices on the shard's own
/// thread, and, ahead of any write, saves the records the walk has not reached yet (see <see cref="ISnapshotGuard"/>).
/// </summary>
internal sealed class ShardSnapshot : ISnapshotGuard, IShardBackgroundTask
{
    private const int ChunkBytes = 512 << 10; // with one entry past it, still within what ArrayPool.Shared pools
    private const int SliceRecords = 1024;

    private readonly ShardSet _engine;
    private readonly Shard _shard;
    private readonly SnapshotFile _file;
    private readonly RdbSaveOptions _options;
    private readonly RdbOutput _out = new();
    private int _chunkDb = -1;
    private int _db;
    private ulong _cursor;
    private bool _done;

    private readonly long _keyDelayUs;

    public ShardSnapshot(ShardSet engine, Shard shard, SnapshotFile file, in RdbSaveOptions options, long keyDelayUs)
    {
        _keyDelayUs = keyDelayUs;
        _engine = engine;
        _shard = shard;
        _file = file;
        _options = options;
    }

    /// <summary>Keys written so far (INFO current_save_keys_processed).</summary>
    public long KeysSaved;

    /// <summary>Keys the shard held when the snapshot began: exactly what it must write.</summary>
    public long KeysAtStart { get; private set; }

    /// <summary>Makes every record of the shard unsaved and installs the guard; runs while the shard is parked.</summary>
    public void Begin()
    {
        var store = _shard.Store;
        store.SavedParity ^= Record.SnapshotFlag;
        foreach (var db in _shard.Databases) KeysAtStart += db.Count;
        store.Snapshot = this;
        _engine.SnapshotShardsChanged(1);
    }

    public void SaveBeforeChange(Database db, nint rec)
    {
        try
        {
            Save(db, rec);
        }
        catch (Exception ex)
        {
            // The write goes on; the snapshot is what fails.
            Abort(ex);
        }
    }

    public void SaveAllUnsaved(Database db)
    {
        var walker = new Walker(this, db, int.MaxValue);
        db.ForEach(ref walker);
    }

    public bool Step(Shard shard)
    {
        if (_done) return false;
        if (_file.Throttled)
        {
            _file.WakeWhenDrained(shard);
            return false;
        }
        try
        {
            Walk(_keyDelayUs > 0 ? 1 : SliceRecords);
        }
        catch (Exception ex)
        {
            Abort(ex);
        }
        return !_done;
    }

    /// <summary>Writes everything left without yielding (SAVE, or a shard parked for the whole snapshot).</summary>
    public void RunToCompletion()
    {
        try
        {
            while (!_done)
            {
                _file.WaitWhileThrottled();
                Walk(_keyDelayUs > 0 ? 1 : SliceRecords * 64);
            }
        }
        catch (Exception ex)
        {
            Abort(ex);
        }
    }

    private void Walk(int budget)
    {
        var dbs = _shard.Databases;
        while (_db < dbs.Length)
        {
            var db = dbs[_db];
            if (db.Count != 0)
            {
                var walker = new Walker(this, db, budget);
                _cursor = db.Scan(_cursor, ref walker);
                budget = walker.Budget;
            }
            else _cursor = 0;
            if (_cursor == 0) _db++;
            if (budget <= 0 && _db < dbs.Length) return;
        }
        if (_out.Length > 0) FlushChunk();
        Detach();
        _file.ShardDone(this, null);
    }

    private void Save(Database db, nint rec)
    {
        if (_done || !db.IsUnsaved(rec)) return;
        if (_chunkDb != db.Index)
        {
            RdbFormat.WriteSelectDb(_out, db.Index);
            _chunkDb = db.Index;
        }
        RdbFormat.WriteEntry(_out, db, rec, _options);
        db.MarkSaved(rec);
        KeysSaved++;
        if (_out.Length >= ChunkBytes) FlushChunk();
    }

    // Chunks from different shards interleave in the file, so each one starts by naming its database.
    private void FlushChunk()
    {
        _file.Enqueue(_out.Written);
        _out.Clear();
        _chunkDb = -1;
    }

    /// <summary>Drops this shard's part (the whole snapshot is being discarded); the shard must be parked.</summary>
    public void Discard(Exception reason) => Abort(reason);

    private void Abort(Exception ex)
    {
        if (_done) return;
        // Every record must read as saved again, or the next snapshot's parity flip would leave some behind.
        foreach (var db in _shard.Databases)
        {
            var marker = new Marker(db);
            db.ForEach(ref marker);
        }
        Detach();
        _file.ShardDone(this, ex);
    }

    private void Detach()
    {
        _done = true;
        _shard.Store.Snapshot = null;
        _engine.SnapshotShardsChanged(-1);
        if (ReferenceEquals(_shard.Background, this)) _shard.Background = null;
    }

    private struct Walker(ShardSnapshot owner, Database db, int budget) : IRecordVisitor
    {
        public int Budget = budget;

        public bool Visit(nint rec)
        {
            if (db.IsUnsaved(rec))
            {
                owner.Save(db, rec);
                DebugDelay.Microseconds(owner._keyDelayUs);
            }
            return --Budget > 0;
        }
    }

    private readonly struct Marker(Database db) : IRecordVisitor
    {
        public bool Visit(nint rec)
        {
            db.MarkSaved(rec);
            return true;
        }
    }
}
