using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Families.Hashes;
using TdbPlus.Shards.Families.Sets;
using TdbPlus.Shards.Families.SortedSets;
using TdbPlus.Shards.Keyspace;
using TdbPlus.Shards.Storage;

namespace TdbPlus.Shards.Families;

/// <summary>
/// SORT and SORT_RO over lists, sets and sorted sets, as Redis 7.0's sortCommandGeneric: BY pattern (with
/// '*' and '->field'), BY nosort, GET patterns and '#', LIMIT, ASC/DESC, ALPHA, STORE (a list). BY/GET read
/// keys no argument names, so the commands run with every shard parked and read any key through ctx.Db.
/// </summary>
public static partial class SortFamily
{
    private const AclCategories SortCats = AclCategories.Set | AclCategories.SortedSet | AclCategories.List |
                                           AclCategories.Slow | AclCategories.Dangerous;

    public static IEnumerable<CommandDef> Commands() =>
    [
        Declare.GlobalKeyed("SORT", -2, CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.MovableKeys, 1, 1, 1,
            SortKeys, AclCategories.Write | SortCats, Sort,
            "Sort the elements in a list, set or sorted set", "1.0.0", "generic"),
        Declare.GlobalKeyed("SORT_RO", -2, CommandFlags.ReadOnly | CommandFlags.MovableKeys, 1, 1, 1,
            SortRoKeys, AclCategories.Read | SortCats, SortRo,
            "Sort the elements in a list, set or sorted set. Read-only variant of SORT.", "7.0.0", "generic"),
    ];

    /// <summary>Redis's sortGetKeys: the key to sort, then the destination of the last STORE.</summary>
    public static void SortKeys(CommandArgs args, List<int> keys)
    {
        if (args.Count < 2) return;
        keys.Add(1);
        int store = -1;
        for (int i = 2; i < args.Count; i++)
        {
            var a = args[i];
            if (CommandTable.EqualsIgnoreCase("LIMIT"u8, a)) i += 2;
            else if (CommandTable.EqualsIgnoreCase("GET"u8, a) || CommandTable.EqualsIgnoreCase("BY"u8, a)) i += 1;
            else if (CommandTable.EqualsIgnoreCase("STORE"u8, a) && i + 1 < args.Count) store = i + 1;
        }
        if (store > 0) keys.Add(store);
    }

    private static void SortRoKeys(CommandArgs args, List<int> keys)
    {
        if (args.Count >= 2) keys.Add(1);
    }

    private static void Sort(CommandContext ctx) => SortGeneric(ctx, readOnly: false);

    private static void SortRo(CommandContext ctx) => SortGeneric(ctx, readOnly: true);

    private struct Item
    {
        public byte[] Value;
        public double Score;
        public byte[]? CompareBy;
    }

