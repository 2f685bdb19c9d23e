using TdbPlus.Shards.Storage;

namespace TdbPlus.Shards.Keyspace;

/// <summary>
/// One logical database (SELECT n) on one shard: the key index, the index of keys with a TTL, and the
/// record life cycle (create, resize, expire, delete). Used only by the thread that owns the shard, or by
/// a coordinator while the shard is parked for it.
/// </summary>
public sealed unsafe class Database : IDisposable
{
    private DashTable _main;
    private DashTable _expires;
    private readonly ShardStore _store;

    public Database(ShardStore store, int index)
    {
        _store = store;
        _main = new DashTable(store.Arena);
        _expires = new DashTable(store.Arena);
        Index = index;
    }

    public int Index { get; }

    public long Count => _main.Count;

    public long VolatileCount => _expires.Count;

    /// <summary>Native bytes of both indexes (records are counted by the arena).</summary>
    public long IndexBytes => _main.MemoryBytes + _expires.MemoryBytes;

    /// <summary>Running estimate of the average remaining TTL, refreshed by the active expiry sweep.</summary>
    public long AverageTtl { get; private set; }

    /// <summary>Keys removed because their TTL passed (lazily or by the sweep).</summary>
    public long ExpiredKeys { get; set; }

    public ShardStore Store => _store;

    /// <summary>Finds a live key, deleting it first when its TTL has passed.</summary>
    public nint Find(ReadOnlySpan<byte> key, long nowMs) => Find(key, KeyHash.Hash(key), nowMs);

    /// <summary><see cref="Find(ReadOnlySpan{byte}, long)"/> with the key's <see cref="KeyHash.Hash"/> already known.</summary>
    public nint Find(ReadOnlySpan<byte> key, ulong h, long nowMs)
    {
        nint rec = _main.Find(key, h);
        if (rec == 0) return 0;
        if (Record.HasExpire(rec) && Record.ExpireAt(rec) < nowMs)
        {
            if (_store.Events.Mask != 0) _store.Events.Emit(NotifyClass.Expired, "expired", key, Index);
            RemoveFound(key, h, rec);
            ExpiredKeys++;
            return 0;
        }
        return rec;
    }

    /// <summary>
    /// Starts loading the index memory a lookup of a key with hash <paramref name="hash"/> reads first, so that
    /// a pipeline's lookups overlap their cache misses instead of waiting for one after another.
    /// </summary>
    public void Prefetch(ulong hash) => _main.Prefetch(hash);

    /// <summary>Second step after <see cref="Prefetch"/>: starts loading the record the lookup will compare.</summary>
    public void PrefetchRecord(ulong hash) => _main.PrefetchRecord(hash);

    /// <summary>
    /// The read-path lookup (Redis's lookupKeyRead): like <see cref="Find"/>, counts keyspace hits/misses and
    /// records the access for LRU/LFU unless <paramref name="noTouch"/>.
    /// </summary>
    public nint FindTouch(ReadOnlySpan<byte> key, long nowMs, bool noTouch = false) =>
        FindTouch(key, KeyHash.Hash(key), nowMs, noTouch);

    /// <summary><see cref="FindTouch(ReadOnlySpan{byte}, long, bool)"/> with the key's hash already known.</summary>
    public nint FindTouch(ReadOnlySpan<byte> key, ulong hash, long nowMs, bool noTouch = false)
    {
        nint rec = Find(key, hash, nowMs);
        if (rec == 0)
        {
            _store.KeyspaceMisses++;
            if (_store.Events.Mask != 0) _store.Events.Emit(NotifyClass.KeyMiss, "keymiss", key, Index);
            return 0;
        }
        _store.KeyspaceHits++;
        if (!noTouch) _store.Access.Touch(rec, nowMs);
        return rec;
    }

