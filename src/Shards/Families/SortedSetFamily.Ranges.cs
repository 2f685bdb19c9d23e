using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Families.SortedSets;

namespace TdbPlus.Shards.Families;

/// <summary>ZRANGE and its variants, ZRANGESTORE, ZCOUNT, ZLEXCOUNT and ZREMRANGEBYRANK/SCORE/LEX.</summary>
public static partial class SortedSetFamily
{
    private enum RangeType { Auto, Rank, Score, Lex }

    private const string ScoreRangeError = "ERR min or max is not a float";
    private const string LexRangeError = "ERR min or max not valid string range item";

    private static void ZRange(CommandContext ctx) => ZRangeGeneric(ctx, 1, store: false, RangeType.Auto, reverse: null);

    private static void ZRangeStore(CommandContext ctx) => ZRangeGeneric(ctx, 2, store: true, RangeType.Auto, reverse: null);

    private static void ZRevRange(CommandContext ctx) => ZRangeGeneric(ctx, 1, store: false, RangeType.Rank, reverse: true);

    private static void ZRangeByScore(CommandContext ctx) => ZRangeGeneric(ctx, 1, store: false, RangeType.Score, reverse: false);

    private static void ZRevRangeByScore(CommandContext ctx) => ZRangeGeneric(ctx, 1, store: false, RangeType.Score, reverse: true);

    private static void ZRangeByLex(CommandContext ctx) => ZRangeGeneric(ctx, 1, store: false, RangeType.Lex, reverse: false);

    private static void ZRevRangeByLex(CommandContext ctx) => ZRangeGeneric(ctx, 1, store: false, RangeType.Lex, reverse: true);

