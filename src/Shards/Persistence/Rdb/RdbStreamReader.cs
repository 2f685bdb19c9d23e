using TdbPlus.Shards.Codecs;
using TdbPlus.Shards.Families.Streams;

namespace TdbPlus.Shards.Persistence.Rdb;

/// <summary>
/// Reads RDB_TYPE_STREAM_LISTPACKS(_2): each node listpack becomes one node as it was (its boundaries and
/// tombstones kept, as Redis keeps the loaded listpacks), then the counters and the consumer groups with their
/// pending entries and consumers.
/// </summary>
internal static class RdbStreamReader
{
    public static StreamObject Read(RdbInput input, bool v2)
    {
        var s = new StreamObject();
        int nodes = input.ReadCount("stream node", 2);
        var node = new NodeBuilder();
        bool any = false;
        StreamId last = default;
        for (int i = 0; i < nodes; i++)
        {
            var key = input.ReadString(1);
            if (key.Length != 16) throw input.Error("stream node key is not the size of a stream ID");
            var master = RdbStreamWriter.ReadRawId(key);
            if (any && master <= last) throw input.Error("stream node master ID is not greater than the previous entries");
            var blob = input.ReadString(2);
            int live = node.Build(input, blob, master, ref last, ref any);
            if (live > 0) s.AppendLoadedNode(master, node.ToArray(), live);
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

    /// <summary>
    /// Re-encodes one stream listpack in TDB+'s node layout (<see cref="StreamNode"/>), entry by entry and
    /// tombstones included, checking the master counts and that IDs only grow.
    /// </summary>
    private sealed class NodeBuilder
    {
        private byte[] _buf = new byte[256];
        private int _len;

        public byte[] ToArray() => _buf.AsSpan(0, _len).ToArray();

        public int Build(RdbInput input, ReadOnlySpan<byte> blob, StreamId master, ref StreamId last, ref bool any)
        {
            Span<byte> scratch = stackalloc byte[24];
            var lp = new ListpackReader(blob, scratch);
            if (lp.AtEnd) throw input.Error("empty listpack inside stream");
            long count = lp.NextInteger("master entry count");
            long deleted = lp.NextInteger("master deleted count");
            long mfc = lp.NextInteger("master field count");
            if (count < 0 || deleted < 0 || mfc < 0 || mfc > blob.Length) throw input.Error("stream master entry counts are not valid");
            _len = StreamNode.HeaderSize;
            Varint((ulong)mfc);
            for (long f = 0; f < mfc; f++) String(NextBytes(input, ref lp, "master field"));
            if (lp.NextInteger("master entry terminator") != 0) throw input.Error("stream master entry is not terminated by 0");
            int entriesStart = _len;
            long seenLive = 0, seenDeleted = 0;
            while (!lp.AtEnd)
            {
                long flags = lp.NextInteger("entry flags");
                long msDelta = lp.NextInteger("entry ms delta");
                long seqDelta = lp.NextInteger("entry seq delta");
                if (flags is < 0 or > 3 || msDelta < 0) throw input.Error("stream entry header is not valid");
                var id = new StreamId(master.Ms + (ulong)msDelta, master.Seq + (ulong)seqDelta);
                if (any && id <= last) throw input.Error($"stream entry ID {id} is not greater than the previous one");
                last = id;
                any = true;
                bool same = (flags & StreamNode.FlagSameFields) != 0;
                Byte((byte)flags);
                Varint((ulong)msDelta);
                Varint(StreamNode.ZigZag(seqDelta));
                long n = mfc;
                if (!same)
                {
                    n = lp.NextInteger("entry field count");
                    if (n <= 0 || n > blob.Length) throw input.Error("stream entry field count is not valid");
                    Varint((ulong)n);
                }
                long strings = same ? n : 2 * n;
                for (long k = 0; k < strings; k++) String(NextBytes(input, ref lp, "entry field or value"));
                long lpCount = lp.NextInteger("entry lp-count");
                if (lpCount != (same ? n + 3 : 2 * n + 4)) throw input.Error("stream entry lp-count does not match the entry");
                if ((flags & StreamNode.FlagDeleted) != 0) seenDeleted++;
                else seenLive++;
            }
            if (seenLive != count || seenDeleted != deleted) throw input.Error("stream node counts do not match its entries");
            var header = _buf.AsSpan();
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(header, _len);
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(header[4..], (int)count);
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(header[8..], (int)deleted);
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(header[12..], blob.Length);
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(header[16..], entriesStart);
            return (int)count;
        }

        private static ReadOnlySpan<byte> NextBytes(RdbInput input, ref ListpackReader lp, string what)
        {
            if (!lp.NextBytes(out var v)) throw input.Error($"stream listpack ends before the {what}");
            return v;
        }

        private void Ensure(int n)
        {
            if (_buf.Length - _len < n) Array.Resize(ref _buf, Math.Max(_buf.Length * 2, _len + n));
        }

        private void Byte(byte b)
        {
            Ensure(1);
            _buf[_len++] = b;
        }

        private void Varint(ulong v)
        {
            Ensure(10);
            StreamNode.WriteVarint(_buf, ref _len, v);
        }

        private void String(ReadOnlySpan<byte> s)
        {
            Varint((ulong)s.Length);
            Ensure(s.Length);
            s.CopyTo(_buf.AsSpan(_len));
            _len += s.Length;
        }
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
