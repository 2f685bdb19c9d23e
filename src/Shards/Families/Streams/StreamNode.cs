using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace TdbPlus.Shards.Families.Streams;

/// <summary>
/// The packed byte layout of one stream node (Redis's listpack of stream entries, in TDB+'s own encoding):
/// <code>
/// header:  used:int32 live:int32 deleted:int32 lpBytes:int32 entriesStart:int32
/// master:  fieldCount:varint (len:varint bytes)*     -- the field names of the node's first entry
/// entry*:  flags:byte msDelta:varint seqDelta:zigzag-varint
///          [fieldCount:varint (field value)*]        -- when flags has no SameFields bit
///          [value*]                                  -- with SameFields: one value per master field
/// </code>
/// IDs are deltas from the node's master ID (its first entry's ID, also its key in the node index); strings
/// are a varint length and the bytes. Deleted entries stay in place with the Deleted flag, as in Redis.
/// </summary>
internal static class StreamNode
{
    public const byte FlagDeleted = 1;
    public const byte FlagSameFields = 2;

    private const int UsedOffset = 0;
    private const int LiveOffset = 4;
    private const int DeletedOffset = 8;
    private const int LpBytesOffset = 12;
    private const int EntriesStartOffset = 16;
    public const int HeaderSize = 20;

    public static int Used(byte[] node) => BinaryPrimitives.ReadInt32LittleEndian(node.AsSpan(UsedOffset));
    public static void SetUsed(byte[] node, int v) => BinaryPrimitives.WriteInt32LittleEndian(node.AsSpan(UsedOffset), v);
    public static int Live(byte[] node) => BinaryPrimitives.ReadInt32LittleEndian(node.AsSpan(LiveOffset));
    public static void SetLive(byte[] node, int v) => BinaryPrimitives.WriteInt32LittleEndian(node.AsSpan(LiveOffset), v);
    public static int Deleted(byte[] node) => BinaryPrimitives.ReadInt32LittleEndian(node.AsSpan(DeletedOffset));
    public static void SetDeleted(byte[] node, int v) => BinaryPrimitives.WriteInt32LittleEndian(node.AsSpan(DeletedOffset), v);
    public static int LpBytes(byte[] node) => BinaryPrimitives.ReadInt32LittleEndian(node.AsSpan(LpBytesOffset));
    public static void SetLpBytes(byte[] node, int v) => BinaryPrimitives.WriteInt32LittleEndian(node.AsSpan(LpBytesOffset), v);
    public static int EntriesStart(byte[] node) => BinaryPrimitives.ReadInt32LittleEndian(node.AsSpan(EntriesStartOffset));
    public static void SetEntriesStart(byte[] node, int v) => BinaryPrimitives.WriteInt32LittleEndian(node.AsSpan(EntriesStartOffset), v);

    /// <summary>Master field count and the offset of the first master field.</summary>
    public static int MasterFields(byte[] node, out int fieldsOffset)
    {
        int p = HeaderSize;
        int n = (int)ReadVarint(node, ref p);
        fieldsOffset = p;
        return n;
    }

    // ---- varints ----

    public static int VarintSize(ulong v)
    {
        int n = 1;
        while (v >= 0x80)
        {
            v >>= 7;
            n++;
        }
        return n;
    }

    public static void WriteVarint(byte[] buf, ref int p, ulong v)
    {
        while (v >= 0x80)
        {
            buf[p++] = (byte)(v | 0x80);
            v >>= 7;
        }
        buf[p++] = (byte)v;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong ReadVarint(byte[] buf, ref int p)
    {
        byte b = buf[p++];
        if (b < 0x80) return b;
        ulong v = (ulong)(b & 0x7F);
        int shift = 7;
        while (true)
        {
            b = buf[p++];
            v |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return v;
            shift += 7;
        }
    }

    public static ulong ZigZag(long v) => (ulong)((v << 1) ^ (v >> 63));

    public static long UnZigZag(ulong v) => (long)(v >> 1) ^ -(long)(v & 1);

    /// <summary>Reads a length-prefixed string.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<byte> ReadString(byte[] buf, scoped ref int p)
    {
        int len = (int)ReadVarint(buf, ref p);
        var s = new ReadOnlySpan<byte>(buf, p, len);
        p += len;
        return s;
    }

    public static void SkipString(byte[] buf, ref int p)
    {
        int len = (int)ReadVarint(buf, ref p);
        p += len;
    }

    public static int StringSize(int len) => VarintSize((ulong)len) + len;

    public static void WriteString(byte[] buf, ref int p, ReadOnlySpan<byte> s)
    {
        WriteVarint(buf, ref p, (ulong)s.Length);
        s.CopyTo(buf.AsSpan(p));
        p += s.Length;
    }

    // ---- entries ----

    /// <summary>
    /// Decodes the entry at <paramref name="pos"/>: its flags, ID, field count and where its body starts;
    /// returns the offset just past the entry.
    /// </summary>
    public static int ReadEntry(byte[] node, int pos, in StreamId master, int masterFieldCount, out EntryHeader e)
    {
        int p = pos;
        byte flags = node[p++];
        ulong msDelta = ReadVarint(node, ref p);
        long seqDelta = UnZigZag(ReadVarint(node, ref p));
        int fields;
        if ((flags & FlagSameFields) != 0) fields = masterFieldCount;
        else fields = (int)ReadVarint(node, ref p);
        e = new EntryHeader(pos, flags, new StreamId(master.Ms + msDelta, master.Seq + (ulong)seqDelta), fields, p);
        int strings = (flags & FlagSameFields) != 0 ? fields : fields * 2;
        for (int i = 0; i < strings; i++) SkipString(node, ref p);
        return p;
    }

    /// <summary>Only the ID of the entry at <paramref name="pos"/> (no skipping of its body).</summary>
    public static StreamId ReadId(byte[] node, int pos, in StreamId master)
    {
        int p = pos + 1;
        ulong msDelta = ReadVarint(node, ref p);
        long seqDelta = UnZigZag(ReadVarint(node, ref p));
        return new StreamId(master.Ms + msDelta, master.Seq + (ulong)seqDelta);
    }
}

/// <summary>Where one decoded entry sits in its node.</summary>
internal readonly record struct EntryHeader(int Offset, byte Flags, StreamId Id, int FieldCount, int BodyOffset)
{
    public bool IsDeleted => (Flags & StreamNode.FlagDeleted) != 0;

    public bool SameFields => (Flags & StreamNode.FlagSameFields) != 0;
}
