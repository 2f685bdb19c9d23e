using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Families.Sets;
using TdbPlus.Shards.Keyspace;

namespace TdbPlus.Shards.Families;

/// <summary>SRANDMEMBER and SPOP with Redis 7.0's count rules, strategies and reply shapes.</summary>
public static partial class SetFamily
{
    /// <summary>Redis's SPOP_MOVE_STRATEGY_MUL: rebuild the set from the survivors when few remain.</summary>
    private const int SpopMoveStrategyMul = 5;

    private static void SRandMember(CommandContext ctx)
    {
        if (ctx.ArgCount == 3)
        {
            SRandMemberWithCount(ctx);
            return;
        }
        if (ctx.ArgCount > 3)
        {
            ctx.SyntaxError();
            return;
        }
        var set = Read(ctx, ctx.Arg(1), out bool wrongType);
        if (wrongType) return;
        if (set is null)
        {
            ctx.Reply.NullBulk();
            return;
        }
        Span<byte> scratch = stackalloc byte[SetObject.ScratchSize];
        WriteMember(ctx.Reply, set, Random.Shared.Next(set.Count), scratch);
    }

    private static void SRandMemberWithCount(CommandContext ctx)
    {
        if (!RandomCount.TryParse(ctx, 2, out long requested)) return;
        var set = Read(ctx, ctx.Arg(1), out bool wrongType);
        if (wrongType) return;
        var reply = ctx.Reply;
        if (set is null || requested == 0)
        {
            reply.EmptyArray();
            return;
        }
        int size = set.Count;
        Span<byte> scratch = stackalloc byte[SetObject.ScratchSize];
        if (requested < 0)
        {
            // Repetitions allowed: each pick samples the whole set.
            long count = -requested;
            if (!RandomCount.CheckReplySize(ctx, count)) return;
            reply.ArrayHeader((int)count);
            for (long i = 0; i < count; i++) WriteMember(reply, set, Random.Shared.Next(size), scratch);
            return;
        }
        if (requested >= size)
        {
            reply.ArrayHeader(size);
            for (int i = 0; i < size; i++) WriteMember(reply, set, i, scratch);
            return;
        }
        reply.ArrayHeader((int)requested);
        foreach (int index in RandomCount.DistinctIndices(size, (int)requested)) WriteMember(reply, set, index, scratch);
    }

    private static void SPop(CommandContext ctx)
    {
        if (ctx.ArgCount == 3)
        {
            SPopWithCount(ctx);
            return;
        }
        if (ctx.ArgCount > 3)
        {
            ctx.SyntaxError();
            return;
        }
        var key = ctx.Arg(1);
        var set = Write(ctx, key, out var db, out bool wrongType);
        if (wrongType) return;
        if (set is null)
        {
            ctx.Reply.NullBulk();
            return;
        }
        long before = set.MemoryBytes;
        int index = Random.Shared.Next(set.Count);
        Span<byte> scratch = stackalloc byte[SetObject.ScratchSize];
        ctx.Notify(NotifyClass.Set, "spop", key);
        WriteMember(ctx.Reply, set, index, scratch);
        set.RemoveAt(index);
        db.ObjectResized(before, set);
        if (set.Count == 0)
        {
            db.Delete(key);
            ctx.Notify(NotifyClass.Generic, "del", key);
        }
    }

    private static void SPopWithCount(CommandContext ctx)
    {
        if (!ctx.TryGetLong(2, out long requested, "ERR value is out of range, must be positive")) return;
        if (requested < 0)
        {
            ctx.Error("ERR value is out of range, must be positive");
            return;
        }
        var key = ctx.Arg(1);
        var set = Write(ctx, key, out var db, out bool wrongType);
        if (wrongType) return;
        var reply = ctx.Reply;
        if (set is null || requested == 0)
        {
            reply.SetHeader(0);
            return;
        }
        int size = set.Count;
        Span<byte> scratch = stackalloc byte[SetObject.ScratchSize];
        ctx.Notify(NotifyClass.Set, "spop", key);
        if (requested >= size)
        {
            // The whole set goes (Redis replies it as SUNION of the one key would).
            reply.SetHeader(size);
            for (int i = 0; i < size; i++) WriteMember(reply, set, i, scratch);
            db.Delete(key);
            ctx.Notify(NotifyClass.Generic, "del", key);
            return;
        }
        int count = (int)requested;
        int remaining = size - count;
        long before = set.MemoryBytes;
        reply.SetHeader(count);
        if ((long)remaining * SpopMoveStrategyMul > count)
        {
            // Few to pop: take random members one at a time.
            for (int i = 0; i < count; i++)
            {
                int index = Random.Shared.Next(set.Count);
                WriteMember(reply, set, index, scratch);
                set.RemoveAt(index);
            }
        }
        else
        {
            // Most of the set goes: move the survivors to a new set and reply what is left of the old one.
            SetObject? survivors = null;
            long max = MaxIntset(ctx);
            for (int i = 0; i < remaining; i++)
            {
                int index = Random.Shared.Next(set.Count);
                var member = set.At(index, scratch);
                survivors ??= SetObject.CreateFor(member);
                survivors.Add(member, max);
                set.RemoveAt(index);
            }
            for (int i = 0; i < set.Count; i++) WriteMember(reply, set, i, scratch);
            set.ReplaceContents(survivors!);
        }
        db.ObjectResized(before, set);
    }
}
