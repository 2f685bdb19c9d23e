using TdbPlus.Shards.Storage;

namespace TdbPlus.Shards.Keyspace;

/// <summary>Memory a shard owns for all of its databases: the record arena, rich-type objects, access tracking.</summary>
public sealed class ShardStore : IDisposable
{
    public SlabArena Arena { get; } = new();
    public ObjectTable Objects { get; } = new();
    public AccessTracker Access { get; } = new();
    public BlockingRegistry Blocking { get; } = new();
    public WatchRegistry Watches { get; } = new();

    /// <summary>The engine's key event switch (shared by every shard; a private one for a standalone store).</summary>
    public KeyspaceEvents Events { get; set; } = new();

    /// <summary>Estimated bytes held by rich-type objects, maintained by their families.</summary>
    public long ObjectBytes { get; set; }

    /// <summary>Read lookups that found / did not find their key (INFO keyspace_hits/misses).</summary>
    public long KeyspaceHits { get; set; }

    public long KeyspaceMisses { get; set; }

    /// <summary>Changes made to this shard's keys (Redis's server.dirty share): counted once per changed key.</summary>
    public long Dirty { get; set; }

    /// <summary>The snapshot being written from this shard, or null; writes check it before changing a record.</summary>
    public ISnapshotGuard? Snapshot { get; set; }

    /// <summary>The value of <see cref="Record.SnapshotFlag"/> that means "already saved" (flips when a snapshot starts).</summary>
    public byte SavedParity { get; set; }

    public void Dispose() => Arena.Dispose();
}
