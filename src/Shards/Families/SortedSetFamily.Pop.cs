using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Families.SortedSets;

namespace TdbPlus.Shards.Families;

/// <summary>ZPOPMIN, ZPOPMAX, ZMPOP and ZRANDMEMBER.</summary>
public static partial class SortedSetFamily
{
    private static void ZPopMin(CommandContext ctx) => ZPopMinMax(ctx, max: false);

    private static void ZPopMax(CommandContext ctx) => ZPopMinMax(ctx, max: true);

    private static void ZPopMinMax(CommandContext ctx, bool max)
    {
        if (ctx.ArgCount > 3)
        {
            ctx.SyntaxError();
            return;
        }
        long count = -1;
        if (ctx.ArgCount == 3)
        {
            if (!NumberParser.TryParseInt64(ctx.Arg(2), out count) || count < 0)
            {
                ctx.Error("ERR value is out of range, must be positive");
                return;
            }
        }
        var key = ctx.Arg(1);
        if (!TryWrite(ctx, key, out var db, out var zset)) return;
        if (zset is null || count == 0)
        {
            ctx.Reply.EmptyArray();
            return;
        }
        bool nested = ctx.Reply.Resp3 && count != -1;
        if (count == -1) count = 1;
        int take = (int)Math.Min(count, zset.Count);
        ctx.Reply.ArrayHeader(nested ? take : take * 2);
        PopElements(ctx, db, key, zset, take, max, nested);
    }

    private struct PopVisitor(RespWriter reply, int count, bool nested) : IZVisitor
    {
        private int _left = count;

        public bool Visit(ReadOnlySpan<byte> member, double score)
        {
            if (nested) reply.ArrayHeader(2);
            reply.Bulk(member);
            reply.Double(score);
            return --_left > 0;
        }
    }

    /// <summary>Replies and removes the <paramref name="take"/> lowest (or highest) elements.</summary>
    private static void PopElements(CommandContext ctx, Keyspace.Database db, ReadOnlySpan<byte> key, ZSetObject zset,
        int take, bool max, bool nested)
    {
        // Redis notifies with the first element popped, before replying it.
        ctx.Notify(Keyspace.NotifyClass.ZSet, max ? "zpopmax" : "zpopmin", key);
        var visitor = new PopVisitor(ctx.Reply, take, nested);
        int n = zset.Count;
        zset.Walk(max ? n - 1 : 0, max, ref visitor);
        long before = zset.MemoryBytes;
        if (max) zset.RemoveRange(n - take, n - 1);
        else zset.RemoveRange(0, take - 1);
        if (AfterChange(db, key, zset, before)) ctx.Notify(Keyspace.NotifyClass.Generic, "del", key);
    }

    /// <summary>ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]</summary>
    private static void ZMPop(CommandContext ctx)
    {
        if (!TryParseMPop(ctx, 1, out int keyCount, out bool max, out long count)) return;
        if (!TryMPop(ctx, 2, keyCount, max, count) && !ctx.Failed) ctx.Reply.NullArray();
    }

    /// <summary>numkeys at <paramref name="numKeysIndex"/>, the keys, MIN|MAX [COUNT count]; false after the error reply.</summary>
    private static bool TryParseMPop(CommandContext ctx, int numKeysIndex, out int keyCount, out bool max, out long count)
    {
        keyCount = 0;
        max = false;
        count = -1;
        if (!NumberParser.TryParseInt64(ctx.Arg(numKeysIndex), out long numKeys) || numKeys < 1)
        {
            ctx.Error("ERR numkeys should be greater than 0");
            return false;
        }
        long whereIndex = numKeysIndex + numKeys + 1;
        if (whereIndex >= ctx.ArgCount)
        {
            ctx.SyntaxError();
            return false;
        }
        if (ctx.ArgIs((int)whereIndex, "MIN"u8)) max = false;
        else if (ctx.ArgIs((int)whereIndex, "MAX"u8)) max = true;
        else
        {
            ctx.SyntaxError();
            return false;
        }
        for (int j = (int)whereIndex + 1; j < ctx.ArgCount; j++)
        {
            if (count == -1 && ctx.ArgIs(j, "COUNT"u8) && j + 1 < ctx.ArgCount)
            {
                j++;
                if (!NumberParser.TryParseInt64(ctx.Arg(j), out count) || count < 1)
                {
                    ctx.Error("ERR count should be greater than 0");
                    return false;
                }
            }
            else
            {
                ctx.SyntaxError();
                return false;
            }
        }
        if (count == -1) count = 1;
        keyCount = (int)numKeys;
        return true;
    }