    /// <summary>The write-path lookup (lookupKeyWrite): expires, and touches for LRU/LFU, without hit/miss counting.</summary>
    public nint FindForWrite(ReadOnlySpan<byte> key, long nowMs, bool noTouch = false)
    {
        nint rec = Find(key, nowMs);
        if (rec != 0)
        {
            GuardSnapshot(rec);
            if (!noTouch) _store.Access.Touch(rec, nowMs);
        }
        return rec;
    }

    /// <summary>
    /// Called before a record changes or goes away: while a snapshot is being written and this record is not in
    /// it yet, its current value is saved first, so the snapshot stays a point-in-time image.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public void GuardSnapshot(nint rec)
    {
        if (_store.Snapshot is { } snapshot && (Record.Flags(rec) & Record.SnapshotFlag) != _store.SavedParity)
            snapshot.SaveBeforeChange(this, rec);
    }

    /// <summary>True when <paramref name="rec"/> is not yet in the snapshot being written (always false otherwise).</summary>
    public bool IsUnsaved(nint rec) => (Record.Flags(rec) & Record.SnapshotFlag) != _store.SavedParity;

    /// <summary>Marks <paramref name="rec"/> as written to the current snapshot.</summary>
    public void MarkSaved(nint rec) =>
        Record.SetFlags(rec, (byte)((Record.Flags(rec) & ~Record.SnapshotFlag) | _store.SavedParity));

    /// <summary>Stores a string value under <paramref name="key"/>, replacing whatever was there.</summary>
    public nint SetString(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, long expireAtMs, long nowMs) =>
        SetString(key, KeyHash.Hash(key), value, expireAtMs, nowMs);

    /// <summary><see cref="SetString(ReadOnlySpan{byte}, ReadOnlySpan{byte}, long, long)"/> with the key's hash already known.</summary>
    public nint SetString(ReadOnlySpan<byte> key, ulong hash, ReadOnlySpan<byte> value, long expireAtMs, long nowMs)
    {
        nint rec = Create(key, hash, value.Length, expireAtMs, KeyType.String, nowMs);
        value.CopyTo(Record.Value(rec));
        return rec;
    }

    /// <summary>
    /// Creates a record (value bytes left for the caller to fill) and links it in, replacing any record with
    /// the same key. For rich types pass valueLength 0 and set the handle afterwards.
    /// </summary>
    public nint Create(ReadOnlySpan<byte> key, int valueLength, long expireAtMs, byte type, long nowMs) =>
        Create(key, KeyHash.Hash(key), valueLength, expireAtMs, type, nowMs);

    /// <summary><see cref="Create(ReadOnlySpan{byte}, int, long, byte, long)"/> with the key's hash already known.</summary>
    public nint Create(ReadOnlySpan<byte> key, ulong h, int valueLength, long expireAtMs, byte type, long nowMs)
    {
        nint old = _main.Find(key, h);
        // Overwriting a string with one of the same length and no TTL on either side (the common SET): reuse
        // the record in place, with fresh flags and access data, instead of allocating and relinking.
        if (old != 0) GuardSnapshot(old);
        if (old != 0 && type == KeyType.String && expireAtMs == 0 && Record.Type(old) == KeyType.String &&
            !Record.HasExpire(old) && Record.ValueLength(old) == valueLength)
        {
            Record.SetFlags(old, _store.SavedParity);
            Record.SetLru(old, _store.Access.Initial(nowMs));
            return old;
        }
        nint rec = Record.Create(_store.Arena, key, valueLength, expireAtMs != 0, type);
        // A key born after the snapshot began is not part of it: it starts out "saved".
        if (_store.SavedParity != 0) Record.SetFlags(rec, (byte)(Record.Flags(rec) | _store.SavedParity));
        Record.SetLru(rec, _store.Access.Initial(nowMs));
        if (expireAtMs != 0) Record.SetExpireAt(rec, expireAtMs);
        bool created = old == 0;
        if (old != 0)
        {
            bool expiredOld = Record.HasExpire(old) && Record.ExpireAt(old) < nowMs;
            if (expiredOld && _store.Events.Mask != 0) _store.Events.Emit(NotifyClass.Expired, "expired", key, Index);
            _main.Replace(key, h, rec);
            SignalIfStream(key, old);
            if (Record.HasExpire(old))
            {
                _expires.Remove(key, h);
                // Replacing a key whose TTL had passed (no lookup first): it expired, as lookupKeyWrite would count.
                if (expiredOld)
                {
                    ExpiredKeys++;
                    created = true;
                }
            }
            FreeRecord(old);
        }
        else _main.Insert(rec, h);
        // Redis's dbAdd: the "new" event (class n) for a key that did not exist.
        if (created && _store.Events.Mask != 0) _store.Events.Emit(NotifyClass.New, "new", key, Index);
        if (expireAtMs != 0) _expires.Insert(rec, h);
        if (type != KeyType.String) SignalKeyReady(key);
        return rec;
    }

