using System.Buffers.Binary;
using TdbPlus.Resp;
using TdbPlus.Shards.Codecs;
using TdbPlus.Shards.Families.Hashes;
using TdbPlus.Shards.Families.Lists;
using TdbPlus.Shards.Families.Sets;
using TdbPlus.Shards.Families.SortedSets;
using TdbPlus.Shards.Keyspace;

namespace TdbPlus.Shards.Persistence.Rdb;

/// <summary>
/// Reads one value of a given RDB type (rdbLoadObject) and builds it with the encoding the command families
/// would give it under the current limits, so OBJECT ENCODING after a load or RESTORE matches Redis's.
/// </summary>
public static class RdbValueReader
{
    /// <summary>
    /// The value; <paramref name="empty"/> when it has no elements (Redis refuses those in RESTORE and skips
    /// them in files). Input slot 0 is left alone (it may hold the key).
    /// </summary>
    public static RdbValue Read(RdbInput input, byte rdbType, RdbLimits limits, out bool empty)
    {
        empty = false;
        IKeyObject obj;
        byte type;
        switch (rdbType)
        {
            case RdbConstants.TypeString:
                return new RdbValue(input.ReadString(1));
            case RdbConstants.TypeList:
                obj = ReadPlainList(input, limits);
                type = KeyType.List;
                break;
            case RdbConstants.TypeListZiplist:
            case RdbConstants.TypeListQuicklist:
            case RdbConstants.TypeListQuicklist2:
                obj = ReadQuicklist(input, rdbType, limits);
                type = KeyType.List;
                break;
            case RdbConstants.TypeSet:
                obj = ReadPlainSet(input, limits);
                type = KeyType.Set;
                break;
            case RdbConstants.TypeSetIntset:
                obj = ReadIntset(input, limits);
                type = KeyType.Set;
                break;
            case RdbConstants.TypeZSet:
            case RdbConstants.TypeZSet2:
                obj = ReadPlainZSet(input, rdbType == RdbConstants.TypeZSet2, limits);
                type = KeyType.SortedSet;
                break;
            case RdbConstants.TypeZSetZiplist:
            case RdbConstants.TypeZSetListpack:
                obj = ReadPackedZSet(input, rdbType == RdbConstants.TypeZSetListpack, limits);
                type = KeyType.SortedSet;
                break;
            case RdbConstants.TypeHash:
                obj = ReadPlainHash(input, limits);
                type = KeyType.Hash;
                break;
            case RdbConstants.TypeHashZiplist:
            case RdbConstants.TypeHashListpack:
                obj = ReadPackedHash(input, rdbType == RdbConstants.TypeHashListpack, limits);
                type = KeyType.Hash;
                break;
            case RdbConstants.TypeHashZipmap:
                obj = ReadZipmap(input, limits);
                type = KeyType.Hash;
                break;
            case RdbConstants.TypeStreamListpacks:
            case RdbConstants.TypeStreamListpacks2:
                return new RdbValue(KeyType.Stream, RdbStreamReader.Read(input, rdbType == RdbConstants.TypeStreamListpacks2));
            case RdbConstants.TypeModule2:
                return new RdbValue(KeyType.Module, ReadModule(input));
            case RdbConstants.TypeModule:
                throw input.Error("pre-release module format (RDB_TYPE_MODULE) is not supported");
            default:
                throw input.Error($"unknown value type {rdbType}");
        }
        empty = obj switch
        {
            QuickList l => l.Count == 0,
            SetObject s => s.Count == 0,
            ZSetObject z => z.Count == 0,
            HashObject h => h.Count == 0,
            _ => false,
        };
        return new RdbValue(type, obj);
    }

    private static QuickList ReadPlainList(RdbInput input, RdbLimits limits)
    {
        int n = input.ReadCount("list element");
        var list = new QuickList(limits.ListMaxListpackSize);
        for (int i = 0; i < n; i++) list.PushTail(input.ReadString(1));
        return list;
    }

    private static QuickList ReadQuicklist(RdbInput input, byte rdbType, RdbLimits limits)
    {
        var list = new QuickList(limits.ListMaxListpackSize);
        Span<byte> scratch = stackalloc byte[24];
        int nodes = rdbType == RdbConstants.TypeListZiplist ? 1 : input.ReadCount("quicklist node");
        for (int i = 0; i < nodes; i++)
        {
            if (rdbType == RdbConstants.TypeListQuicklist2)
            {
                ulong container = input.ReadLength();
                if (container == RdbConstants.QuicklistNodePlain)
                {
                    list.PushTail(input.ReadString(1));
                    continue;
                }
                if (container != RdbConstants.QuicklistNodePacked) throw input.Error($"quicklist node container {container} is not valid");
                var lp = new ListpackReader(input.ReadString(1), scratch);
                while (lp.NextBytes(out var e)) list.PushTail(e);
                continue;
            }
            var zl = new ZiplistReader(input.ReadString(1), scratch);
            while (zl.NextBytes(out var e)) list.PushTail(e);
        }
        return list;
    }

