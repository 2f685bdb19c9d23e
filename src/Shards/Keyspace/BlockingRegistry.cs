namespace TdbPlus.Shards.Keyspace;

/// <summary>A client blocked on keys (BLPOP, BZPOPMIN, XREAD BLOCK...), as seen by the shards holding those keys.</summary>
public interface IKeyWaiter
{
    /// <summary>Already served, timed out or gone: skip and drop it.</summary>
    bool IsDone { get; }

    /// <summary>
    /// A key it waits on on shard <paramref name="shardId"/> changed: try to serve it now, on that shard's
    /// thread. False when there was still nothing for it (it stays blocked, and waiters behind it too).
    /// </summary>
    bool TryServe(int shardId);
}

/// <summary>
/// Per-shard index of blocked clients by (db, key), FIFO per key, plus the keys signalled ready since the last
/// serving pass, as Redis's blocking_keys / ready_keys.
/// </summary>
public sealed class BlockingRegistry
{
    private readonly Dictionary<WaitKey, LinkedList<IKeyWaiter>> _waiting = new(WaitKeyComparer.Instance);
    private readonly List<WaitKey> _ready = [];
    private readonly HashSet<WaitKey> _readySet = new(WaitKeyComparer.Instance);

    public bool HasWaiters => _waiting.Count > 0;

    public bool HasReady => _ready.Count > 0;

    /// <summary>Keys with at least one blocked client (INFO keyspace-waiting figures).</summary>
    public int WaitedKeys => _waiting.Count;

    public void Add(int db, byte[] key, IKeyWaiter waiter)
    {
        var k = new WaitKey(db, key);
        if (!_waiting.TryGetValue(k, out var list)) _waiting[k] = list = new LinkedList<IKeyWaiter>();
        list.AddLast(waiter);
    }

    /// <summary>Notes that <paramref name="key"/> may now serve a blocked client (a push, an add, a rename...).</summary>
    public void MarkReady(int db, ReadOnlySpan<byte> key)
    {
        if (_waiting.Count == 0) return;
        var k = new WaitKey(db, key.ToArray());
        if (!_waiting.ContainsKey(k) || !_readySet.Add(k)) return;
        _ready.Add(k);
    }

    /// <summary>Serves waiters of every ready key in FIFO order until a key runs dry or has no waiters left.</summary>
    public void ServeReady(int shardId)
    {
        // Serving may push to other keys (BLMOVE) and make them ready too: loop until quiet.
        for (int i = 0; i < _ready.Count; i++)
        {
            var k = _ready[i];
            _readySet.Remove(k);
            if (!_waiting.TryGetValue(k, out var list)) continue;
            while (list.First is { } node)
            {
                var w = node.Value;
                if (!w.IsDone && !w.TryServe(shardId)) break;
                list.Remove(node);
            }
            if (list.Count == 0) _waiting.Remove(k);
        }
        _ready.Clear();
    }

    /// <summary>Drops waiters that ended elsewhere (timeout, another shard served them), keeping the index small.</summary>
    public void Prune()
    {
        List<WaitKey>? empty = null;
        foreach (var (k, list) in _waiting)
        {
            for (var node = list.First; node is not null;)
            {
                var next = node.Next;
                if (node.Value.IsDone) list.Remove(node);
                node = next;
            }
            if (list.Count == 0) (empty ??= []).Add(k);
        }
        if (empty is null) return;
        foreach (var k in empty) _waiting.Remove(k);
    }

    private readonly record struct WaitKey(int Db, byte[] Key);

    private sealed class WaitKeyComparer : IEqualityComparer<WaitKey>
    {
        public static readonly WaitKeyComparer Instance = new();

        public bool Equals(WaitKey a, WaitKey b) => a.Db == b.Db && a.Key.AsSpan().SequenceEqual(b.Key);

        public int GetHashCode(WaitKey k) => HashCode.Combine(k.Db, (int)Storage.KeyHash.Hash(k.Key));
    }
}
