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
            AfterRemoval(db, key, list, before);
            return;
        }
        for (int j = firstKey; j <= lastKey; j++) ctx.AddBlockingKey(j);
        ctx.Block(timeoutMs, timeoutReplyIsNullArray: true);
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

    /// <summary>Redis's blmoveGenericCommand: LMOVE when the source has elements, else block on it (timeout reply: null bulk).</summary>
    private static void BlockingMove(CommandContext ctx, bool fromHead, bool toHead, long timeoutMs)
    {
        var key = ctx.Arg(1);
        nint rec = ctx.Db(key).FindForWrite(key, ctx.Now, ctx.Session.NoTouch);
        if (rec != 0 && Record.Type(rec) != KeyType.List && !ctx.Serving)
        {
            ctx.WrongType();
            return;
        }
        if (rec != 0 && Record.Type(rec) == KeyType.List)
        {
            MoveGeneric(ctx, fromHead, toHead);
            return;
        }
        ctx.AddBlockingKey(1);
        ctx.Block(timeoutMs, timeoutReplyIsNullArray: false);
    }
}