    /// <summary>
    /// Redis's zrangeGenericCommand: <c>&lt;src&gt; &lt;min&gt; &lt;max&gt; [BYSCORE|BYLEX] [REV] [WITHSCORES] [LIMIT offset count]</c>
    /// with the source key at <paramref name="keyIndex"/>; null <paramref name="reverse"/> means REV may be given.
    /// </summary>
    private static void ZRangeGeneric(CommandContext ctx, int keyIndex, bool store, RangeType type, bool? reverse)
    {
        int minIndex = keyIndex + 1, maxIndex = keyIndex + 2;
        bool withScores = false;
        long offset = 0, limit = -1;
        bool limitGiven = false;
        bool rev = reverse ?? false;
        bool revAllowed = reverse is null;
        for (int j = keyIndex + 3; j < ctx.ArgCount; j++)
        {
            int left = ctx.ArgCount - j - 1;
            if (!store && ctx.ArgIs(j, "WITHSCORES"u8)) withScores = true;
            else if (ctx.ArgIs(j, "LIMIT"u8) && left >= 2)
            {
                if (!ctx.TryGetLong(j + 1, out offset) || !ctx.TryGetLong(j + 2, out limit)) return;
                limitGiven = true;
                j += 2;
            }
            else if (revAllowed && ctx.ArgIs(j, "REV"u8))
            {
                rev = true;
                revAllowed = false;
            }
            else if (type == RangeType.Auto && ctx.ArgIs(j, "BYLEX"u8)) type = RangeType.Lex;
            else if (type == RangeType.Auto && ctx.ArgIs(j, "BYSCORE"u8)) type = RangeType.Score;
            else
            {
                ctx.SyntaxError();
                return;
            }
        }
        if (type == RangeType.Auto) type = RangeType.Rank;
        if (limitGiven && limit != -1 && type == RangeType.Rank)
        {
            ctx.Error("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
            return;
        }
        if (withScores && type == RangeType.Lex)
        {
            ctx.Error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
            return;
        }
        if (rev && type is RangeType.Score or RangeType.Lex) (minIndex, maxIndex) = (maxIndex, minIndex);

        long start = 0, end = 0;
        ScoreRange scoreRange = default;
        LexRange lexRange = default;
        switch (type)
        {
            case RangeType.Rank:
                if (!ctx.TryGetLong(minIndex, out start) || !ctx.TryGetLong(maxIndex, out end)) return;
                break;
            case RangeType.Score:
                if (!ScoreRange.TryParse(ctx.Arg(minIndex), ctx.Arg(maxIndex), out scoreRange))
                {
                    ctx.Error(ScoreRangeError);
                    return;
                }
                break;
            default:
                if (!LexRange.TryParse(ctx.Arg(minIndex), ctx.Arg(maxIndex), out lexRange))
                {
                    ctx.Error(LexRangeError);
                    return;
                }
                break;
        }

        if (!TryRead(ctx, ctx.Arg(keyIndex), out var zset)) return;
        if (zset is null)
        {
            if (store)
            {
                var outcome = StoreResult(ctx, ctx.Arg(1), null);
                ctx.Reply.Integer(0);
                NotifyStore(ctx, ctx.Arg(1), outcome, "zrangestore");
            }
            else ctx.Reply.EmptyArray();
            return;
        }

        // Resolve the request to ranks [first, last] in ascending order, walked forward or backward.
        int first, last;
        if (type == RangeType.Rank)
        {
            long length = zset.Count;
            if (start < 0) start += length;
            if (end < 0) end += length;
            if (start < 0) start = 0;
            if (start > end || start >= length)
            {
                first = 0;
                last = -1;
            }
            else
            {
                if (end >= length) end = length - 1;
                first = rev ? (int)(length - 1 - end) : (int)start;
                last = rev ? (int)(length - 1 - start) : (int)end;
            }
        }
        else
        {
            (first, last) = type == RangeType.Score ? zset.RankRange(scoreRange) : zset.RankRange(lexRange);
            ApplyLimit(ref first, ref last, rev, offset, limit);
        }
        EmitRange(ctx, zset, first, last, rev, withScores, store);
    }

    /// <summary>
    /// LIMIT over ranks [first, last]: negative offsets give nothing (Redis walks off the end), negative
    /// counts mean no limit; a reverse range counts from its last rank down.
    /// </summary>
    private static void ApplyLimit(ref int first, ref int last, bool reverse, long offset, long limit)
    {
        if (first > last) return;
        long available = (long)last - first + 1;
        if (offset < 0 || offset >= available)
        {
            last = first - 1;
            return;
        }
        long take = available - offset;
        if (limit >= 0 && limit < take) take = limit;
        if (take == 0)
        {
            last = first - 1;
            return;
        }
        if (reverse)
        {
            last -= (int)offset;
            first = (int)(last - take + 1);
        }
        else
        {
            first += (int)offset;
            last = (int)(first + take - 1);
        }
    }

    private struct ReplyVisitor(RespWriter reply, int count, bool withScores) : IZVisitor
    {
        private int _left = count;

        public bool Visit(ReadOnlySpan<byte> member, double score)
        {
            ReplyElement(reply, member, score, withScores);
            return --_left > 0;
        }
    }

    private struct CopyVisitor(ZSetObject target, int count, ZSetLimits limits) : IZVisitor
    {
        private int _left = count;

        public bool Visit(ReadOnlySpan<byte> member, double score)
        {
            target.Insert(member, score, limits);
            return --_left > 0;
        }
    }

    /// <summary>Replies (or stores into the destination at argument 1) the elements at ranks [first, last].</summary>
    private static void EmitRange(CommandContext ctx, ZSetObject zset, int first, int last, bool reverse, bool withScores, bool store)
    {
        int count = Math.Max(0, last - first + 1);
        if (store)
        {
            ZSetObject? result = null;
            if (count > 0)
            {
                // ZRANGESTORE fills a listpack set through zsetAdd in the order of the range, converting past
                // the limits (so which -0 scores the listpack turned into 0 depends on that order too).
                var limits = Limits(ctx);
                result = ZSetObject.CreateCompact();
                var copy = new CopyVisitor(result, count, limits);
                zset.Walk(reverse ? last : first, reverse, ref copy);
            }
            var outcome = StoreResult(ctx, ctx.Arg(1), result);
            ctx.Reply.Integer(count);
            NotifyStore(ctx, ctx.Arg(1), outcome, "zrangestore");
            return;
        }
        ReplyElementsHeader(ctx.Reply, count, withScores);
        if (count == 0) return;
        var visitor = new ReplyVisitor(ctx.Reply, count, withScores);
        zset.Walk(reverse ? last : first, reverse, ref visitor);
    }

    // ---- ZCOUNT / ZLEXCOUNT ----

    private static void ZCount(CommandContext ctx)
    {
        if (!ScoreRange.TryParse(ctx.Arg(2), ctx.Arg(3), out var range))
        {
            ctx.Error(ScoreRangeError);
            return;
        }
        if (!TryRead(ctx, ctx.Arg(1), out var zset)) return;
        if (zset is null)
        {
            ctx.Reply.Integer(0);
            return;
        }
        var (first, last) = zset.RankRange(range);
        ctx.Reply.Integer(Math.Max(0, last - first + 1));
    }

    private static void ZLexCount(CommandContext ctx)
    {
        if (!LexRange.TryParse(ctx.Arg(2), ctx.Arg(3), out var range))
        {
            ctx.Error(LexRangeError);
            return;
        }
        if (!TryRead(ctx, ctx.Arg(1), out var zset)) return;
        if (zset is null)
        {
            ctx.Reply.Integer(0);
            return;
        }
        var (first, last) = zset.RankRange(range);
        ctx.Reply.Integer(Math.Max(0, last - first + 1));
    }

    // ---- ZREMRANGEBY* ----

    private static void ZRemRangeByRank(CommandContext ctx)
    {
        if (!ctx.TryGetLong(2, out long start) || !ctx.TryGetLong(3, out long end)) return;
        var key = ctx.Arg(1);
        if (!TryWrite(ctx, key, out var db, out var zset)) return;
        if (zset is null)
        {
            ctx.Reply.Integer(0);
            return;
        }
        long length = zset.Count;
        if (start < 0) start += length;
        if (end < 0) end += length;
        if (start < 0) start = 0;
        if (start > end || start >= length)
        {
            ctx.Reply.Integer(0);
            return;
        }
        if (end >= length) end = length - 1;
        RemoveRanks(ctx, db, key, zset, (int)start, (int)end, "zremrangebyrank");
    }

    private static void ZRemRangeByScore(CommandContext ctx)
    {
        if (!ScoreRange.TryParse(ctx.Arg(2), ctx.Arg(3), out var range))
        {
            ctx.Error(ScoreRangeError);
            return;
        }
        var key = ctx.Arg(1);
        if (!TryWrite(ctx, key, out var db, out var zset)) return;
        if (zset is null)
        {
            ctx.Reply.Integer(0);
            return;
        }
        var (first, last) = zset.RankRange(range);
        RemoveRanks(ctx, db, key, zset, first, last, "zremrangebyscore");
    }

    private static void ZRemRangeByLex(CommandContext ctx)
    {
        if (!LexRange.TryParse(ctx.Arg(2), ctx.Arg(3), out var range))
        {
            ctx.Error(LexRangeError);
            return;
        }
        var key = ctx.Arg(1);
        if (!TryWrite(ctx, key, out var db, out var zset)) return;
        if (zset is null)
        {
            ctx.Reply.Integer(0);
            return;
        }
        var (first, last) = zset.RankRange(range);
        RemoveRanks(ctx, db, key, zset, first, last, "zremrangebylex");
    }

    private static void RemoveRanks(CommandContext ctx, Keyspace.Database db, ReadOnlySpan<byte> key, ZSetObject zset,
        int first, int last, string eventName)
    {
        if (first > last)
        {
            ctx.Reply.Integer(0);
            return;
        }
        long before = zset.MemoryBytes;
        int removed = zset.RemoveRange(first, last);
        bool keyRemoved = AfterChange(db, key, zset, before);
        ctx.Notify(Keyspace.NotifyClass.ZSet, eventName, key);
        if (keyRemoved) ctx.Notify(Keyspace.NotifyClass.Generic, "del", key);
        ctx.Reply.Integer(removed);
    }
}
