using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Families.SortedSets;
using TdbPlus.Shards.Keyspace;
using TdbPlus.Shards.Storage;

namespace TdbPlus.Shards.Families;

/// <summary>
/// Sorted-set commands with Redis 7.0 semantics: ZADD ZINCRBY ZREM ZCARD ZCOUNT ZLEXCOUNT ZSCORE ZMSCORE ZRANK
/// ZREVRANK, the ZRANGE family and ZRANGESTORE, ZREMRANGEBY*, ZPOPMIN ZPOPMAX ZMPOP ZRANDMEMBER, ZUNION
/// ZINTER ZDIFF (and *STORE) ZINTERCARD, ZSCAN. Values are <see cref="ZSetObject"/>s: the listpack encoding
/// up to zset-max-listpack-entries / -value, then the skiplist one (slab + hash index + counted B+tree).
/// </summary>
public static partial class SortedSetFamily
{
    private const CommandFlags ReadFast = CommandFlags.ReadOnly | CommandFlags.Fast;
    private const CommandFlags WriteOomFast = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast;
    private const CommandFlags WriteFast = CommandFlags.Write | CommandFlags.Fast;
    private const CommandFlags WriteOom = CommandFlags.Write | CommandFlags.DenyOom;
    private const AclCategories ReadFastCat = AclCategories.Read | AclCategories.SortedSet | AclCategories.Fast;
    private const AclCategories ReadSlowCat = AclCategories.Read | AclCategories.SortedSet | AclCategories.Slow;
    private const AclCategories WriteFastCat = AclCategories.Write | AclCategories.SortedSet | AclCategories.Fast;
    private const AclCategories WriteSlowCat = AclCategories.Write | AclCategories.SortedSet | AclCategories.Slow;
    private const string Group = "sorted-set";

