using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Families.Sets;
using TdbPlus.Shards.Keyspace;

namespace TdbPlus.Shards.Families;

/// <summary>
/// SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE, as Redis 7.0's sinterGenericCommand and
/// sunionDiffGenericCommand: every key is type-checked first (WRONGTYPE wins over a missing key), missing keys
/// are empty sets, results are built as Redis builds them (an intset first), and a *STORE with an empty result
/// deletes the destination.
/// </summary>
public static partial class SetFamily
{
    private enum SetOp { Union, Diff }

    private static void SInter(CommandContext ctx) => InterGeneric(ctx, 1, ctx.ArgCount - 1, storeArg: 0, cardinalityOnly: false, 0);

    private static void SInterStore(CommandContext ctx) => InterGeneric(ctx, 2, ctx.ArgCount - 2, storeArg: 1, cardinalityOnly: false, 0);

    private static void SInterCard(CommandContext ctx)
    {
        if (!NumberParser.TryParseInt64(ctx.Arg(1), out long numKeys) || numKeys < 1)
        {
            ctx.Error("ERR numkeys should be greater than 0");
            return;
        }
        if (numKeys > ctx.ArgCount - 2)
        {
            ctx.Error("ERR Number of keys can't be greater than number of args");
            return;
        }
        long limit = 0;
        for (int j = 2 + (int)numKeys; j < ctx.ArgCount; j++)
        {
            bool moreArgs = ctx.ArgCount - 1 - j > 0;
            if (moreArgs && ctx.ArgIs(j, "LIMIT"u8))
            {
                j++;
                if (!NumberParser.TryParseInt64(ctx.Arg(j), out limit) || limit < 0)
                {
                    ctx.Error("ERR LIMIT can't be negative");
                    return;
                }
            }
            else
            {
                ctx.SyntaxError();
                return;
            }
        }
        InterGeneric(ctx, 2, (int)numKeys, storeArg: 0, cardinalityOnly: true, limit);
    }

    /// <summary>Looks up the sets of arguments first..first+count-1; null entries are missing keys. False after WRONGTYPE.</summary>
    private static bool ReadAll(CommandContext ctx, int first, int count, out SetObject?[] sets, out int missing)
    {
        sets = new SetObject?[count];
        missing = 0;
        for (int j = 0; j < count; j++)
        {
            sets[j] = Read(ctx, ctx.Arg(first + j), out bool wrongType);
            if (wrongType) return false;
            if (sets[j] is null) missing++;
        }
        return true;
    }

    private static void InterGeneric(CommandContext ctx, int first, int count, int storeArg, bool cardinalityOnly, long limit)
    {
        if (!ReadAll(ctx, first, count, out var found, out int missing)) return;
        var reply = ctx.Reply;
        if (missing > 0)
        {
            // An intersection with an empty set is empty.
            if (storeArg != 0)
            {
                var dstKey = ctx.Arg(storeArg);
                if (ctx.Db(dstKey).Delete(dstKey)) ctx.Notify(NotifyClass.Generic, "del", dstKey);
                reply.Integer(0);
            }
            else if (cardinalityOnly) reply.Integer(0);
            else reply.SetHeader(0);
            return;
        }
        // Smallest first (a stable sort, as glibc's qsort is in practice).
        var sets = found.Select(s => s!).OrderBy(s => s.Count).ToArray();
        var smallest = sets[0];
        SetObject? result = storeArg != 0 ? SetObject.NewIntSet() : null;
        long max = MaxIntset(ctx);
        int start = storeArg == 0 && !cardinalityOnly ? reply.BeginDeferred() : 0;
        long cardinality = 0;
        Span<byte> scratch = stackalloc byte[SetObject.ScratchSize];
        Span<byte> text = stackalloc byte[SetObject.ScratchSize];
        for (int i = 0; i < smallest.Count; i++)
        {
            bool inAll = true;
            if (smallest.Ints is { } ints)
            {
                long v = ints[i];
                for (int j = 1; j < sets.Length && inAll; j++)
                {
                    if (ReferenceEquals(sets[j], smallest)) continue;
                    if (sets[j].Ints is { } other) inAll = other.Contains(v);
                    else inAll = sets[j].Table!.Contains(text[..NumberParser.Format(v, text)]);
                }
                if (!inAll) continue;
                if (cardinalityOnly)
                {
                    if (++cardinality == limit) break;
                }
                else if (result is not null) result.AddInteger(v, max);
                else
                {
                    reply.Bulk(text[..NumberParser.Format(v, text)]);
                    cardinality++;
                }
                continue;
            }
            var member = smallest.At(i, scratch);
            for (int j = 1; j < sets.Length && inAll; j++)
            {
                if (ReferenceEquals(sets[j], smallest)) continue;
                inAll = sets[j].Contains(member);
            }
            if (!inAll) continue;
            if (cardinalityOnly)
            {
                if (++cardinality == limit) break;
            }
            else if (result is not null) result.Add(member, max);
            else
            {
                reply.Bulk(member);
                cardinality++;
            }
        }
        if (cardinalityOnly) reply.Integer(cardinality);
        else if (result is not null) Store(ctx, ctx.Arg(storeArg), result, "sinterstore");
        else reply.EndDeferredSet(start, (int)cardinality);
    }

