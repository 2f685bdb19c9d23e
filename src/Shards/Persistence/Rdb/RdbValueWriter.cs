using System.Buffers.Binary;
using TdbPlus.Resp;
using TdbPlus.Shards.Codecs;
using TdbPlus.Shards.Families.Hashes;
using TdbPlus.Shards.Families.Lists;
using TdbPlus.Shards.Families.Sets;
using TdbPlus.Shards.Families.SortedSets;
using TdbPlus.Shards.Families.Streams;

namespace TdbPlus.Shards.Persistence.Rdb;

/// <summary>
/// Serialises rich values as Redis 7.0's rdbSaveObject does for the same encoding: listpack hashes and zsets
/// as one listpack blob, intsets as their blob, hashtables as counted strings, skiplist zsets from the
/// greatest member down with binary scores, lists as quicklist nodes of listpacks, streams as listpacks.
/// </summary>
public static class RdbValueWriter
{
    [ThreadStatic]
    private static ListpackBuilder? t_listpack;

    internal static ListpackBuilder Listpack => t_listpack ??= new ListpackBuilder();

    /// <summary>The RDB type byte Redis writes for this value's type and encoding.</summary>
    public static byte TypeOf(object value) => value switch
    {
        HashObject h => h.IsPacked ? RdbConstants.TypeHashListpack : RdbConstants.TypeHash,
        SetObject s => s.IsIntSet ? RdbConstants.TypeSetIntset : RdbConstants.TypeSet,
        ZSetObject z => z.IsCompact ? RdbConstants.TypeZSetListpack : RdbConstants.TypeZSet2,
        QuickList => RdbConstants.TypeListQuicklist2,
        StreamObject => RdbConstants.TypeStreamListpacks2,
        _ when RdbModuleTypes.Find(value) is not null => RdbConstants.TypeModule2,
        _ => throw new InvalidOperationException($"no RDB encoding for {value.GetType().Name}"),
    };

    public static void WriteValue(RdbOutput o, object value, bool compress, int listFill, int listCompressDepth = 0)
    {
        switch (value)
        {
            case HashObject h: WriteHash(o, h, compress); break;
            case SetObject s: WriteSet(o, s, compress); break;
            case ZSetObject z: WriteZSet(o, z, compress); break;
            case QuickList l: QuicklistWriter.Write(o, l, compress, listFill, listCompressDepth); break;
            case StreamObject st: RdbStreamWriter.Write(o, st, compress); break;
            default: RdbModuleTypes.Write(o, value); break;
        }
    }

    private static void WriteHash(RdbOutput o, HashObject h, bool compress)
    {
        if (h.IsPacked)
        {
            var lp = Listpack;
            lp.Reset();
            foreach (var pair in h)
            {
                lp.Append(pair.Field);
                lp.Append(pair.Value);
            }
            o.WriteString(lp.Finish(), compress);
            return;
        }
        o.WriteLength((ulong)h.Count);
        foreach (var pair in h)
        {
            o.WriteString(pair.Field, compress);
            o.WriteString(pair.Value, compress);
        }
    }

    private static void WriteSet(RdbOutput o, SetObject s, bool compress)
    {
        if (s.Ints is { } ints)
        {
            int width = ints.Width;
            int size = 8 + ints.Count * width;
            byte[] blob = new byte[size];
            BinaryPrimitives.WriteUInt32LittleEndian(blob, (uint)width);
            BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(4), (uint)ints.Count);
            for (int i = 0; i < ints.Count; i++)
            {
                var slot = blob.AsSpan(8 + i * width);
                long v = ints[i];
                if (width == 2) BinaryPrimitives.WriteInt16LittleEndian(slot, (short)v);
                else if (width == 4) BinaryPrimitives.WriteInt32LittleEndian(slot, (int)v);
                else BinaryPrimitives.WriteInt64LittleEndian(slot, v);
            }
            o.WriteString(blob, compress);
            return;
        }
        var table = s.Table!;
        o.WriteLength((ulong)table.Count);
        for (int i = 0; i < table.Count; i++) o.WriteString(table.Key(i), compress);
    }

    private static void WriteZSet(RdbOutput o, ZSetObject z, bool compress)
    {
        if (z.IsCompact)
        {
            var lp = Listpack;
            lp.Reset();
            var packer = new ListpackZVisitor(lp);
            z.Walk(0, false, ref packer);
            o.WriteString(lp.Finish(), compress);
            return;
        }
        o.WriteLength((ulong)z.Count);
        var writer = new BinaryZVisitor(o, compress);
        z.Walk(z.Count - 1, true, ref writer);
    }

    private readonly struct ListpackZVisitor(ListpackBuilder lp) : IZVisitor
    {
        public bool Visit(ReadOnlySpan<byte> member, double score)
        {
            lp.Append(member);
            Span<byte> text = stackalloc byte[32];
            lp.Append(text[..DoubleFormatter.FormatG17(score, text)]);
            return true;
        }
    }

    private readonly struct BinaryZVisitor(RdbOutput o, bool compress) : IZVisitor
    {
        public bool Visit(ReadOnlySpan<byte> member, double score)
        {
            o.WriteString(member, compress);
            o.WriteBinaryDouble(score);
            return true;
        }
    }
}