    private static void SortGeneric(CommandContext ctx, bool readOnly)
    {
        bool desc = false, alpha = false, dontSort = false;
        long limitStart = 0, limitCount = -1;
        int byIndex = -1, storeIndex = -1;
        var gets = new List<int>();
        for (int j = 2; j < ctx.ArgCount; j++)
        {
            int left = ctx.ArgCount - j - 1;
            if (ctx.ArgIs(j, "ASC"u8)) desc = false;
            else if (ctx.ArgIs(j, "DESC"u8)) desc = true;
            else if (ctx.ArgIs(j, "ALPHA"u8)) alpha = true;
            else if (ctx.ArgIs(j, "LIMIT"u8) && left >= 2)
            {
                if (!ctx.TryGetLong(j + 1, out limitStart) || !ctx.TryGetLong(j + 2, out limitCount)) return;
                j += 2;
            }
            else if (!readOnly && ctx.ArgIs(j, "STORE"u8) && left >= 1) storeIndex = ++j;
            else if (ctx.ArgIs(j, "BY"u8) && left >= 1)
            {
                byIndex = ++j;
                if (CString(ctx.Arg(j)).IndexOf((byte)'*') < 0) dontSort = true;
            }
            else if (ctx.ArgIs(j, "GET"u8) && left >= 1) gets.Add(++j);
            else
            {
                ctx.SyntaxError();
                return;
            }
        }

        var key = ctx.Arg(1);
        var db = ctx.Db(key);
        nint rec = storeIndex >= 0 ? db.FindForWrite(key, ctx.Now, ctx.Session.NoTouch) : db.FindTouch(key, ctx.Now, ctx.Session.NoTouch);
        byte type = rec == 0 ? KeyType.List : Record.Type(rec);
        if (type is not (KeyType.List or KeyType.Set or KeyType.SortedSet))
        {
            ctx.WrongType();
            return;
        }
        IKeyObject? value = rec == 0 ? null : db.GetObject<IKeyObject>(rec);

        // A set has no order of its own: sort it anyway where the result must be reproducible.
        if (dontSort && type == KeyType.Set && (storeIndex >= 0 || ctx.InScript))
        {
            dontSort = false;
            alpha = true;
            byIndex = -1;
        }

        long length = value switch
        {
            SetObject set => set.Count,
            ZSetObject zset => zset.Count,
            null => 0,
            _ => ListLength(value),
        };
        long start = limitStart < 0 ? 0 : limitStart;
        long end = limitCount < 0 ? length - 1 : start + limitCount - 1;
        if (start >= length)
        {
            start = length - 1;
            end = length - 2;
        }
        if (end >= length) end = length - 1;

        var items = new List<Item>();
        if (value is not null)
        {
            if (dontSort && type != KeyType.Set)
            {
                // Lists and sorted sets keep their order: load just the range, from the tail when DESC.
                if (end >= start) LoadRange(value, desc, start, end - start + 1, items);
                end -= start;
                start = 0;
            }
            else LoadAll(value, items);
        }

        bool conversionError = false;
        if (!dontSort)
        {
            var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(items);
            for (int j = 0; j < span.Length; j++)
            {
                byte[]? by;
                if (byIndex >= 0)
                {
                    by = LookupByPattern(ctx, ctx.Arg(byIndex), span[j].Value);
                    if (by is null) continue;
                }
                else by = span[j].Value;
                if (alpha)
                {
                    if (byIndex >= 0) span[j].CompareBy = by;
                }
                else if (!TryParseScore(by, out span[j].Score)) conversionError = true;
            }
            var comparer = new ItemComparer(desc, alpha, byIndex >= 0);
            items.Sort(comparer);
        }

        long outputLength = gets.Count > 0 ? gets.Count * (end - start + 1) : end - start + 1;
        if (conversionError)
        {
            ctx.Error("ERR One or more scores can't be converted into double");
            return;
        }
        if (storeIndex < 0)
        {
            ctx.Reply.ArrayHeader((int)outputLength);
            for (long j = start; j <= end; j++)
            {
                var element = items[(int)j].Value;
                if (gets.Count == 0) ctx.Reply.Bulk(element);
                foreach (int g in gets)
                {
                    var v = LookupByPattern(ctx, ctx.Arg(g), element);
                    if (v is null) ctx.Reply.NullBulk();
                    else ctx.Reply.Bulk(v);
                }
            }
            return;
        }
        var result = new List<byte[]>((int)Math.Max(0, outputLength));
        for (long j = start; j <= end; j++)
        {
            var element = items[(int)j].Value;
            if (gets.Count == 0) result.Add(element);
            foreach (int g in gets) result.Add(LookupByPattern(ctx, ctx.Arg(g), element) ?? []);
        }
        var storeKey = ctx.Arg(storeIndex);
        var storeDb = ctx.Db(storeKey);
        if (outputLength > 0)
        {
            StoreList(ctx, storeDb, storeKey, result);
            ctx.Notify(NotifyClass.List, "sortstore", storeKey);
        }
        else if (storeDb.Delete(storeKey)) ctx.Notify(NotifyClass.Generic, "del", storeKey);
        ctx.Reply.Integer(outputLength);
    }

    private static void LoadAll(IKeyObject value, List<Item> items)
    {
        switch (value)
        {
            case SetObject set:
            {
                var scratch = new byte[SetObject.ScratchSize];
                for (int i = 0; i < set.Count; i++) items.Add(new Item { Value = set.At(i, scratch).ToArray() });
                break;
            }
            case ZSetObject zset:
                for (int i = 0; i < zset.Count; i++) items.Add(new Item { Value = zset.MemberAt(i, out _).ToArray() });
                break;
            default:
                LoadListRange(value, false, 0, ListLength(value), items);
                break;
        }
    }