    private static void SUnion(CommandContext ctx) => UnionDiffGeneric(ctx, 1, ctx.ArgCount - 1, storeArg: 0, SetOp.Union);

    private static void SUnionStore(CommandContext ctx) => UnionDiffGeneric(ctx, 2, ctx.ArgCount - 2, storeArg: 1, SetOp.Union);

    private static void SDiff(CommandContext ctx) => UnionDiffGeneric(ctx, 1, ctx.ArgCount - 1, storeArg: 0, SetOp.Diff);

    private static void SDiffStore(CommandContext ctx) => UnionDiffGeneric(ctx, 2, ctx.ArgCount - 2, storeArg: 1, SetOp.Diff);

    private static void UnionDiffGeneric(CommandContext ctx, int first, int count, int storeArg, SetOp op)
    {
        if (!ReadAll(ctx, first, count, out var sets, out _)) return;
        long max = MaxIntset(ctx);
        var result = SetObject.NewIntSet();
        Span<byte> scratch = stackalloc byte[SetObject.ScratchSize];
        var head = sets[0];
        if (op == SetOp.Union)
        {
            foreach (var set in sets)
                if (set is not null) AddAll(result, set, max, scratch);
        }
        else if (head is not null && !sets.Skip(1).Any(s => ReferenceEquals(s, head)))
        {
            // Redis's choice between its two algorithms (the result is the same either way).
            long oneWork = 0, twoWork = 0;
            foreach (var set in sets)
            {
                if (set is null) continue;
                oneWork += head.Count;
                twoWork += set.Count;
            }
            if (oneWork / 2 <= twoWork)
            {
                // Each member of the first set that no other set holds.
                for (int i = 0; i < head.Count; i++)
                {
                    var member = head.At(i, scratch);
                    bool elsewhere = false;
                    for (int j = 1; j < sets.Length && !elsewhere; j++) elsewhere = sets[j]?.Contains(member) == true;
                    if (!elsewhere) result.Add(member, max);
                }
            }
            else
            {
                // The first set, minus every member of the others.
                AddAll(result, head, max, scratch);
                for (int j = 1; j < sets.Length && result.Count > 0; j++)
                {
                    if (sets[j] is not { } set) continue;
                    for (int i = 0; i < set.Count; i++) result.Remove(set.At(i, scratch));
                }
            }
        }
        if (storeArg != 0)
        {
            Store(ctx, ctx.Arg(storeArg), result, op == SetOp.Union ? "sunionstore" : "sdiffstore");
            return;
        }
        var reply = ctx.Reply;
        reply.SetHeader(result.Count);
        for (int i = 0; i < result.Count; i++) WriteMember(reply, result, i, scratch);
    }

    private static void AddAll(SetObject result, SetObject set, long max, Span<byte> scratch)
    {
        if (set.Ints is { } ints)
        {
            for (int i = 0; i < ints.Count; i++) result.AddInteger(ints[i], max);
            return;
        }
        for (int i = 0; i < set.Count; i++) result.Add(set.At(i, scratch), max);
    }

    /// <summary>Stores a computed set (setKey: any old value and TTL go), or deletes the key for an empty result.</summary>
    private static void Store(CommandContext ctx, ReadOnlySpan<byte> dstKey, SetObject result, string eventName)
    {
        var db = ctx.Db(dstKey);
        if (result.Count > 0)
        {
            db.CreateObject(dstKey, KeyType.Set, result, 0, ctx.Now);
            ctx.Reply.Integer(result.Count);
            ctx.Notify(NotifyClass.Set, eventName, dstKey);
        }
        else
        {
            ctx.Reply.Integer(0);
            if (db.Delete(dstKey)) ctx.Notify(NotifyClass.Generic, "del", dstKey);
        }
    }
}
