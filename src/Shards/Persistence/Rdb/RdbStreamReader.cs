using TdbPlus.Shards.Families.Streams;

namespace TdbPlus.Shards.Persistence.Rdb;

/// <summary>
/// Reads RDB_TYPE_STREAM_LISTPACKS(_2): decodes each node listpack (master entry, then entries with their
/// flags and ID deltas) and appends the live entries under the current node limits, then the counters and
/// the consumer groups with their pending entries and consumers.
/// </summary>
internal static class RdbStreamReader
{
    private sealed class Pairs : IFieldPairs
    {
        public readonly List<byte[]> Fields = [];
        public readonly List<byte[]> Values = [];

        public int Count => Values.Count;

        public ReadOnlySpan<byte> Field(int i) => Fields[i];

        public ReadOnlySpan<byte> Value(int i) => Values[i];
    }

    public static StreamObject Read(RdbInput input, bool v2, RdbLimits limits)
    {
        var s = new StreamObject();
        int nodes = input.ReadCount("stream node", 2);
        var masterFields = new List<byte[]>();
        var pairs = new Pairs();
        Span<byte> scratch = stackalloc byte[24];
        bool any = false;
        StreamId last = default;
        for (int i = 0; i < nodes; i++)
        {
            var key = input.ReadString(1);
            if (key.Length != 16) throw input.Error("stream node key is not the size of a stream ID");
            var master = RdbStreamWriter.ReadRawId(key);
            var lp = new ListpackReader(input.ReadString(2), scratch);
            if (lp.AtEnd) throw input.Error("empty listpack inside stream");
            lp.NextInteger("master entry count");
            lp.NextInteger("master deleted count");
            long mfc = lp.NextInteger("master field count");
            if (mfc < 0 || mfc > int.MaxValue) throw input.Error("stream master field count is not valid");
            masterFields.Clear();
            for (long f = 0; f < mfc; f++) masterFields.Add(NextString(input, ref lp, "master field"));
            if (lp.NextInteger("master entry terminator") != 0) throw input.Error("stream master entry is not terminated by 0");
            while (!lp.AtEnd)
            {
                long flags = lp.NextInteger("entry flags");
                long msDelta = lp.NextInteger("entry ms delta");
                long seqDelta = lp.NextInteger("entry seq delta");
                var id = new StreamId(master.Ms + (ulong)msDelta, master.Seq + (ulong)seqDelta);
                bool same = (flags & StreamNode.FlagSameFields) != 0;
                long n = same ? mfc : lp.NextInteger("entry field count");
                if (n < 0 || n > int.MaxValue) throw input.Error("stream entry field count is not valid");
                pairs.Fields.Clear();
                pairs.Values.Clear();
                for (long f = 0; f < n; f++)
                {
                    pairs.Fields.Add(same ? masterFields[(int)f] : NextString(input, ref lp, "entry field"));
                    pairs.Values.Add(NextString(input, ref lp, "entry value"));
                }
                lp.NextInteger("entry lp-count");
                if ((flags & StreamNode.FlagDeleted) != 0) continue;
                if (any && id <= last) throw input.Error($"stream entry ID {id} is not greater than the previous one");
                if (n == 0) throw input.Error("stream entry without fields");
                s.Append(pairs, id, limits.StreamNodeMaxBytes, limits.StreamNodeMaxEntries);
                last = id;
                any = true;
            }
        }
        long length = (long)input.ReadLength();
        if (length != s.Length) throw input.Error($"stream length {length} does not match its {s.Length} entries");
        var lastId = ReadId(input);
        if (any && lastId < last) throw input.Error("stream last ID is smaller than its last entry");
        s.LastId = lastId;
        if (v2)
        {
            s.FirstId = ReadId(input);
            s.MaxDeletedId = ReadId(input);
            s.EntriesAdded = (long)input.ReadLength();
        }
        else
        {
            s.FirstId = s.FirstValidId(StreamId.Zero);
            s.MaxDeletedId = StreamId.Zero;
            s.EntriesAdded = s.Length;
        }
        ReadGroups(input, s, v2);
        return s;
    }

    private static byte[] NextString(RdbInput input, ref ListpackReader lp, string what)
    {
        if (!lp.NextBytes(out var v)) throw input.Error($"stream listpack ends before the {what}");
        return v.ToArray();
    }

    private static StreamId ReadId(RdbInput input) => new(input.ReadLength(), input.ReadLength());

    private static StreamId ReadRawId(RdbInput input)
    {
        Span<byte> raw = stackalloc byte[16];
        input.ReadExact(raw);
        return RdbStreamWriter.ReadRawId(raw);
    }

    private static void ReadGroups(RdbInput input, StreamObject s, bool v2)
    {
        int groups = input.ReadCount("consumer group", 3);
        for (int i = 0; i < groups; i++)
        {
            var name = input.ReadStringBytes();
            var lastId = ReadId(input);
            long entriesRead = v2 ? (long)input.ReadLength() : s.EstimateDistanceFromFirstEverEntry(lastId);
            var g = s.CreateGroup(name, lastId, entriesRead) ?? throw input.Error("duplicate consumer group name");
            int pel = input.ReadCount("group pending entry", 25);
            for (int k = 0; k < pel; k++)
            {
                var id = ReadRawId(input);
                long time = input.ReadMillis();
                long count = (long)input.ReadLength();
                if (!g.Pending.TryAdd(id, new PendingEntry { DeliveryTime = time, DeliveryCount = count }))
                    throw input.Error("duplicate ID in a consumer group's pending entries");
            }
            int consumers = input.ReadCount("consumer", 10);
            for (int c = 0; c < consumers; c++)
            {
                var cname = input.ReadStringBytes();
                long seen = input.ReadMillis();
                var consumer = g.CreateConsumer(cname, seen) ?? throw input.Error("duplicate consumer name");
                int owned = input.ReadCount("consumer pending entry", 16);
                for (int k = 0; k < owned; k++)
                {
                    var id = ReadRawId(input);
                    ref var nack = ref g.Pending.Find(id, out bool found);
                    if (!found) throw input.Error("consumer pending entry not found in its group's pending entries");
                    if (nack.Owner is not null) throw input.Error("pending entry owned by two consumers");
                    nack.Owner = consumer;
                    consumer.Pending.TryAdd(id, default);
                }
            }
            var cur = g.Pending.From(StreamId.Zero);
            while (cur.MoveNext())
            {
                if (cur.Value.Owner is null) throw input.Error("group pending entry without a consumer");
            }
        }
    }
}
