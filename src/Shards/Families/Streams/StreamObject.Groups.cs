namespace TdbPlus.Shards.Families.Streams;

public sealed partial class StreamObject
{
    private List<ConsumerGroup>? _groups;

    /// <summary>Consumer groups ordered by name (Redis's cgroups radix tree order).</summary>
    public IReadOnlyList<ConsumerGroup> Groups => (IReadOnlyList<ConsumerGroup>?)_groups ?? [];

    private long GroupsMemory()
    {
        if (_groups is null) return 0;
        long bytes = 32;
        foreach (var g in _groups) bytes += g.MemoryBytes;
        return bytes;
    }

    private int GroupIndex(ReadOnlySpan<byte> name)
    {
        if (_groups is null) return ~0;
        int lo = 0, hi = _groups.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int c = _groups[mid].Name.AsSpan().SequenceCompareTo(name);
            if (c == 0) return mid;
            if (c < 0) lo = mid + 1;
            else hi = mid - 1;
        }
        return ~lo;
    }

    public ConsumerGroup? FindGroup(ReadOnlySpan<byte> name)
    {
        int i = GroupIndex(name);
        return i >= 0 ? _groups![i] : null;
    }

    /// <summary>Creates a group; null when one with that name exists (BUSYGROUP).</summary>
    public ConsumerGroup? CreateGroup(ReadOnlySpan<byte> name, StreamId lastId, long entriesRead)
    {
        int i = GroupIndex(name);
        if (i >= 0) return null;
        var g = new ConsumerGroup(name.ToArray(), lastId, entriesRead);
        (_groups ??= []).Insert(~i, g);
        return g;
    }

    public bool DestroyGroup(ReadOnlySpan<byte> name)
    {
        int i = GroupIndex(name);
        if (i < 0) return false;
        _groups!.RemoveAt(i);
        return true;
    }

    /// <summary>
    /// Redis's streamRangeHasTombstones: whether an XDEL tombstone may lie between <paramref name="start"/>
    /// (0-0 when null) and the end of the stream.
    /// </summary>
    public bool RangeHasTombstones(StreamId start)
    {
        if (Length == 0 || MaxDeletedId.IsZero) return false;
        if (FirstId > MaxDeletedId) return false;
        return start <= MaxDeletedId;
    }

    /// <summary>
    /// Redis's streamEstimateDistanceFromFirstEverEntry: the logical read counter of <paramref name="id"/>,
    /// or <see cref="ConsumerGroup.InvalidEntriesRead"/> when it cannot be known.
    /// </summary>
    public long EstimateDistanceFromFirstEverEntry(StreamId id)
    {
        if (EntriesAdded == 0) return 0;
        if (Length == 0 && id <= LastId) return EntriesAdded;
        int cmpLast = id.CompareTo(LastId);
        if (cmpLast == 0) return EntriesAdded;
        if (cmpLast > 0) return ConsumerGroup.InvalidEntriesRead;
        int cmpFirst = id.CompareTo(FirstId);
        if (MaxDeletedId.IsZero || MaxDeletedId < FirstId)
        {
            if (cmpFirst < 0) return EntriesAdded - Length;
            if (cmpFirst == 0) return EntriesAdded - Length + 1;
        }
        return ConsumerGroup.InvalidEntriesRead;
    }

    /// <summary>The group's lag (XINFO GROUPS), or null when it cannot be computed.</summary>
    public long? Lag(ConsumerGroup g)
    {
        if (EntriesAdded == 0) return 0;
        if (g.EntriesRead != ConsumerGroup.InvalidEntriesRead && !RangeHasTombstones(g.LastId))
            return EntriesAdded - g.EntriesRead;
        long read = EstimateDistanceFromFirstEverEntry(g.LastId);
        return read != ConsumerGroup.InvalidEntriesRead ? EntriesAdded - read : null;
    }

    /// <summary>
    /// Advances a group past a delivered entry (streamReplyWithRange, Redis 7.0): the read counter goes up when
    /// it is valid and no tombstone lies ahead, or is re-estimated.
    /// </summary>
    public void AdvanceGroup(ConsumerGroup g, StreamId id)
    {
        if (id <= g.LastId) return;
        if (g.EntriesRead != ConsumerGroup.InvalidEntriesRead && !RangeHasTombstones(id)) g.EntriesRead++;
        else if (EntriesAdded != 0) g.EntriesRead = EstimateDistanceFromFirstEverEntry(id);
        g.LastId = id;
    }
}