    public static IEnumerable<CommandDef> Commands() =>
    [
        Declare.Keyed("ZADD", -4, WriteOomFast, 1, 1, 1, WriteFastCat, ZAdd,
            "Add one or more members to a sorted set, or update its score if it already exists", "1.2.0", Group),
        Declare.Keyed("ZINCRBY", 4, WriteOomFast, 1, 1, 1, WriteFastCat, ZIncrBy,
            "Increment the score of a member in a sorted set", "1.2.0", Group),
        Declare.Keyed("ZREM", -3, WriteFast, 1, 1, 1, WriteFastCat, ZRem,
            "Remove one or more members from a sorted set", "1.2.0", Group),
        Declare.Keyed("ZCARD", 2, ReadFast, 1, 1, 1, ReadFastCat, ZCard,
            "Get the number of members in a sorted set", "1.2.0", Group),
        Declare.Keyed("ZCOUNT", 4, ReadFast, 1, 1, 1, ReadFastCat, ZCount,
            "Count the members in a sorted set with scores within the given values", "2.0.0", Group),
        Declare.Keyed("ZLEXCOUNT", 4, ReadFast, 1, 1, 1, ReadFastCat, ZLexCount,
            "Count the number of members in a sorted set between a given lexicographical range", "2.8.9", Group),
        Declare.Keyed("ZSCORE", 3, ReadFast, 1, 1, 1, ReadFastCat, ZScore,
            "Get the score associated with the given member in a sorted set", "1.2.0", Group),
        Declare.Keyed("ZMSCORE", -3, ReadFast, 1, 1, 1, ReadFastCat, ZMScore,
            "Get the score associated with the given members in a sorted set", "6.2.0", Group),
        Declare.Keyed("ZRANK", 3, ReadFast, 1, 1, 1, ReadFastCat, ZRank,
            "Determine the index of a member in a sorted set", "2.0.0", Group),
        Declare.Keyed("ZREVRANK", 3, ReadFast, 1, 1, 1, ReadFastCat, ZRevRank,
            "Determine the index of a member in a sorted set, with scores ordered from high to low", "2.0.0", Group),
        Declare.Keyed("ZRANGE", -4, CommandFlags.ReadOnly, 1, 1, 1, ReadSlowCat, ZRange,
            "Return a range of members in a sorted set", "1.2.0", Group),
        Declare.Keyed("ZRANGESTORE", -5, WriteOom, 1, 2, 1, WriteSlowCat, ZRangeStore,
            "Store a range of members from sorted set into another key", "6.2.0", Group),
        Declare.Keyed("ZREVRANGE", -4, CommandFlags.ReadOnly, 1, 1, 1, ReadSlowCat, ZRevRange,
            "Return a range of members in a sorted set, by index, with scores ordered from high to low", "1.2.0", Group),
        Declare.Keyed("ZRANGEBYSCORE", -4, CommandFlags.ReadOnly, 1, 1, 1, ReadSlowCat, ZRangeByScore,
            "Return a range of members in a sorted set, by score", "1.0.5", Group),
        Declare.Keyed("ZREVRANGEBYSCORE", -4, CommandFlags.ReadOnly, 1, 1, 1, ReadSlowCat, ZRevRangeByScore,
            "Return a range of members in a sorted set, by score, with scores ordered from high to low", "2.2.0", Group),
        Declare.Keyed("ZRANGEBYLEX", -4, CommandFlags.ReadOnly, 1, 1, 1, ReadSlowCat, ZRangeByLex,
            "Return a range of members in a sorted set, by lexicographical range", "2.8.9", Group),
        Declare.Keyed("ZREVRANGEBYLEX", -4, CommandFlags.ReadOnly, 1, 1, 1, ReadSlowCat, ZRevRangeByLex,
            "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.", "2.8.9", Group),
        Declare.Keyed("ZREMRANGEBYRANK", 4, CommandFlags.Write, 1, 1, 1, WriteSlowCat, ZRemRangeByRank,
            "Remove all members in a sorted set within the given indexes", "2.0.0", Group),
        Declare.Keyed("ZREMRANGEBYSCORE", 4, CommandFlags.Write, 1, 1, 1, WriteSlowCat, ZRemRangeByScore,
            "Remove all members in a sorted set within the given scores", "1.2.0", Group),
        Declare.Keyed("ZREMRANGEBYLEX", 4, CommandFlags.Write, 1, 1, 1, WriteSlowCat, ZRemRangeByLex,
            "Remove all members in a sorted set between the given lexicographical range", "2.8.9", Group),
        Declare.Keyed("ZPOPMIN", -2, WriteFast, 1, 1, 1, WriteFastCat, ZPopMin,
            "Remove and return members with the lowest scores in a sorted set", "5.0.0", Group),
        Declare.Keyed("ZPOPMAX", -2, WriteFast, 1, 1, 1, WriteFastCat, ZPopMax,
            "Remove and return members with the highest scores in a sorted set", "5.0.0", Group),
        Declare.KeyedMovable("ZMPOP", -4, CommandFlags.Write, 0, 0, 0, KeyFinders.NumKeysAt1, WriteSlowCat, ZMPop,
            "Remove and return members with scores in a sorted set", "7.0.0", Group),
        Declare.Keyed("BZPOPMIN", -3, WriteFast | CommandFlags.NoScript | CommandFlags.Blocking, 1, -2, 1,
            WriteFastCat | AclCategories.Blocking, BZPopMin,
            "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available", "5.0.0", Group),
        Declare.Keyed("BZPOPMAX", -3, WriteFast | CommandFlags.NoScript | CommandFlags.Blocking, 1, -2, 1,
            WriteFastCat | AclCategories.Blocking, BZPopMax,
            "Remove and return the member with the highest score from one or more sorted sets, or block until one is available", "5.0.0", Group),
        Declare.KeyedMovable("BZMPOP", -5, CommandFlags.Write | CommandFlags.Blocking, 0, 0, 0, KeyFinders.NumKeysAt2,
            WriteSlowCat | AclCategories.Blocking, BZMPop,
            "Remove and return members with scores in a sorted set or block until one is available", "7.0.0", Group),
        Declare.Keyed("ZRANDMEMBER", -2, CommandFlags.ReadOnly, 1, 1, 1, ReadSlowCat, ZRandMember,
            "Get one or multiple random elements from a sorted set", "6.2.0", Group),
        Declare.KeyedMovable("ZUNION", -3, CommandFlags.ReadOnly, 0, 0, 0, KeyFinders.NumKeysAt1, ReadSlowCat, ZUnion,
            "Add multiple sorted sets", "6.2.0", Group),
        Declare.KeyedMovable("ZINTER", -3, CommandFlags.ReadOnly, 0, 0, 0, KeyFinders.NumKeysAt1, ReadSlowCat, ZInter,
            "Intersect multiple sorted sets", "6.2.0", Group),
        Declare.KeyedMovable("ZDIFF", -3, CommandFlags.ReadOnly, 0, 0, 0, KeyFinders.NumKeysAt1, ReadSlowCat, ZDiff,
            "Subtract multiple sorted sets", "6.2.0", Group),
        Declare.KeyedMovable("ZUNIONSTORE", -4, WriteOom, 1, 1, 1, KeyFinders.DestinationThenNumKeys, WriteSlowCat, ZUnionStore,
            "Add multiple sorted sets and store the resulting sorted set in a new key", "2.0.0", Group),
        Declare.KeyedMovable("ZINTERSTORE", -4, WriteOom, 1, 1, 1, KeyFinders.DestinationThenNumKeys, WriteSlowCat, ZInterStore,
            "Intersect multiple sorted sets and store the resulting sorted set in a new key", "2.0.0", Group),
        Declare.KeyedMovable("ZDIFFSTORE", -4, WriteOom, 1, 1, 1, KeyFinders.DestinationThenNumKeys, WriteSlowCat, ZDiffStore,
            "Subtract multiple sorted sets and store the resulting sorted set in a new key", "6.2.0", Group),
        Declare.KeyedMovable("ZINTERCARD", -3, CommandFlags.ReadOnly, 0, 0, 0, KeyFinders.NumKeysAt1, ReadSlowCat, ZInterCard,
            "Intersect multiple sorted sets and return the cardinality of the result", "7.0.0", Group),
        Declare.Keyed("ZSCAN", -3, CommandFlags.ReadOnly, 1, 1, 1, ReadSlowCat, ZScan,
            "Incrementally iterate sorted sets elements and associated scores", "2.8.0", Group),
    ];