    private static SetObject ReadPlainSet(RdbInput input, RdbLimits limits)
    {
        int n = input.ReadCount("set member");
        var set = n > limits.SetMaxIntsetEntries ? SetObject.NewTable(n) : SetObject.NewIntSet();
        for (int i = 0; i < n; i++)
        {
            if (!set.Add(input.ReadString(1), limits.SetMaxIntsetEntries)) throw input.Error("duplicate set member");
        }
        return set;
    }

    private static SetObject ReadIntset(RdbInput input, RdbLimits limits)
    {
        var blob = input.ReadString(1);
        if (blob.Length < 8) throw input.Error("intset shorter than its header");
        uint width = BinaryPrimitives.ReadUInt32LittleEndian(blob);
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(blob[4..]);
        if (width is not (2 or 4 or 8) || 8 + (long)count * width != blob.Length) throw input.Error("intset header does not match its size");
        var set = SetObject.NewIntSet();
        long prev = long.MinValue;
        for (int i = 0; i < count; i++)
        {
            var slot = blob[(8 + i * (int)width)..];
            long v = width == 2 ? BinaryPrimitives.ReadInt16LittleEndian(slot)
                : width == 4 ? BinaryPrimitives.ReadInt32LittleEndian(slot)
                : BinaryPrimitives.ReadInt64LittleEndian(slot);
            if (i > 0 && v <= prev) throw input.Error("intset members are not in ascending order");
            prev = v;
            set.AddInteger(v, limits.SetMaxIntsetEntries);
        }
        return set;
    }

    private static ZSetObject ReadPlainZSet(RdbInput input, bool binaryScores, RdbLimits limits)
    {
        int n = input.ReadCount("zset member", 2);
        var z = n > limits.ZSet.MaxEntries ? ZSetObject.CreateLarge(n) : ZSetObject.CreateCompact();
        for (int i = 0; i < n; i++)
        {
            var member = input.ReadString(1);
            double score = binaryScores ? input.ReadBinaryDouble() : input.ReadDoubleText();
            AddZMember(input, z, member, score, limits);
        }
        z.ConvertToCompactIfFits(limits.ZSet);
        return z;
    }

    private static void AddZMember(RdbInput input, ZSetObject z, ReadOnlySpan<byte> member, double score, RdbLimits limits)
    {
        if (double.IsNaN(score)) throw input.Error("zset score is NaN");
        if (z.TryGetScore(member, out _)) throw input.Error("duplicate zset member");
        z.Insert(member, score, limits.ZSet);
    }

    /// <remarks>
    /// As Redis 7.0 keeps a loaded listpack and only converts it when it has too many entries, long members
    /// do not convert here (the value limit is lifted), only the count does.
    /// </remarks>
    private static ZSetObject ReadPackedZSet(RdbInput input, bool listpack, RdbLimits limits)
    {
        limits = limits with { ZSet = limits.ZSet with { MaxValue = long.MaxValue } };
        var blob = input.ReadString(1);
        Span<byte> scratch = stackalloc byte[24];
        Span<byte> scoreScratch = stackalloc byte[24];
        var z = ZSetObject.CreateCompact();
        if (listpack)
        {
            var lp = new ListpackReader(blob, scratch);
            var scores = new ListpackReader(blob, scoreScratch);
            scores.NextBytes(out _);
            while (lp.NextBytes(out var member))
            {
                if (!scores.NextBytes(out var text)) throw input.Error("zset listpack has a member without a score");
                lp.NextBytes(out _);
                scores.NextBytes(out _);
                AddZMember(input, z, member, ParseScore(text), limits);
            }
        }
        else
        {
            var zl = new ZiplistReader(blob, scratch);
            var scores = new ZiplistReader(blob, scoreScratch);
            scores.NextBytes(out _);
            while (zl.NextBytes(out var member))
            {
                if (!scores.NextBytes(out var text)) throw input.Error("zset ziplist has a member without a score");
                zl.NextBytes(out _);
                scores.NextBytes(out _);
                AddZMember(input, z, member, ParseScore(text), limits);
            }
        }
        return z;
    }