    /// <summary>
    /// Moves a record to one with a new value length and/or TTL presence, keeping key, type, flags and
    /// access data; the first min(old, new) value bytes are copied. Returns the new record.
    /// </summary>
    public nint Reshape(nint rec, int newValueLength, long expireAtMs)
    {
        GuardSnapshot(rec);
        var key = Record.Key(rec);
        ulong h = KeyHash.Hash(key);
        bool oldExpire = Record.HasExpire(rec);
        bool newExpire = expireAtMs != 0;
        if (oldExpire == newExpire && Record.Type(rec) == KeyType.String)
        {
            int oldTotal = Record.TotalSize(rec);
            int newTotal = oldTotal - Record.ValueLength(rec) + newValueLength;
            if (oldTotal > SlabArena.MaxSmallSize && newTotal > SlabArena.MaxSmallSize &&
                Record.ValueLengthFitsInPlace(rec, newValueLength))
                return ResizeLarge(rec, key, h, oldTotal, newTotal, newValueLength, expireAtMs);
        }
        nint fresh = Record.Create(_store.Arena, key, newValueLength, newExpire, Record.Type(rec));
        Record.SetFlags(fresh, Record.Flags(rec));
        Record.SetLru(fresh, Record.Lru(rec));
        if (newExpire) Record.SetExpireAt(fresh, expireAtMs);
        if (Record.Type(rec) == KeyType.String)
        {
            var oldValue = Record.Value(rec);
            int copy = Math.Min(oldValue.Length, newValueLength);
            oldValue[..copy].CopyTo(Record.Value(fresh));
        }
        else Record.SetHandle(fresh, Record.Handle(rec));
        _main.Replace(key, h, fresh);
        if (oldExpire && newExpire) _expires.Replace(key, h, fresh);
        else if (oldExpire) _expires.Remove(key, h);
        else if (newExpire) _expires.Insert(fresh, h);
        Record.Free(_store.Arena, rec);
        return fresh;
    }

    /// <summary>
    /// Grows or shrinks a large string record with realloc, so a value extended a little at a time (SETBIT,
    /// APPEND, SETRANGE at the end) costs amortised O(1) instead of a copy per step. The indexes point at a
    /// stand-in record holding the key meanwhile, so they never reference memory realloc may free.
    /// </summary>
    private nint ResizeLarge(nint rec, ReadOnlySpan<byte> key, ulong h, int oldTotal, int newTotal, int newValueLength, long expireAtMs)
    {
        bool hasExpire = expireAtMs != 0;
        nint standIn = Record.Create(_store.Arena, key, 0, false);
        _main.Replace(key, h, standIn);
        if (hasExpire) _expires.Replace(key, h, standIn);
        nint moved = (nint)_store.Arena.Reallocate((byte*)rec, oldTotal, newTotal);
        Record.SetValueLength(moved, newValueLength);
        if (hasExpire) Record.SetExpireAt(moved, expireAtMs);
        var movedKey = Record.Key(moved);
        _main.Replace(movedKey, h, moved);
        if (hasExpire) _expires.Replace(movedKey, h, moved);
        Record.Free(_store.Arena, standIn);
        return moved;
    }

