using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Keyspace;
using TdbPlus.Shards.Families.Lists;

namespace TdbPlus.Shards.Families;

/// <summary>Index and range commands: LRANGE LINDEX LSET LINSERT LREM LTRIM LPOS.</summary>
public static partial class ListFamily
{
    private static void LRange(CommandContext ctx)
    {
        if (!ctx.TryGetLong(2, out long start) || !ctx.TryGetLong(3, out long end)) return;
        var key = ctx.Arg(1);
        if (!TryGetForRead(ctx, ctx.Db(key), key, out var list)) return;
        if (list is null)
        {
            ctx.Reply.EmptyArray();
            return;
        }
        long len = list.Count;
        if (!NormalizeRange(ref start, ref end, len))
        {
            ctx.Reply.EmptyArray();
            return;
        }
        long n = end - start + 1;
        ctx.Reply.ArrayHeader((int)n);
        var c = list.Seek(start);
        for (long i = 0; i < n; i++)
        {
            ctx.Reply.Bulk(list.At(c));
            list.MoveNext(ref c);
        }
    }

    /// <summary>Redis's range rules (negative from the end, clamped); false when the range is empty.</summary>
    private static bool NormalizeRange(ref long start, ref long end, long len)
    {
        if (start < 0) start += len;
        if (end < 0) end += len;
        if (start < 0) start = 0;
        if (start > end || start >= len) return false;
        if (end >= len) end = len - 1;
        return true;
    }

    private static void LIndex(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        if (!TryGetForRead(ctx, ctx.Db(key), key, out var list)) return;
        if (list is null)
        {
            ctx.Reply.NullBulk();
            return;
        }
        if (!ctx.TryGetLong(2, out long index)) return;
        if (index < 0) index += list.Count;
        if (index < 0 || index >= list.Count) ctx.Reply.NullBulk();
        else ctx.Reply.Bulk(list.Get(index));
    }

    private static void LSet(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        var db = ctx.Db(key);
        if (!TryGetForWrite(ctx, db, key, out var list)) return;
        if (list is null)
        {
            ctx.Error(Errors.NoSuchKey);
            return;
        }
        if (!ctx.TryGetLong(2, out long index)) return;
        if (index < 0) index += list.Count;
        if (index < 0 || index >= list.Count)
        {
            ctx.Error("ERR index out of range");
            return;
        }
        long before = list.MemoryBytes;
        list.ReplaceAt(list.Seek(index), ctx.Arg(3));
        db.ObjectResized(before, list);
        ctx.Reply.Ok();
        ctx.Notify(NotifyClass.List, "lset", key);
    }

    private static void LInsert(CommandContext ctx)
    {
        bool after;
        if (ctx.ArgIs(2, "AFTER"u8)) after = true;
        else if (ctx.ArgIs(2, "BEFORE"u8)) after = false;
        else
        {
            ctx.SyntaxError();
            return;
        }
        var key = ctx.Arg(1);
        var db = ctx.Db(key);
        if (!TryGetForWrite(ctx, db, key, out var list)) return;
        if (list is null)
        {
            ctx.Reply.Integer(0);
            return;
        }
        var pivot = ctx.Arg(3);
        var c = list.Seek(0);
        do
        {
            if (!list.At(c).SequenceEqual(pivot)) continue;
            long before = list.MemoryBytes;
            list.InsertAt(c, after, ctx.Arg(4));
            db.ObjectResized(before, list);
            db.SignalKeyReady(key);
            ctx.Notify(NotifyClass.List, "linsert", key);
            ctx.Reply.Integer(list.Count);
            return;
        }
        while (list.MoveNext(ref c));
        ctx.Reply.Integer(-1);
    }

    private static void LRem(CommandContext ctx)
    {
        if (!ctx.TryGetLong(2, out long toRemove)) return;
        var key = ctx.Arg(1);
        var db = ctx.Db(key);
        if (!TryGetForWrite(ctx, db, key, out var list)) return;
        if (list is null)
        {
            ctx.Reply.Integer(0);
            return;
        }
        var element = ctx.Arg(3);
        long before = list.MemoryBytes;
        long removed = 0;
        bool forward = toRemove >= 0;
        // |LONG_MIN| does not fit: unchecked negation keeps it negative, and then no count limits the removal.
        long limit = forward ? toRemove : -toRemove;
        var c = list.Seek(forward ? 0 : list.Count - 1);
        bool more = true;
        while (more)
        {
            if (list.At(c).SequenceEqual(element))
            {
                more = list.RemoveAt(ref c, forward);
                removed++;
                if (limit > 0 && removed == limit) break;
            }
            else more = forward ? list.MoveNext(ref c) : list.MovePrev(ref c);
        }
        if (removed > 0)
        {
            if (list.Count > 0) list.Compact();
            ctx.Notify(NotifyClass.List, "lrem", key);
            AfterRemoval(ctx, db, key, list, before);
        }
        ctx.Reply.Integer(removed);
    }