    // ---- lookups ----

    /// <summary>The sorted set under a key for reading: false after a WRONGTYPE error; null when missing.</summary>
    internal static bool TryRead(CommandContext ctx, ReadOnlySpan<byte> key, out ZSetObject? zset)
    {
        zset = null;
        var db = ctx.Db(key);
        nint rec = db.FindTouch(key, ctx.Now, ctx.Session.NoTouch);
        if (rec == 0) return true;
        if (Record.Type(rec) != KeyType.SortedSet)
        {
            ctx.WrongType();
            return false;
        }
        zset = db.GetObject<ZSetObject>(rec);
        return true;
    }

    /// <summary>The sorted set under a key for writing: false after a WRONGTYPE error; null when missing.</summary>
    internal static bool TryWrite(CommandContext ctx, ReadOnlySpan<byte> key, out Database db, out ZSetObject? zset)
    {
        zset = null;
        db = ctx.Db(key);
        nint rec = db.FindForWrite(key, ctx.Now, ctx.Session.NoTouch);
        if (rec == 0) return true;
        if (Record.Type(rec) != KeyType.SortedSet)
        {
            ctx.WrongType();
            return false;
        }
        zset = db.GetObject<ZSetObject>(rec);
        return true;
    }

    /// <summary>
    /// Reports a size change after an in-place mutation and deletes the key once the set is empty; true when
    /// the key went (the caller then notifies "del").
    /// </summary>
    internal static bool AfterChange(Database db, ReadOnlySpan<byte> key, ZSetObject zset, long bytesBefore)
    {
        db.ObjectResized(bytesBefore, zset);
        if (zset.Count != 0) return false;
        db.Delete(key);
        return true;
    }

    /// <summary>What a store command did to its destination.</summary>
    internal enum StoreOutcome { None, Stored, Deleted }

    /// <summary>Stores a computed set under <paramref name="key"/> (replacing any value), or deletes the key when empty.</summary>
    internal static StoreOutcome StoreResult(CommandContext ctx, ReadOnlySpan<byte> key, ZSetObject? result)
    {
        var db = ctx.Db(key);
        if (result is null || result.Count == 0) return db.Delete(key) ? StoreOutcome.Deleted : StoreOutcome.None;
        db.CreateObject(key, KeyType.SortedSet, result, 0, ctx.Now);
        return StoreOutcome.Stored;
    }

    /// <summary>The event of a store command: <paramref name="eventName"/> when it stored, "del" when it deleted.</summary>
    internal static void NotifyStore(CommandContext ctx, ReadOnlySpan<byte> key, StoreOutcome outcome, string eventName)
    {
        if (outcome == StoreOutcome.Stored) ctx.Notify(NotifyClass.ZSet, eventName, key);
        else if (outcome == StoreOutcome.Deleted) ctx.Notify(NotifyClass.Generic, "del", key);
    }

    internal static ZSetLimits Limits(CommandContext ctx) => ZSetLimits.From(ctx.Engine.Config);