    private static void LoadRange(IKeyObject value, bool desc, long start, long count, List<Item> items)
    {
        if (value is ZSetObject zset)
        {
            int n = zset.Count;
            for (long k = 0; k < count; k++)
            {
                long rank = desc ? n - 1 - start - k : start + k;
                if (rank < 0 || rank >= n) break;
                items.Add(new Item { Value = zset.MemberAt((int)rank, out _).ToArray() });
            }
            return;
        }
        LoadListRange(value, desc, start, count, items);
    }

    /// <summary>The bytes of a C string: up to the first NUL, as strchr/strstr see an sds.</summary>
    private static ReadOnlySpan<byte> CString(ReadOnlySpan<byte> s)
    {
        int nul = s.IndexOf((byte)0);
        return nul < 0 ? s : s[..nul];
    }

    /// <summary>
    /// Redis's lookupKeyByPattern: "#" is the element itself; else the first '*' takes the element and the
    /// string at that key is the value, or with "->field" after the '*' that field of the hash there. Null
    /// when there is no '*', no such key, or a key of another type.
    /// </summary>
    internal static byte[]? LookupByPattern(CommandContext ctx, ReadOnlySpan<byte> pattern, byte[] element)
    {
        var spat = CString(pattern);
        if (spat.Length == 1 && spat[0] == '#' ) return element;
        int star = spat.IndexOf((byte)'*');
        if (star < 0) return null;
        int arrow = spat[(star + 1)..].IndexOf("->"u8);
        ReadOnlySpan<byte> field = default;
        bool hasField = false;
        int postfixEnd = pattern.Length;
        if (arrow >= 0 && star + 1 + arrow + 2 < spat.Length)
        {
            hasField = true;
            postfixEnd = star + 1 + arrow;
            field = pattern[(postfixEnd + 2)..];
        }
        var sub = CString(element);
        var key = new byte[star + sub.Length + (postfixEnd - star - 1)];
        pattern[..star].CopyTo(key);
        sub.CopyTo(key.AsSpan(star));
        pattern[(star + 1)..postfixEnd].CopyTo(key.AsSpan(star + sub.Length));
        var db = ctx.Db(key);
        nint rec = db.FindTouch(key, ctx.Now, ctx.Session.NoTouch);
        if (rec == 0) return null;
        if (hasField)
        {
            if (Record.Type(rec) != KeyType.Hash) return null;
            return db.GetObject<HashObject>(rec).TryGet(CString(field), out var v) ? v.ToArray() : null;
        }
        return Record.Type(rec) == KeyType.String ? Record.Value(rec).ToArray() : null;
    }

    /// <summary>strtod over the C string, as SORT checks it: all of it consumed, no ERANGE, no NaN.</summary>
    private static bool TryParseScore(byte[] text, out double score)
    {
        var s = CString(text);
        int n = CDouble.Strtod(s, out score, out bool erange);
        if (n != s.Length) return false;
        return !erange && !double.IsNaN(score);
    }

    private sealed class ItemComparer(bool desc, bool alpha, bool byPattern) : IComparer<Item>
    {
        public int Compare(Item a, Item b)
        {
            int cmp;
            if (!alpha)
            {
                if (a.Score > b.Score) cmp = 1;
                else if (a.Score < b.Score) cmp = -1;
                else cmp = a.Value.AsSpan().SequenceCompareTo(b.Value);
            }
            else if (byPattern)
            {
                if (a.CompareBy is null || b.CompareBy is null)
                    cmp = a.CompareBy == b.CompareBy ? 0 : a.CompareBy is null ? -1 : 1;
                else cmp = a.CompareBy.AsSpan().SequenceCompareTo(b.CompareBy);
            }
            else cmp = a.Value.AsSpan().SequenceCompareTo(b.Value);
            cmp = Math.Sign(cmp);
            return desc ? -cmp : cmp;
        }
    }
}