    /// <summary>zzlStrtod: strtod over the score text.</summary>
    private static double ParseScore(ReadOnlySpan<byte> text)
    {
        CDouble.Strtod(text[..Math.Min(text.Length, 127)], out double v, out _);
        return v;
    }

    private static HashObject ReadPlainHash(RdbInput input, RdbLimits limits)
    {
        int n = input.ReadCount("hash field", 2);
        var h = new HashObject();
        if (n > limits.HashMaxListpackEntries) h.ConvertToTable();
        for (int i = 0; i < n; i++)
        {
            var field = input.ReadString(1);
            var value = input.ReadString(2);
            if (!h.Set(field, value, limits.HashMaxListpackEntries, limits.HashMaxListpackValue)) throw input.Error("duplicate hash field");
        }
        return h;
    }

    /// <remarks>Like <see cref="ReadPackedZSet"/>: only too many fields convert a loaded listpack, not long values.</remarks>
    private static HashObject ReadPackedHash(RdbInput input, bool listpack, RdbLimits limits)
    {
        var blob = input.ReadString(1);
        Span<byte> scratch = stackalloc byte[24];
        Span<byte> valueScratch = stackalloc byte[24];
        var h = new HashObject();
        if (listpack)
        {
            var fields = new ListpackReader(blob, scratch);
            var values = new ListpackReader(blob, valueScratch);
            values.NextBytes(out _);
            while (fields.NextBytes(out var field))
            {
                if (!values.NextBytes(out var value)) throw input.Error("hash listpack has a field without a value");
                fields.NextBytes(out _);
                values.NextBytes(out _);
                if (!h.Set(field, value, limits.HashMaxListpackEntries, long.MaxValue)) throw input.Error("duplicate hash field");
            }
        }
        else
        {
            var fields = new ZiplistReader(blob, scratch);
            var values = new ZiplistReader(blob, valueScratch);
            values.NextBytes(out _);
            while (fields.NextBytes(out var field))
            {
                if (!values.NextBytes(out var value)) throw input.Error("hash ziplist has a field without a value");
                fields.NextBytes(out _);
                values.NextBytes(out _);
                if (!h.Set(field, value, limits.HashMaxListpackEntries, long.MaxValue)) throw input.Error("duplicate hash field");
            }
        }
        return h;
    }

    /// <summary>The pre-2.6 zipmap hash: zmlen, then (len key len free value+free)*, 0xFF; lengths of 254 take 4 more bytes.</summary>
    private static HashObject ReadZipmap(RdbInput input, RdbLimits limits)
    {
        var zm = input.ReadString(1);
        var h = new HashObject();
        int p = 1;
        while (true)
        {
            if (p >= zm.Length) throw input.Error("zipmap without its terminator");
            if (zm[p] == 0xFF) break;
            var field = ZipmapString(input, zm, ref p, withFree: false);
            var value = ZipmapString(input, zm, ref p, withFree: true);
            if (!h.Set(field, value, limits.HashMaxListpackEntries, limits.HashMaxListpackValue)) throw input.Error("duplicate hash field");
        }
        return h;
    }

    private static ReadOnlySpan<byte> ZipmapString(RdbInput input, ReadOnlySpan<byte> zm, ref int p, bool withFree)
    {
        if (p >= zm.Length) throw input.Error("zipmap entry runs past its end");
        long len = zm[p++];
        if (len == 254)
        {
            if (p + 4 > zm.Length) throw input.Error("zipmap entry runs past its end");
            len = BinaryPrimitives.ReadUInt32LittleEndian(zm[p..]);
            p += 4;
        }
        else if (len == 255) throw input.Error("zipmap entry without a value");
        int free = 0;
        if (withFree)
        {
            if (p >= zm.Length) throw input.Error("zipmap entry runs past its end");
            free = zm[p++];
        }
        if (p + len + free > zm.Length) throw input.Error("zipmap entry runs past its end");
        var s = zm.Slice(p, (int)len);
        p += (int)len + free;
        return s;
    }

    private static IKeyObject ReadModule(RdbInput input)
    {
        ulong id = input.ReadLength();
        var type = RdbModuleTypes.FindById(id);
        string name = RdbModuleTypes.DecodeName(id, out int encver);
        if (type is null) throw input.Error($"the data holds a value of module type '{name}' (id {id}), which is not registered");
        var value = type.Load(new RdbModuleReader(input), encver);
        if (input.ReadLength() != (ulong)RdbConstants.ModuleOpEof) throw input.Error($"module type '{name}' value does not end with the EOF opcode");
        return value;
    }
}