    /// <summary>Sets or clears (0) the absolute expiry of a live record; returns the record (it may move).</summary>
    public nint SetExpire(nint rec, long expireAtMs)
    {
        GuardSnapshot(rec);
        if (Record.HasExpire(rec) && expireAtMs != 0)
        {
            Record.SetExpireAt(rec, expireAtMs);
            return rec;
        }
        if (!Record.HasExpire(rec) && expireAtMs == 0) return rec;
        int len = Record.Type(rec) == KeyType.String ? Record.ValueLength(rec) : 0;
        return Reshape(rec, len, expireAtMs);
    }

    public bool Delete(ReadOnlySpan<byte> key)
    {
        ulong h = KeyHash.Hash(key);
        if (_store.Snapshot is not null && _main.Find(key, h) is var found && found != 0) GuardSnapshot(found);
        nint rec = _main.Remove(key, h);
        if (rec == 0) return false;
        if (Record.HasExpire(rec)) _expires.Remove(key, h);
        SignalIfStream(key, rec);
        FreeRecord(rec);
        return true;
    }

    /// <summary>
    /// A stream key going away wakes its blocked readers (Redis's signalDeletedKeyAsReady): XREADGROUP ends
    /// with an error, XREAD keeps waiting.
    /// </summary>
    private void SignalIfStream(ReadOnlySpan<byte> key, nint rec)
    {
        if (Record.Type(rec) == KeyType.Stream) SignalKeyReady(key);
    }

    /// <summary>Unlinks a record without freeing it or its object (RENAME/MOVE hand it on).</summary>
    public void Unlink(nint rec)
    {
        GuardSnapshot(rec);
        var key = Record.Key(rec);
        ulong h = KeyHash.Hash(key);
        _main.Remove(key, h);
        if (Record.HasExpire(rec)) _expires.Remove(key, h);
        SignalIfStream(key, rec);
    }

    /// <summary>Frees a record's memory and its rich object, if any.</summary>
    public void FreeRecord(nint rec)
    {
        if (Record.Type(rec) != KeyType.String)
        {
            int handle = Record.Handle(rec);
            if (_store.Objects.Get(handle) is IKeyObject obj) _store.ObjectBytes -= obj.MemoryBytes;
            _store.Objects.Remove(handle);
        }
        Record.Free(_store.Arena, rec);
    }

    /// <summary>
    /// Tells clients blocked on <paramref name="key"/> (BLPOP, BZPOPMIN, XREAD BLOCK) that it may now have
    /// something for them; they are served after the current command. Families call it after adding elements.
    /// </summary>
    public void SignalKeyReady(ReadOnlySpan<byte> key)
    {
        if (_store.Blocking.HasWaiters) _store.Blocking.MarkReady(Index, key);
    }

    /// <summary>
    /// Reports a key event with no command behind it (expired, evicted): keyspace notifications and
    /// invalidation of tracked keys. Commands use <c>ctx.Notify</c> instead. One field read when nobody listens.
    /// </summary>
    public void Notify(NotifyClass type, string eventName, ReadOnlySpan<byte> key)
    {
        if (_store.Events.Mask != 0) _store.Events.Emit(type, eventName, key, Index);
    }

    /// <summary>The engine's key event switch, for hooks that need more than <see cref="Notify"/>.</summary>
    public KeyspaceEvents Events => _store.Events;

    /// <summary>Stores a rich-type value under <paramref name="key"/>, replacing whatever was there.</summary>
    public nint CreateObject(ReadOnlySpan<byte> key, byte type, IKeyObject value, long expireAtMs, long nowMs)
    {
        nint rec = Create(key, 0, expireAtMs, type, nowMs);
        Record.SetHandle(rec, _store.Objects.Add(value));
        _store.ObjectBytes += value.MemoryBytes;
        return rec;
    }

    /// <summary>The rich-type value of a record (its type already checked by the caller).</summary>
    public T GetObject<T>(nint rec) where T : class, IKeyObject => (T)_store.Objects.Get(Record.Handle(rec));

