using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Families.Hashes;

namespace TdbPlus.Shards.Families;

/// <summary>HRANDFIELD with Redis 7.0's count rules and reply shapes.</summary>
public static partial class HashFamily
{
    private static void HRandField(CommandContext ctx)
    {
        if (ctx.ArgCount >= 3)
        {
            if (!RandomCount.TryParse(ctx, 2, out long count)) return;
            bool withValues = false;
            if (ctx.ArgCount > 4 || (ctx.ArgCount == 4 && !ctx.ArgIs(3, "WITHVALUES"u8)))
            {
                ctx.SyntaxError();
                return;
            }
            if (ctx.ArgCount == 4)
            {
                withValues = true;
                if (count < -long.MaxValue / 2 || count > long.MaxValue / 2)
                {
                    ctx.Error("ERR value is out of range");
                    return;
                }
            }
            RandomFieldsWithCount(ctx, count, withValues);
            return;
        }
        var hash = Read(ctx, ctx.Arg(1), out bool wrongType);
        if (wrongType) return;
        if (hash is null)
        {
            ctx.Reply.NullBulk();
            return;
        }
        hash.PairAt(Random.Shared.Next(hash.Count), hash.PairIndex(), out var field, out _);
        ctx.Reply.Bulk(field);
    }

    /// <summary>Redis's hrandfieldWithCountCommand.</summary>
    private static void RandomFieldsWithCount(CommandContext ctx, long requested, bool withValues)
    {
        var hash = Read(ctx, ctx.Arg(1), out bool wrongType);
        if (wrongType) return;
        var reply = ctx.Reply;
        if (hash is null || requested == 0)
        {
            reply.EmptyArray();
            return;
        }
        int size = hash.Count;
        bool resp3 = reply.Resp3;
        var pairIndex = hash.PairIndex();

        if (requested < 0)
        {
            // Repetitions allowed: each pick samples the whole hash.
            long count = -requested;
            long items = withValues && !resp3 ? count * 2 : count;
            if (!RandomCount.CheckReplySize(ctx, items)) return;
            reply.ArrayHeader((int)items);
            for (long i = 0; i < count; i++) WritePair(ctx, hash, pairIndex, Random.Shared.Next(size), withValues);
            return;
        }

        long unique = Math.Min(requested, size);
        reply.ArrayHeader((int)(withValues && !resp3 ? unique * 2 : unique));
        if (requested >= size)
        {
            for (int i = 0; i < size; i++) WritePair(ctx, hash, pairIndex, i, withValues);
            return;
        }
        foreach (int index in RandomCount.DistinctIndices(size, (int)requested)) WritePair(ctx, hash, pairIndex, index, withValues);
    }

    private static void WritePair(CommandContext ctx, HashObject hash, int[]? pairIndex, int index, bool withValues)
    {
        hash.PairAt(index, pairIndex, out var field, out var value);
        var reply = ctx.Reply;
        if (withValues && reply.Resp3) reply.ArrayHeader(2);
        reply.Bulk(field);
        if (withValues) reply.Bulk(value);
    }
}
