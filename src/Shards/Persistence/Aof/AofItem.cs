namespace TdbPlus.Shards.Persistence.Aof;

/// <summary>
/// What replay takes from the head of a shard's log at once: one command, a MULTI ... EXEC group, or a
/// multi-shard unit (TDB.TXBEGIN id participants ... TDB.TXEND id) whose copies sit in every participant's log.
/// </summary>
public sealed class AofItem
{
    public List<AofRecord> Commands { get; } = [];

    /// <summary>Global transaction id of a multi-shard unit; 0 for local items.</summary>
    public long UnitId { get; init; }

    /// <summary>How many shards' logs hold a copy of the unit.</summary>
    public int Participants { get; init; }

    public bool IsUnit => UnitId != 0;
}