    /// <summary>
    /// Records a change in a value's size after a family mutated it in place:
    /// <c>long before = obj.MemoryBytes; ...mutate...; db.ObjectResized(before, obj);</c>
    /// </summary>
    public void ObjectResized(long bytesBefore, IKeyObject value) => _store.ObjectBytes += value.MemoryBytes - bytesBefore;

    private void RemoveFound(ReadOnlySpan<byte> key, ulong h, nint rec)
    {
        GuardSnapshot(rec);
        _main.Remove(key, h);
        if (Record.HasExpire(rec)) _expires.Remove(key, h);
        SignalIfStream(key, rec);
        FreeRecord(rec);
    }

    /// <summary>Frees every key.</summary>
    public void Clear()
    {
        _store.Snapshot?.SaveAllUnsaved(this);
        var freer = new Freer(this);
        _main.ForEach(ref freer);
        _main.Dispose();
        _expires.Dispose();
        _main = new DashTable(_store.Arena);
        _expires = new DashTable(_store.Arena);
        AverageTtl = 0;
    }

    /// <summary>Exchanges contents with another database of the same shard (SWAPDB).</summary>
    public void SwapWith(Database other)
    {
        if (_store.Snapshot is { } snapshot)
        {
            snapshot.SaveAllUnsaved(this);
            snapshot.SaveAllUnsaved(other);
        }
        (_main, other._main) = (other._main, _main);
        (_expires, other._expires) = (other._expires, _expires);
        (AverageTtl, other.AverageTtl) = (other.AverageTtl, AverageTtl);
    }

    public ulong Scan<TVisitor>(ulong cursor, ref TVisitor visitor) where TVisitor : struct, IRecordVisitor =>
        _main.Scan(cursor, ref visitor);

    public void ForEach<TVisitor>(ref TVisitor visitor) where TVisitor : struct, IRecordVisitor =>
        _main.ForEach(ref visitor);

    public nint RandomRecord(ref ulong rng) => _main.RandomRecord(ref rng);

    public nint RandomVolatileRecord(ref ulong rng) => _expires.RandomRecord(ref rng);

    /// <summary>
    /// One step of active expiry (Redis's activeExpireCycle): samples keys with a TTL and deletes the expired
    /// ones, repeating while more than a quarter of a sample had expired, within <paramref name="budget"/> samples.
    /// </summary>
    public int ExpireCycle(long nowMs, int budget, ref ulong rng)
    {
        int removed = 0;
        const int sampleSize = 20;
        while (budget > 0 && _expires.Count > 0)
        {
            int expiredInSample = 0;
            long ttlSum = 0;
            int ttlSamples = 0;
            int n = (int)Math.Min(sampleSize, _expires.Count);
            for (int i = 0; i < n; i++)
            {
                nint rec = _expires.RandomRecord(ref rng);
                if (rec == 0) break;
                long at = Record.ExpireAt(rec);
                if (at < nowMs)
                {
                    if (_store.Events.Mask != 0) _store.Events.Emit(NotifyClass.Expired, "expired", Record.Key(rec), Index);
                    RemoveFound(Record.Key(rec), KeyHash.Hash(Record.Key(rec)), rec);
                    ExpiredKeys++;
                    expiredInSample++;
                    removed++;
                }
                else
                {
                    ttlSum += at - nowMs;
                    ttlSamples++;
                }
            }
            budget -= n;
            if (ttlSamples > 0)
            {
                long avg = ttlSum / ttlSamples;
                AverageTtl = AverageTtl == 0 ? avg : (AverageTtl / 50 * 49) + (avg / 50);
            }
            if (expiredInSample * 4 <= n) break;
        }
        if (_expires.Count == 0) AverageTtl = 0;
        return removed;
    }

    public void Dispose()
    {
        Clear();
        _main.Dispose();
        _expires.Dispose();
    }

    private readonly struct Freer(Database db) : IRecordVisitor
    {
        public bool Visit(nint rec)
        {
            db.FreeRecord(rec);
            return true;
        }
    }
}
