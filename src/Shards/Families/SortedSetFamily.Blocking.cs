using TdbPlus.Shards.Commands;

namespace TdbPlus.Shards.Families;

/// <summary>BZPOPMIN, BZPOPMAX and BZMPOP: the pops of ZPOPMIN/ZMPOP that wait for a key when every one is empty.</summary>
public static partial class SortedSetFamily
{
    private static void BZPopMin(CommandContext ctx) => BZPopMinMax(ctx, max: false);

    private static void BZPopMax(CommandContext ctx) => BZPopMinMax(ctx, max: true);

    /// <summary>BZPOPMIN|BZPOPMAX key [key ...] timeout: [key, member, score] from the first non-empty key.</summary>
    private static void BZPopMinMax(CommandContext ctx, bool max)
    {
        if (!BlockingTimeout.TryParse(ctx, ctx.ArgCount - 1, out long timeoutMs)) return;
        for (int k = 1; k < ctx.ArgCount - 1; k++)
        {
            var key = ctx.Arg(k);
            if (!TryWrite(ctx, key, out var db, out var zset)) return;
            if (zset is null) continue;
            ctx.Reply.ArrayHeader(3);
            ctx.Reply.Bulk(key);
            PopElements(ctx, db, key, zset, 1, max, nested: false);
            return;
        }
        for (int k = 1; k < ctx.ArgCount - 1; k++) ctx.AddBlockingKey(k);
        ctx.Block(timeoutMs, timeoutReplyIsNullArray: true);
    }

    /// <summary>BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]</summary>
    private static void BZMPop(CommandContext ctx)
    {
        // Redis parses numkeys, MIN|MAX and COUNT before the timeout.
        if (!TryParseMPop(ctx, 2, out int keyCount, out bool max, out long count)) return;
        if (!BlockingTimeout.TryParse(ctx, 1, out long timeoutMs)) return;
        if (TryMPop(ctx, 3, keyCount, max, count)) return;
        if (ctx.Failed) return;
        for (int k = 3; k < 3 + keyCount; k++) ctx.AddBlockingKey(k);
        ctx.Block(timeoutMs, timeoutReplyIsNullArray: true);
    }
}
