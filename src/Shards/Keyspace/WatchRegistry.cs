namespace TdbPlus.Shards.Keyspace;

/// <summary>Something that WATCHes keys: a write to one of them makes its next EXEC fail.</summary>
public interface IKeyWatcher
{
    /// <summary>Changes with every WATCH round (EXEC, DISCARD, UNWATCH end one), so stale entries are ignored.</summary>
    int WatchEpoch { get; }

    /// <summary>A watched key was written (or the watcher's registration is stale: then ignored by epoch).</summary>
    void WatchedKeyTouched(int epoch);
}

/// <summary>Per-shard index of WATCHed keys, as Redis's db->watched_keys.</summary>
public sealed class WatchRegistry
{
    private readonly Dictionary<(int Db, byte[] Key), List<(IKeyWatcher Watcher, int Epoch)>> _watched =
        new(new KeyComparer());

    public bool Any => _watched.Count > 0;

    public void Add(int db, byte[] key, IKeyWatcher watcher)
    {
        if (!_watched.TryGetValue((db, key), out var list)) _watched[(db, key)] = list = [];
        list.Add((watcher, watcher.WatchEpoch));
    }

    /// <summary>A write touched <paramref name="key"/>: every current watcher of it is invalidated.</summary>
    public void Touch(int db, ReadOnlySpan<byte> key)
    {
        if (_watched.Count == 0) return;
        var k = (db, key.ToArray());
        if (!_watched.TryGetValue(k, out var list)) return;
        foreach (var (watcher, epoch) in list) watcher.WatchedKeyTouched(epoch);
        _watched.Remove(k);
    }

    /// <summary>A keyspace-wide write (FLUSHALL, FLUSHDB, SWAPDB): every watcher here is invalidated.</summary>
    public void TouchAll()
    {
        foreach (var list in _watched.Values)
            foreach (var (watcher, epoch) in list) watcher.WatchedKeyTouched(epoch);
        _watched.Clear();
    }

    /// <summary>Drops registrations whose watcher has moved on, keeping the index small.</summary>
    public void Prune()
    {
        List<(int, byte[])>? empty = null;
        foreach (var (k, list) in _watched)
        {
            list.RemoveAll(e => e.Epoch != e.Watcher.WatchEpoch);
            if (list.Count == 0) (empty ??= []).Add(k);
        }
        if (empty is null) return;
        foreach (var k in empty) _watched.Remove(k);
    }

    private sealed class KeyComparer : IEqualityComparer<(int Db, byte[] Key)>
    {
        public bool Equals((int Db, byte[] Key) a, (int Db, byte[] Key) b) => a.Db == b.Db && a.Key.AsSpan().SequenceEqual(b.Key);

        public int GetHashCode((int Db, byte[] Key) k) => HashCode.Combine(k.Db, (int)Storage.KeyHash.Hash(k.Key));
    }
}
