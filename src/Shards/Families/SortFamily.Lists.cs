using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Families.Lists;
using TdbPlus.Shards.Keyspace;

namespace TdbPlus.Shards.Families;

/// <summary>SORT's list side: reading a list (or a range of it, from either end) and STORE's result list.</summary>
public static partial class SortFamily
{
    private static long ListLength(IKeyObject value) => ((QuickList)value).Count;

    /// <summary>
    /// <paramref name="count"/> elements from <paramref name="start"/>, counted from the head, or from the tail
    /// walking backwards when <paramref name="desc"/> (BY nosort DESC keeps the list's order reversed).
    /// </summary>
    private static void LoadListRange(IKeyObject value, bool desc, long start, long count, List<Item> items)
    {
        var list = (QuickList)value;
        if (count <= 0 || start >= list.Count) return;
        var c = list.Seek(desc ? list.Count - 1 - start : start);
        for (long k = 0; k < count; k++)
        {
            items.Add(new Item { Value = list.At(c).ToArray() });
            if (!(desc ? list.MovePrev(ref c) : list.MoveNext(ref c))) break;
        }
    }

    /// <summary>STORE: the result replaces whatever the destination held, as a list (Redis's setKey).</summary>
    private static void StoreList(CommandContext ctx, Database db, ReadOnlySpan<byte> key, List<byte[]> values)
    {
        var list = new QuickList(ctx.Engine.Config.ListMaxListpackSize);
        foreach (var v in values) list.PushTail(v);
        db.CreateObject(key, KeyType.List, list, 0, ctx.Now);
    }
}
