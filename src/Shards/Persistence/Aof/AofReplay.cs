namespace TdbPlus.Shards.Persistence.Aof;

/// <summary>
/// Replays the shards' logs in one thread as one history: each shard's local commands run in their order; a
/// multi-shard unit runs once, when it is at the head of every participant's log (global transaction ids give
/// the one order all shards agreed on), and a unit missing from some participant (torn at that log's end) is
/// dropped everywhere.
/// </summary>
public sealed class AofReplay(IReadOnlyList<AofShardCursor> cursors, Action<AofRecord> execute, Action<string> warn)
{
    /// <summary>Commands executed.</summary>
    public long Commands { get; private set; }

    /// <summary>Units dropped because some participant's copy is missing.</summary>
    public int DroppedUnits { get; private set; }

    /// <summary>Highest unit id in any log: this run's ids must continue after it.</summary>
    public long MaxUnitId { get; private set; }

    public void Run()
    {
        foreach (var c in cursors) c.Advance();
        while (true)
        {
            foreach (var c in cursors)
            {
                while (c.Head is { IsUnit: false } local)
                {
                    Execute(local);
                    c.Advance();
                }
            }
            long next = long.MaxValue;
            foreach (var c in cursors)
                if (c.Head is { } unit && unit.UnitId < next) next = unit.UnitId;
            if (next == long.MaxValue) break;
            AofItem? first = null;
            int present = 0;
            foreach (var c in cursors)
            {
                if (c.Head?.UnitId != next) continue;
                first ??= c.Head;
                present++;
            }
            if (present == first!.Participants) Execute(first);
            else
            {
                DroppedUnits++;
                warn($"Dropping multi-shard transaction {next}: {present} of its {first.Participants} logs hold it (the others end before it)");
            }
            foreach (var c in cursors)
                if (c.Head?.UnitId == next) c.Advance();
        }
        foreach (var c in cursors) MaxUnitId = Math.Max(MaxUnitId, c.MaxUnitId);
    }

    private void Execute(AofItem item)
    {
        foreach (var rec in item.Commands)
        {
            execute(rec);
            Commands++;
        }
    }
}
