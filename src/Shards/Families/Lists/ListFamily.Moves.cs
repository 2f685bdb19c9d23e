using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Keyspace;
using TdbPlus.Shards.Families.Lists;

namespace TdbPlus.Shards.Families;

/// <summary>Commands that pop from one list and push to another, or pop from the first non-empty of many: LMOVE RPOPLPUSH LMPOP.</summary>
public static partial class ListFamily
{
    private static void LMove(CommandContext ctx)
    {
        if (!TryGetEnd(ctx, 3, out bool fromHead) || !TryGetEnd(ctx, 4, out bool toHead)) return;
        MoveGeneric(ctx, fromHead, toHead);
    }

    private static void RPopLPush(CommandContext ctx) => MoveGeneric(ctx, fromHead: false, toHead: true);

    /// <summary>Redis's lmoveGenericCommand: source (arg 1) to destination (arg 2), which may be the same list.</summary>
    private static void MoveGeneric(CommandContext ctx, bool fromHead, bool toHead)
    {
        var srcKey = ctx.Arg(1);
        var srcDb = ctx.Db(srcKey);
        if (!TryGetForWrite(ctx, srcDb, srcKey, out var src)) return;
        if (src is null)
        {
            ctx.Reply.NullBulk();
            return;
        }
        var dstKey = ctx.Arg(2);
        var dstDb = ctx.Db(dstKey);
        if (!TryGetForWrite(ctx, dstDb, dstKey, out var dst)) return;
        long srcBefore = src.MemoryBytes;
        byte[] value = src.Pop(fromHead);
        if (ReferenceEquals(src, dst))
        {
            src.Push(value, toHead);
            srcDb.ObjectResized(srcBefore, src);
            srcDb.SignalKeyReady(srcKey);
            ctx.Notify(NotifyClass.List, toHead ? "lpush" : "rpush", dstKey);
            ctx.Reply.Bulk(value);
            ctx.Notify(NotifyClass.List, fromHead ? "lpop" : "rpop", srcKey);
            return;
        }
        if (dst is null)
        {
            dst = NewList(ctx);
            dst.Push(value, toHead);
            Create(ctx, dstDb, dstKey, dst);
        }
        else
        {
            long dstBefore = dst.MemoryBytes;
            dst.Push(value, toHead);
            dstDb.ObjectResized(dstBefore, dst);
            dstDb.SignalKeyReady(dstKey);
        }
        ctx.Notify(NotifyClass.List, toHead ? "lpush" : "rpush", dstKey);
        ctx.Reply.Bulk(value);
        ElementsRemoved(ctx, srcDb, srcKey, src, srcBefore, fromHead);
    }

    private static void LMPop(CommandContext ctx) => MPopGeneric(ctx, numKeysIndex: 1, blocking: false);

    /// <summary>
    /// Redis's lmpopGenericCommand: numkeys, the keys, LEFT|RIGHT, then COUNT n; BLMPOP parses its timeout
    /// (argument 1) only after those.
    /// </summary>
    private static void MPopGeneric(CommandContext ctx, int numKeysIndex, bool blocking)
    {
        if (!NumberParser.TryParseInt64(ctx.Arg(numKeysIndex), out long numKeys) || numKeys < 1)
        {
            ctx.Error("ERR numkeys should be greater than 0");
            return;
        }
        if (numKeys >= ctx.ArgCount - numKeysIndex - 1)
        {
            ctx.SyntaxError();
            return;
        }
        int whereIndex = numKeysIndex + (int)numKeys + 1;
        if (!TryGetEnd(ctx, whereIndex, out bool head)) return;
        long count = -1;
        for (int j = whereIndex + 1; j < ctx.ArgCount; j++)
        {
            bool moreArgs = ctx.ArgCount - 1 - j > 0;
            if (count == -1 && ctx.ArgIs(j, "COUNT"u8) && moreArgs)
            {
                j++;
                if (!NumberParser.TryParseInt64(ctx.Arg(j), out count) || count < 1)
                {
                    ctx.Error("ERR count should be greater than 0");
                    return;
                }
            }
            else
            {
                ctx.SyntaxError();
                return;
            }
        }
        if (count == -1) count = 1;
        if (blocking)
        {
            BlockingPop(ctx, head, numKeysIndex + 1, whereIndex - 1, timeoutIndex: 1, count);
            return;
        }
        for (int j = numKeysIndex + 1; j < whereIndex; j++)
        {
            var key = ctx.Arg(j);
            var db = ctx.Db(key);
            if (!TryGetForWrite(ctx, db, key, out var list)) return;
            if (list is null) continue;
            PopRangeWithKey(ctx, db, key, list, head, count);
            return;
        }
        ctx.Reply.NullArray();
    }

    /// <summary>The [key, [elements...]] reply of LMPOP/BLMPOP; removes what it replies and deletes an emptied key.</summary>
    private static void PopRangeWithKey(CommandContext ctx, Keyspace.Database db, ReadOnlySpan<byte> key, QuickList list,
        bool head, long count)
    {
        long before = list.MemoryBytes;
        ctx.Reply.ArrayHeader(2);
        ctx.Reply.Bulk(key);
        PopRangeReply(ctx, list, head, count);
        ElementsRemoved(ctx, db, key, list, before, head);
    }
}