    /// <summary>One element of a reply: member, then its score when asked (a [member, score] pair in RESP3).</summary>
    internal static void ReplyElement(RespWriter reply, ReadOnlySpan<byte> member, double score, bool withScores)
    {
        if (withScores && reply.Resp3) reply.ArrayHeader(2);
        reply.Bulk(member);
        if (withScores) reply.Double(score);
    }

    /// <summary>The array header for <paramref name="count"/> elements (flat member/score pairs in RESP2).</summary>
    internal static void ReplyElementsHeader(RespWriter reply, long count, bool withScores) =>
        reply.ArrayHeader((int)(withScores && !reply.Resp3 ? count * 2 : count));

    // ---- ZADD / ZINCRBY ----

    private static void ZAdd(CommandContext ctx) => ZAddGeneric(ctx, ZAddFlags.None);

    private static void ZIncrBy(CommandContext ctx) => ZAddGeneric(ctx, ZAddFlags.Incr);

    /// <summary>Redis's zaddGenericCommand (ZINCRBY is ZADD with INCR, and parses options the same way).</summary>
    internal static void ZAddGeneric(CommandContext ctx, ZAddFlags flags)
    {
        int scoreIndex = 2;
        bool ch = false;
        for (; scoreIndex < ctx.ArgCount; scoreIndex++)
        {
            if (ctx.ArgIs(scoreIndex, "NX"u8)) flags |= ZAddFlags.Nx;
            else if (ctx.ArgIs(scoreIndex, "XX"u8)) flags |= ZAddFlags.Xx;
            else if (ctx.ArgIs(scoreIndex, "CH"u8)) ch = true;
            else if (ctx.ArgIs(scoreIndex, "INCR"u8)) flags |= ZAddFlags.Incr;
            else if (ctx.ArgIs(scoreIndex, "GT"u8)) flags |= ZAddFlags.Gt;
            else if (ctx.ArgIs(scoreIndex, "LT"u8)) flags |= ZAddFlags.Lt;
            else break;
        }
        bool incr = (flags & ZAddFlags.Incr) != 0;
        bool nx = (flags & ZAddFlags.Nx) != 0, xx = (flags & ZAddFlags.Xx) != 0;
        bool gt = (flags & ZAddFlags.Gt) != 0, lt = (flags & ZAddFlags.Lt) != 0;
        int elements = ctx.ArgCount - scoreIndex;
        if (elements % 2 != 0 || elements == 0)
        {
            ctx.SyntaxError();
            return;
        }
        elements /= 2;
        if (nx && xx)
        {
            ctx.Error("ERR XX and NX options at the same time are not compatible");
            return;
        }
        if ((gt && nx) || (lt && nx) || (gt && lt))
        {
            ctx.Error("ERR GT, LT, and/or NX options at the same time are not compatible");
            return;
        }
        if (incr && elements > 1)
        {
            ctx.Error("ERR INCR option supports a single increment-element pair");
            return;
        }
        Span<double> small = stackalloc double[Math.Min(elements, 64)];
        Span<double> scores = elements <= 64 ? small : new double[elements];
        for (int j = 0; j < elements; j++)
        {
            if (!CDouble.TryParse(ctx.Arg(scoreIndex + j * 2), out scores[j]))
            {
                ctx.Error(Errors.NotFloat);
                return;
            }
        }

        ZAddApply(ctx, flags, ch, scores, scoreIndex + 1, 2);
    }

    /// <summary>
    /// The write half of ZADD (shared with GEOADD): adds the members at <paramref name="memberIndex"/>,
    /// every <paramref name="memberStride"/> arguments, with the parsed scores, and replies.
    /// </summary>
    internal static void ZAddApply(CommandContext ctx, ZAddFlags flags, bool ch, ReadOnlySpan<double> scores,
        int memberIndex, int memberStride)
    {
        bool incr = (flags & ZAddFlags.Incr) != 0;
        bool xx = (flags & ZAddFlags.Xx) != 0;
        int elements = scores.Length;
        var key = ctx.Arg(1);
        if (!TryWrite(ctx, key, out var db, out var zset)) return;
        int added = 0, updated = 0, processed = 0;
        double score = 0;
        if (zset is null)
        {
            if (xx)
            {
                ReplyZAdd(ctx, incr, ch, processed, score, added, updated);
                return;
            }
            var limits = Limits(ctx);
            zset = limits.MaxEntries == 0 || limits.MaxValue < ctx.Arg(memberIndex).Length
                ? ZSetObject.CreateLarge(elements)
                : ZSetObject.CreateCompact();
            for (int j = 0; j < elements; j++)
            {
                var outcome = zset.Add(ctx.Arg(memberIndex + j * memberStride), scores[j], flags, limits, out score);
                Count(outcome, ref added, ref updated, ref processed);
            }
            db.CreateObject(key, KeyType.SortedSet, zset, 0, ctx.Now);
            ReplyZAdd(ctx, incr, ch, processed, score, added, updated);
            NotifyZAdd(ctx, key, incr, added, updated);
            return;
        }
        long before = zset.MemoryBytes;
        var lim = zset.IsCompact ? Limits(ctx) : ZSetLimits.Default;
        for (int j = 0; j < elements; j++)
        {
            var outcome = zset.Add(ctx.Arg(memberIndex + j * memberStride), scores[j], flags, lim, out score);
            if (outcome == ZAddOutcome.NaN)
            {
                db.ObjectResized(before, zset);
                ctx.Error("ERR resulting score is not a number (NaN)");
                return;
            }
            Count(outcome, ref added, ref updated, ref processed);
        }
        db.ObjectResized(before, zset);
        if (added > 0) db.SignalKeyReady(key);
        ReplyZAdd(ctx, incr, ch, processed, score, added, updated);
        NotifyZAdd(ctx, key, incr, added, updated);
    }

