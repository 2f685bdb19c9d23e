using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Keyspace;
using TdbPlus.Shards.Storage;

namespace TdbPlus.Shards.Families;

/// <summary>
/// Blocking commands: BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP. Each validates its arguments, then serves like its
/// non-blocking twin; when every key is missing it names the keys it waits on and blocks, writing no reply.
/// The engine runs it again (<see cref="CommandContext.Serving"/>) when one of those keys is fed.
/// </summary>
public static partial class ListFamily
{
    private static void BLPop(CommandContext ctx) => BlockingPop(ctx, head: true, 1, ctx.ArgCount - 2, ctx.ArgCount - 1, count: -1);

    private static void BRPop(CommandContext ctx) => BlockingPop(ctx, head: false, 1, ctx.ArgCount - 2, ctx.ArgCount - 1, count: -1);

    private static void BLMPop(CommandContext ctx) => MPopGeneric(ctx, numKeysIndex: 2, blocking: true);

    /// <summary>
    /// Redis's blockingPopGenericCommand over keys [<paramref name="firstKey"/>, <paramref name="lastKey"/>]:
    /// count -1 replies [key, element] (BLPOP), otherwise [key, [elements]] (BLMPOP); the timeout reply is a null array.
    /// </summary>
    private static void BlockingPop(CommandContext ctx, bool head, int firstKey, int lastKey, int timeoutIndex, long count)
    {
        if (!BlockingTimeout.TryParse(ctx, timeoutIndex, out long timeoutMs)) return;
        for (int j = firstKey; j <= lastKey; j++)
        {
            var key = ctx.Arg(j);
            // Served on the shard of a fed key: keys elsewhere are not here (and were empty when it blocked).
            if (!ctx.IsLocal(key)) continue;
            var db = ctx.Db(key);
            nint rec = db.FindForWrite(key, ctx.Now, ctx.Session.NoTouch);
            if (rec == 0) continue;
            if (Record.Type(rec) != KeyType.List)
            {
                // While serving, Redis 7.0 only serves a waiter from keys of the type it waits for.
                if (ctx.Serving) continue;
                ctx.WrongType();
                return;
            }
            var list = db.GetObject<Lists.QuickList>(rec);
            if (count != -1)
            {
                PopRangeWithKey(ctx, db, key, list, head, count);
                return;
            }
            long before = list.MemoryBytes;
            ctx.Reply.ArrayHeader(2);
            ctx.Reply.Bulk(key);
            ctx.Reply.Bulk(list.Peek(head));
            if (head) list.RemoveHead();
            else list.RemoveTail();
            ElementsRemoved(ctx, db, key, list, before, head);
            return;
        }
        for (int j = firstKey; j <= lastKey; j++) ctx.AddBlockingKey(j);
        ctx.Block(timeoutMs, timeoutReplyIsNullArray: true, servesPerShard: true);
    }

    private static void BLMove(CommandContext ctx)
    {
        if (!TryGetEnd(ctx, 3, out bool fromHead) || !TryGetEnd(ctx, 4, out bool toHead)) return;
        if (!BlockingTimeout.TryParse(ctx, 5, out long timeoutMs)) return;
        BlockingMove(ctx, fromHead, toHead, timeoutMs);
    }

    private static void BRPopLPush(CommandContext ctx)
    {
        if (!BlockingTimeout.TryParse(ctx, 3, out long timeoutMs)) return;
        BlockingMove(ctx, fromHead: false, toHead: true, timeoutMs);
    }

    /// <summary>
    /// Redis's blmoveGenericCommand: LMOVE when the source has elements, else block on it. Redis 7.0 answers a
    /// timeout with a null array (as every list block), but a client that may not block (MULTI) with a null bulk.
    /// </summary>
    private static void BlockingMove(CommandContext ctx, bool fromHead, bool toHead, long timeoutMs)
    {
        if (ctx.Continuation is MoveContinuation next)
        {
            ContinueMove(ctx, next);
            return;
        }
        var key = ctx.Arg(1);
        var db = ctx.Db(key);
        nint rec = db.FindForWrite(key, ctx.Now, ctx.Session.NoTouch);
        if (rec != 0 && Record.Type(rec) != KeyType.List && !ctx.Serving)
        {
            ctx.WrongType();
            return;
        }
        if (rec != 0 && Record.Type(rec) == KeyType.List)
        {
            var dstKey = ctx.Arg(2);
            if (ctx.IsLocal(dstKey))
            {
                MoveGeneric(ctx, fromHead, toHead);
                return;
            }
            // Served on the source's shard with the destination elsewhere: pop here, push there.
            var src = db.GetObject<Lists.QuickList>(rec);
            long before = src.MemoryBytes;
            byte[] value = src.Pop(fromHead);
            ElementsRemoved(ctx, db, key, src, before, fromHead);
            // Logged as the two halves it runs as: the pop here, the push on the destination's shard.
            if (ctx.Effects is { } effects)
            {
                effects.Begin(2);
                effects.Arg(fromHead ? "LPOP"u8 : "RPOP"u8);
                effects.Arg(key);
            }
            ctx.ContinueOn(dstKey, new MoveContinuation(value, fromHead, toHead, PushBack: false));
            return;
        }
        if (!ctx.Session.BlockingAllowed)
        {
            ctx.Reply.NullBulk();
            return;
        }
        ctx.AddBlockingKey(1);
        ctx.Block(timeoutMs, timeoutReplyIsNullArray: true, servesPerShard: true);
    }

    /// <summary>An element a served BLMOVE popped on one shard, on its way to the destination (or back).</summary>
    private sealed record MoveContinuation(byte[] Value, bool FromHead, bool ToHead, bool PushBack);

    /// <summary>
    /// The destination half of a BLMOVE served across shards: push and reply the element, or, when the
    /// destination is no list, reply WRONGTYPE and put the element back at the source's end (as Redis 7.0 does).
    /// </summary>
    private static void ContinueMove(CommandContext ctx, MoveContinuation move)
    {
        var key = ctx.Arg(move.PushBack ? 1 : 2);
        var db = ctx.Db(key);
        nint rec = db.FindForWrite(key, ctx.Now, ctx.Session.NoTouch);
        if (rec != 0 && Record.Type(rec) != KeyType.List)
        {
            if (move.PushBack) return; // The source changed type meanwhile: nowhere to put it back.
            ctx.WrongType();
            ctx.ContinueOn(ctx.Arg(1), move with { PushBack = true });
            return;
        }
        bool head = move.PushBack ? move.FromHead : move.ToHead;
        if (rec == 0)
        {
            var list = NewList(ctx);
            list.Push(move.Value, head);
            Create(ctx, db, key, list);
        }
        else
        {
            var list = db.GetObject<Lists.QuickList>(rec);
            long before = list.MemoryBytes;
            list.Push(move.Value, head);
            db.ObjectResized(before, list);
            db.SignalKeyReady(key);
        }
        ctx.Notify(NotifyClass.List, head ? "lpush" : "rpush", key);
        if (ctx.Effects is { } effects)
        {
            effects.Begin(3);
            effects.Arg(head ? "LPUSH"u8 : "RPUSH"u8);
            effects.Arg(key);
            effects.Arg(move.Value);
        }
        if (!move.PushBack) ctx.Reply.Bulk(move.Value);
    }
}
