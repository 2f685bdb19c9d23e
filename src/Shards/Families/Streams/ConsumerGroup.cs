namespace TdbPlus.Shards.Families.Streams;

/// <summary>An entry delivered to a consumer and not acknowledged yet (Redis's streamNACK).</summary>
public struct PendingEntry
{
    /// <summary>Unix ms of the last delivery.</summary>
    public long DeliveryTime;

    public long DeliveryCount;

    /// <summary>The consumer that owns it; null only transiently (XCLAIM FORCE).</summary>
    public Consumer? Owner;
}

/// <summary>Nothing: the value type of sets of IDs (a consumer's own pending list).</summary>
public readonly struct NoValue;

/// <summary>A consumer of a group: its name, when it was last seen, and the IDs it has pending.</summary>
public sealed class Consumer(byte[] name, long seenTime)
{
    public byte[] Name { get; } = name;

    public long SeenTime { get; set; } = seenTime;

    public IdMap<NoValue> Pending { get; } = new();

    public long MemoryBytes => 64 + Name.Length + Pending.MemoryBytes;
}

/// <summary>
/// A consumer group (Redis's streamCG): last delivered ID, logical read counter, the group's pending entries
/// list ordered by ID, and its consumers ordered by name.
/// </summary>
public sealed class ConsumerGroup(byte[] name, StreamId lastId, long entriesRead)
{
    /// <summary>entries_read when it is not known (SCG_INVALID_ENTRIES_READ).</summary>
    public const long InvalidEntriesRead = -1;

    private readonly List<Consumer> _consumers = [];

    public byte[] Name { get; } = name;

    public StreamId LastId { get; set; } = lastId;

    public long EntriesRead { get; set; } = entriesRead;

    public IdMap<PendingEntry> Pending { get; } = new();

    public IReadOnlyList<Consumer> Consumers => _consumers;

    public long MemoryBytes
    {
        get
        {
            long bytes = 96 + Name.Length + Pending.MemoryBytes;
            foreach (var c in _consumers) bytes += c.MemoryBytes;
            return bytes;
        }
    }

    private int IndexOf(ReadOnlySpan<byte> name)
    {
        int lo = 0, hi = _consumers.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int c = _consumers[mid].Name.AsSpan().SequenceCompareTo(name);
            if (c == 0) return mid;
            if (c < 0) lo = mid + 1;
            else hi = mid - 1;
        }
        return ~lo;
    }

    public Consumer? FindConsumer(ReadOnlySpan<byte> name)
    {
        int i = IndexOf(name);
        return i >= 0 ? _consumers[i] : null;
    }

    /// <summary>Creates a consumer; null when one with that name exists.</summary>
    public Consumer? CreateConsumer(ReadOnlySpan<byte> name, long now)
    {
        int i = IndexOf(name);
        if (i >= 0) return null;
        var c = new Consumer(name.ToArray(), now);
        _consumers.Insert(~i, c);
        return c;
    }

    /// <summary>Deletes a consumer and its pending entries from the group; returns how many it had pending.</summary>
    public long DeleteConsumer(Consumer consumer)
    {
        long pending = consumer.Pending.Count;
        var cur = consumer.Pending.From(StreamId.Zero);
        while (cur.MoveNext()) Pending.Remove(cur.Key);
        _consumers.Remove(consumer);
        return pending;
    }

    /// <summary>Acknowledges one ID: removes it from the group's and its owner's pending lists.</summary>
    public bool Acknowledge(StreamId id)
    {
        if (!Pending.Remove(id, out var nack)) return false;
        nack.Owner?.Pending.Remove(id);
        return true;
    }

    public ConsumerGroup Clone()
    {
        var copy = new ConsumerGroup(Name, LastId, EntriesRead);
        foreach (var c in _consumers)
        {
            var cc = new Consumer(c.Name, c.SeenTime);
            copy._consumers.Add(cc);
            var cur = c.Pending.From(StreamId.Zero);
            while (cur.MoveNext()) cc.Pending.TryAdd(cur.Key, default);
        }
        var pc = Pending.From(StreamId.Zero);
        while (pc.MoveNext())
        {
            var nack = pc.Value;
            if (nack.Owner is not null) nack.Owner = copy.FindConsumer(nack.Owner.Name);
            copy.Pending.TryAdd(pc.Key, nack);
        }
        return copy;
    }
}