    private static void LTrim(CommandContext ctx)
    {
        if (!ctx.TryGetLong(2, out long start) || !ctx.TryGetLong(3, out long end)) return;
        var key = ctx.Arg(1);
        var db = ctx.Db(key);
        if (!TryGetForWrite(ctx, db, key, out var list)) return;
        if (list is null)
        {
            ctx.Reply.Ok();
            return;
        }
        long len = list.Count;
        long before = list.MemoryBytes;
        if (!NormalizeRange(ref start, ref end, len))
        {
            list.RemoveRange(0, len);
        }
        else
        {
            list.RemoveRange(end + 1, len - end - 1);
            list.RemoveRange(0, start);
            if (start > 0 || end < len - 1) list.Compact();
        }
        ctx.Notify(NotifyClass.List, "ltrim", key);
        AfterRemoval(ctx, db, key, list, before);
        ctx.Reply.Ok();
    }

    private static void LPos(CommandContext ctx)
    {
        long rank = 1, count = -1, maxLen = 0;
        for (int j = 3; j < ctx.ArgCount; j++)
        {
            bool moreArgs = ctx.ArgCount - 1 - j > 0;
            if (ctx.ArgIs(j, "RANK"u8) && moreArgs)
            {
                j++;
                if (!ctx.TryGetLong(j, out rank)) return;
                if (rank == 0)
                {
                    ctx.Error("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... " +
                        "or use negative to start from the end of the list");
                    return;
                }
            }
            else if (ctx.ArgIs(j, "COUNT"u8) && moreArgs)
            {
                j++;
                if (!NumberParser.TryParseInt64(ctx.Arg(j), out count) || count < 0)
                {
                    ctx.Error("ERR COUNT can't be negative");
                    return;
                }
            }
            else if (ctx.ArgIs(j, "MAXLEN"u8) && moreArgs)
            {
                j++;
                if (!NumberParser.TryParseInt64(ctx.Arg(j), out maxLen) || maxLen < 0)
                {
                    ctx.Error("ERR MAXLEN can't be negative");
                    return;
                }
            }
            else
            {
                ctx.SyntaxError();
                return;
            }
        }
        bool fromTail = rank < 0;
        // Redis negates LONG_MIN into itself: every match then counts as reaching the rank.
        if (fromTail) rank = unchecked(-rank);

        var key = ctx.Arg(1);
        if (!TryGetForRead(ctx, ctx.Db(key), key, out var list)) return;
        if (list is null)
        {
            if (count != -1) ctx.Reply.EmptyArray();
            else ctx.Reply.NullBulk();
            return;
        }
        var element = ctx.Arg(2);
        int deferred = count != -1 ? ctx.Reply.BeginDeferred() : -1;
        long len = list.Count;
        long index = 0, matches = 0, matchIndex = -1;
        int emitted = 0;
        var c = list.Seek(fromTail ? len - 1 : 0);
        bool more = true;
        while (more && (maxLen == 0 || index < maxLen))
        {
            if (list.At(c).SequenceEqual(element))
            {
                matches++;
                matchIndex = fromTail ? len - index - 1 : index;
                if (matches >= rank)
                {
                    if (deferred < 0) break;
                    emitted++;
                    ctx.Reply.Integer(matchIndex);
                    if (count != 0 && matches - rank + 1 >= count) break;
                }
            }
            index++;
            matchIndex = -1;
            more = fromTail ? list.MovePrev(ref c) : list.MoveNext(ref c);
        }
        if (deferred >= 0) ctx.Reply.EndDeferredArray(deferred, emitted);
        else if (matchIndex != -1) ctx.Reply.Integer(matchIndex);
        else ctx.Reply.NullBulk();
    }
}
