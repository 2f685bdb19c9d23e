using System.Buffers.Binary;
using TdbPlus.Shards.Codecs;
using TdbPlus.Shards.Families.Streams;

namespace TdbPlus.Shards.Persistence.Rdb;

/// <summary>
/// Writes a stream as RDB_TYPE_STREAM_LISTPACKS_2: each node as its 16-byte big-endian master ID and a listpack
/// laid out as t_stream.c lays it (master entry: count, deleted, master fields, 0; then per entry: flags,
/// ms-delta, seq-delta, [field count, fields and values | values], lp-count), then the stream's counters and
/// its consumer groups with their pending entries and consumers.
/// </summary>
internal static class RdbStreamWriter
{
    public static void Write(RdbOutput o, StreamObject s, bool compress)
    {
        var lp = RdbValueWriter.Listpack;
        o.WriteLength((ulong)s.NodeCount);
        Span<byte> key = stackalloc byte[16];
        for (int i = 0; i < s.NodeCount; i++)
        {
            var master = s.KeyAt(i);
            master.WriteBigEndian(key);
            o.WriteString(key, compress);
            BuildNode(lp, s.NodeAt(i), master);
            o.WriteString(lp.Finish(), compress);
        }
        o.WriteLength((ulong)s.Length);
        WriteId(o, s.LastId);
        WriteId(o, s.FirstId);
        WriteId(o, s.MaxDeletedId);
        o.WriteLength((ulong)s.EntriesAdded);

        o.WriteLength((ulong)s.Groups.Count);
        foreach (var g in s.Groups)
        {
            o.WriteString(g.Name, compress);
            WriteId(o, g.LastId);
            o.WriteLength((ulong)g.EntriesRead);
            o.WriteLength((ulong)g.Pending.Count);
            var cur = g.Pending.From(StreamId.Zero);
            while (cur.MoveNext())
            {
                WriteRawId(o, cur.Key);
                o.WriteMillis(cur.Value.DeliveryTime);
                o.WriteLength((ulong)cur.Value.DeliveryCount);
            }
            o.WriteLength((ulong)g.Consumers.Count);
            foreach (var c in g.Consumers)
            {
                o.WriteString(c.Name, compress);
                o.WriteMillis(c.SeenTime);
                o.WriteLength((ulong)c.Pending.Count);
                var pc = c.Pending.From(StreamId.Zero);
                while (pc.MoveNext()) WriteRawId(o, pc.Key);
            }
        }
    }

    private static void WriteId(RdbOutput o, StreamId id)
    {
        o.WriteLength(id.Ms);
        o.WriteLength(id.Seq);
    }

    private static void WriteRawId(RdbOutput o, StreamId id)
    {
        id.WriteBigEndian(o.GetSpan(16));
        o.Advance(16);
    }

    private static void BuildNode(ListpackBuilder lp, byte[] node, StreamId master)
    {
        lp.Reset();
        int masterFields = StreamNode.MasterFields(node, out int p);
        lp.AppendInteger(StreamNode.Live(node));
        lp.AppendInteger(StreamNode.Deleted(node));
        lp.AppendInteger(masterFields);
        for (int f = 0; f < masterFields; f++) lp.Append(StreamNode.ReadString(node, ref p));
        lp.AppendInteger(0);
        int end = StreamNode.Used(node);
        int pos = StreamNode.EntriesStart(node);
        while (pos < end)
        {
            int next = StreamNode.ReadEntry(node, pos, master, masterFields, out var e);
            lp.AppendInteger(e.Flags);
            lp.AppendInteger((long)(e.Id.Ms - master.Ms));
            lp.AppendInteger((long)(e.Id.Seq - master.Seq));
            int q = e.BodyOffset;
            if (e.SameFields)
            {
                for (int f = 0; f < e.FieldCount; f++) lp.Append(StreamNode.ReadString(node, ref q));
                lp.AppendInteger(e.FieldCount + 3);
            }
            else
            {
                lp.AppendInteger(e.FieldCount);
                for (int f = 0; f < 2 * e.FieldCount; f++) lp.Append(StreamNode.ReadString(node, ref q));
                lp.AppendInteger(2 * e.FieldCount + 4);
            }
            pos = next;
        }
    }

    /// <summary>Reads a 16-byte big-endian stream ID (rax keys, PEL entries).</summary>
    public static StreamId ReadRawId(ReadOnlySpan<byte> b) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(b), BinaryPrimitives.ReadUInt64BigEndian(b[8..]));
}