    private static void NotifyZAdd(CommandContext ctx, ReadOnlySpan<byte> key, bool incr, int added, int updated)
    {
        if (added + updated > 0) ctx.Notify(NotifyClass.ZSet, incr ? "zincr" : "zadd", key);
    }

    private static void Count(ZAddOutcome outcome, ref int added, ref int updated, ref int processed)
    {
        if (outcome == ZAddOutcome.Added) added++;
        else if (outcome == ZAddOutcome.Updated) updated++;
        if (outcome != ZAddOutcome.Skipped) processed++;
    }

    private static void ReplyZAdd(CommandContext ctx, bool incr, bool ch, int processed, double score, int added, int updated)
    {
        if (incr)
        {
            if (processed > 0) ctx.Reply.Double(score);
            else ctx.Reply.NullBulk();
        }
        else ctx.Reply.Integer(ch ? added + updated : added);
    }

    // ---- ZREM / ZCARD / ZSCORE / ZMSCORE / ZRANK ----

    private static void ZRem(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        if (!TryWrite(ctx, key, out var db, out var zset)) return;
        if (zset is null)
        {
            ctx.Reply.Integer(0);
            return;
        }
        long before = zset.MemoryBytes;
        int deleted = 0;
        for (int j = 2; j < ctx.ArgCount; j++)
        {
            if (zset.Remove(ctx.Arg(j))) deleted++;
            if (zset.Count == 0) break;
        }
        bool removed = AfterChange(db, key, zset, before);
        if (deleted > 0)
        {
            ctx.Notify(NotifyClass.ZSet, "zrem", key);
            if (removed) ctx.Notify(NotifyClass.Generic, "del", key);
        }
        ctx.Reply.Integer(deleted);
    }

    private static void ZCard(CommandContext ctx)
    {
        if (!TryRead(ctx, ctx.Arg(1), out var zset)) return;
        ctx.Reply.Integer(zset?.Count ?? 0);
    }

    private static void ZScore(CommandContext ctx)
    {
        if (!TryRead(ctx, ctx.Arg(1), out var zset)) return;
        if (zset is not null && zset.TryGetScore(ctx.Arg(2), out double score)) ctx.Reply.Double(score);
        else ctx.Reply.NullBulk();
    }

    private static void ZMScore(CommandContext ctx)
    {
        if (!TryRead(ctx, ctx.Arg(1), out var zset)) return;
        ctx.Reply.ArrayHeader(ctx.ArgCount - 2);
        for (int j = 2; j < ctx.ArgCount; j++)
        {
            if (zset is not null && zset.TryGetScore(ctx.Arg(j), out double score)) ctx.Reply.Double(score);
            else ctx.Reply.NullBulk();
        }
    }

    private static void ZRank(CommandContext ctx) => ZRankGeneric(ctx, reverse: false);

    private static void ZRevRank(CommandContext ctx) => ZRankGeneric(ctx, reverse: true);

    private static void ZRankGeneric(CommandContext ctx, bool reverse)
    {
        if (!TryRead(ctx, ctx.Arg(1), out var zset)) return;
        int rank = zset?.Rank(ctx.Arg(2)) ?? -1;
        if (rank < 0) ctx.Reply.NullBulk();
        else ctx.Reply.Integer(reverse ? zset!.Count - 1 - rank : rank);
    }
}
