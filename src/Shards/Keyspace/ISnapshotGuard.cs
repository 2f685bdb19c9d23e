namespace TdbPlus.Shards.Keyspace;

/// <summary>
/// A point-in-time snapshot in progress on a shard: before a record that is not saved yet changes or goes away,
/// the database hands it here so the snapshot keeps the value it had when the snapshot began.
/// </summary>
public interface ISnapshotGuard
{
    /// <summary>Writes <paramref name="rec"/> (of <paramref name="db"/>) to the snapshot and marks it saved.</summary>
    void SaveBeforeChange(Database db, nint rec);

    /// <summary>Writes every record of <paramref name="db"/> not saved yet (before FLUSHDB or SWAPDB rearranges it).</summary>
    void SaveAllUnsaved(Database db);
}