    /// <summary>
    /// Pops from the first non-empty of the <paramref name="keyCount"/> keys at <paramref name="firstKey"/> and
    /// replies [key, [[member, score]...]]; false when every key was empty (nothing written) or after an error.
    /// </summary>
    private static bool TryMPop(CommandContext ctx, int firstKey, int keyCount, bool max, long count)
    {
        for (int k = firstKey; k < firstKey + keyCount; k++)
        {
            var key = ctx.Arg(k);
            if (!TryWrite(ctx, key, out var db, out var zset)) return false;
            if (zset is null) continue;
            int take = (int)Math.Min(count, zset.Count);
            ctx.Reply.ArrayHeader(2);
            ctx.Reply.Bulk(key);
            ctx.Reply.ArrayHeader(take);
            PopElements(ctx, db, key, zset, take, max, nested: true);
            return true;
        }
        return false;
    }

    // ---- ZRANDMEMBER ----

    private static void ZRandMember(CommandContext ctx)
    {
        if (ctx.ArgCount >= 3)
        {
            if (!NumberParser.TryParseInt64(ctx.Arg(2), out long l))
            {
                ctx.Error(Errors.NotInteger);
                return;
            }
            if (l == long.MinValue)
            {
                ctx.Error("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807");
                return;
            }
            bool withScores = false;
            if (ctx.ArgCount > 4 || (ctx.ArgCount == 4 && !ctx.ArgIs(3, "WITHSCORES"u8)))
            {
                ctx.SyntaxError();
                return;
            }
            if (ctx.ArgCount == 4)
            {
                withScores = true;
                if (l < -(long.MaxValue / 2) || l > long.MaxValue / 2)
                {
                    ctx.Error("ERR value is out of range");
                    return;
                }
            }
            ZRandMemberWithCount(ctx, l, withScores);
            return;
        }
        if (!TryRead(ctx, ctx.Arg(1), out var zset)) return;
        if (zset is null)
        {
            ctx.Reply.NullBulk();
            return;
        }
        ctx.Reply.Bulk(zset.MemberAt(Random.Shared.Next(zset.Count), out _));
    }

    private const ulong MaxRandomReply = 1 << 28;

    private static void ZRandMemberWithCount(CommandContext ctx, long l, bool withScores)
    {
        if (!TryRead(ctx, ctx.Arg(1), out var zset)) return;
        if (zset is null)
        {
            ctx.Reply.EmptyArray();
            return;
        }
        int size = zset.Count;
        bool unique = l >= 0;
        ulong count = unique ? (ulong)l : (ulong)-l;
        if (count == 0)
        {
            ctx.Reply.EmptyArray();
            return;
        }
        if (count > MaxRandomReply)
        {
            // Redis would try to build a reply of this many elements; refuse instead of exhausting memory.
            ctx.Error("ERR value is out of range");
            return;
        }
        var reply = ctx.Reply;
        // Negative count (or 1): independent draws, repetitions allowed, in random order.
        if (!unique || count == 1)
        {
            ReplyElementsHeader(reply, (long)count, withScores);
            for (ulong k = 0; k < count; k++)
            {
                var member = zset.MemberAt(Random.Shared.Next(size), out double score);
                ReplyElement(reply, member, score, withScores);
            }
            return;
        }
        // At least the whole set: everything, in Redis's iteration order (from the highest element down).
        if (count >= (ulong)size)
        {
            ReplyElementsHeader(reply, size, withScores);
            var all = new ReplyVisitor(reply, size, withScores);
            zset.Walk(size - 1, true, ref all);
            return;
        }
        // Distinct random ranks, replied in the order drawn.
        int n = (int)count;
        ReplyElementsHeader(reply, n, withScores);
        var picked = new HashSet<int>(n);
        if ((long)n * 3 > size)
        {
            // Drop random ranks until n remain (Redis's "remove elements" strategy), then reply them shuffled.
            var ranks = new List<int>(size);
            for (int k = 0; k < size; k++) ranks.Add(k);
            for (int k = 0; k < size - n; k++)
            {
                int at = Random.Shared.Next(ranks.Count);
                ranks[at] = ranks[^1];
                ranks.RemoveAt(ranks.Count - 1);
            }
            foreach (int rank in ranks)
            {
                var member = zset.MemberAt(rank, out double score);
                ReplyElement(reply, member, score, withScores);
            }
            return;
        }
        while (picked.Count < n)
        {
            int rank = Random.Shared.Next(size);
            if (!picked.Add(rank)) continue;
            var member = zset.MemberAt(rank, out double score);
            ReplyElement(reply, member, score, withScores);
        }
    }
}
