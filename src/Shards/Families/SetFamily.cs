using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Families.Sets;
using TdbPlus.Shards.Keyspace;
using TdbPlus.Shards.Storage;

namespace TdbPlus.Shards.Families;

/// <summary>
/// Set commands with Redis 7.0 semantics: SADD SREM SCARD SISMEMBER SMISMEMBER SMEMBERS SRANDMEMBER SPOP SMOVE
/// SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE SSCAN.
/// </summary>
/// <remarks>
/// A set is a <see cref="SetObject"/>: intset (ascending order) while every member is an integer and there are
/// at most set-max-intset-entries of them, hashtable otherwise. Multi-key commands read each key through
/// ctx.Db(key); the engine parks every shard involved, so keys on different shards work the same.
/// </remarks>
public static partial class SetFamily
{
    private const CommandFlags ReadFast = CommandFlags.ReadOnly | CommandFlags.Fast;
    private const CommandFlags WriteOomFast = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast;
    private const CommandFlags WriteFast = CommandFlags.Write | CommandFlags.Fast;
    private const CommandFlags WriteOom = CommandFlags.Write | CommandFlags.DenyOom;
    private const AclCategories ReadCat = AclCategories.Read | AclCategories.Set | AclCategories.Fast;
    private const AclCategories ReadSlowCat = AclCategories.Read | AclCategories.Set | AclCategories.Slow;
    private const AclCategories WriteCat = AclCategories.Write | AclCategories.Set | AclCategories.Fast;
    private const AclCategories WriteSlowCat = AclCategories.Write | AclCategories.Set | AclCategories.Slow;
    private const string Group = "set";

    public static IEnumerable<CommandDef> Commands() =>
    [
        Declare.Keyed("SADD", -3, WriteOomFast, 1, 1, 1, WriteCat, SAdd, "Add one or more members to a set", group: Group),
        Declare.Keyed("SREM", -3, WriteFast, 1, 1, 1, WriteCat, SRem, "Remove one or more members from a set", group: Group),
        Declare.Keyed("SCARD", 2, ReadFast, 1, 1, 1, ReadCat, SCard, "Get the number of members in a set", group: Group),
        Declare.Keyed("SISMEMBER", 3, ReadFast, 1, 1, 1, ReadCat, SIsMember,
            "Determine if a given value is a member of a set", group: Group),
        Declare.Keyed("SMISMEMBER", -3, ReadFast, 1, 1, 1, ReadCat, SMIsMember,
            "Returns the membership associated with the given elements for a set", "6.2.0", Group),
        Declare.Keyed("SMEMBERS", 2, CommandFlags.ReadOnly, 1, 1, 1, ReadSlowCat, SMembers, "Get all the members in a set", group: Group),
        Declare.Keyed("SRANDMEMBER", -2, CommandFlags.ReadOnly, 1, 1, 1, ReadSlowCat, SRandMember,
            "Get one or multiple random members from a set", group: Group),
        Declare.Keyed("SPOP", -2, WriteFast, 1, 1, 1, WriteCat, SPop,
            "Remove and return one or multiple random members from a set", group: Group),
        Declare.Keyed("SMOVE", 4, WriteFast, 1, 2, 1, WriteCat, SMove,
            "Move a member from one set to another", group: Group),
        Declare.Keyed("SINTER", -2, CommandFlags.ReadOnly, 1, -1, 1, ReadSlowCat, SInter, "Intersect multiple sets", group: Group),
        Declare.KeyedMovable("SINTERCARD", -3, CommandFlags.ReadOnly, 0, 0, 0, KeyFinders.NumKeysAt1, ReadSlowCat, SInterCard,
            "Intersect multiple sets and return the cardinality of the result", "7.0.0", Group),
        Declare.Keyed("SINTERSTORE", -3, WriteOom, 1, -1, 1, WriteSlowCat, SInterStore,
            "Intersect multiple sets and store the resulting set in a key", group: Group),
        Declare.Keyed("SUNION", -2, CommandFlags.ReadOnly, 1, -1, 1, ReadSlowCat, SUnion, "Add multiple sets", group: Group),
        Declare.Keyed("SUNIONSTORE", -3, WriteOom, 1, -1, 1, WriteSlowCat, SUnionStore,
            "Add multiple sets and store the resulting set in a key", group: Group),
        Declare.Keyed("SDIFF", -2, CommandFlags.ReadOnly, 1, -1, 1, ReadSlowCat, SDiff, "Subtract multiple sets", group: Group),
        Declare.Keyed("SDIFFSTORE", -3, WriteOom, 1, -1, 1, WriteSlowCat, SDiffStore,
            "Subtract multiple sets and store the resulting set in a key", group: Group),
        Declare.Keyed("SSCAN", -3, CommandFlags.ReadOnly, 1, 1, 1, ReadSlowCat, SScan,
            "Incrementally iterate Set elements", "2.8.0", Group),
    ];

    // ---- lookups ----

    /// <summary>
    /// The set at <paramref name="key"/> for a read (lookupKeyRead): null when missing (nothing replied) or of
    /// another type (WRONGTYPE replied, <paramref name="wrongType"/> set).
    /// </summary>
    private static SetObject? Read(CommandContext ctx, ReadOnlySpan<byte> key, out bool wrongType)
    {
        var db = ctx.Db(key);
        nint rec = db.FindTouch(key, ctx.Now, ctx.Session.NoTouch);
        wrongType = false;
        if (rec == 0) return null;
        if (Record.Type(rec) != KeyType.Set)
        {
            wrongType = true;
            ctx.WrongType();
            return null;
        }
        return db.GetObject<SetObject>(rec);
    }

    /// <summary>The set at the key for a write (lookupKeyWrite), with the same conventions as <see cref="Read"/>.</summary>
    private static SetObject? Write(CommandContext ctx, ReadOnlySpan<byte> key, out Database db, out bool wrongType)
    {
        db = ctx.Db(key);
        nint rec = db.FindForWrite(key, ctx.Now, ctx.Session.NoTouch);
        wrongType = false;
        if (rec == 0) return null;
        if (Record.Type(rec) != KeyType.Set)
        {
            wrongType = true;
            ctx.WrongType();
            return null;
        }
        return db.GetObject<SetObject>(rec);
    }

    private static long MaxIntset(CommandContext ctx) => ctx.Engine.Config.SetMaxIntsetEntries;

    private static void WriteMember(RespWriter reply, SetObject set, int index, Span<byte> scratch) =>
        reply.Bulk(set.At(index, scratch));

    // ---- single-key commands ----

    private static void SAdd(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        var set = Write(ctx, key, out var db, out bool wrongType);
        if (wrongType) return;
        if (set is null)
        {
            set = SetObject.CreateFor(ctx.Arg(2));
            db.CreateObject(key, KeyType.Set, set, 0, ctx.Now);
        }
        long before = set.MemoryBytes;
        long max = MaxIntset(ctx);
        long added = 0;
        for (int i = 2; i < ctx.ArgCount; i++)
            if (set.Add(ctx.Arg(i), max)) added++;
        db.ObjectResized(before, set);
        if (added > 0) ctx.Notify(NotifyClass.Set, "sadd", key);
        ctx.Reply.Integer(added);
    }

    private static void SRem(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        var set = Write(ctx, key, out var db, out bool wrongType);
        if (set is null)
        {
            if (!wrongType) ctx.Reply.Integer(0);
            return;
        }
        long before = set.MemoryBytes;
        long deleted = 0;
        for (int i = 2; i < ctx.ArgCount; i++)
        {
            if (!set.Remove(ctx.Arg(i))) continue;
            deleted++;
            if (set.Count == 0) break;
        }
        // Account first: deleting the key subtracts the size the set has now.
        db.ObjectResized(before, set);
        bool removed = set.Count == 0;
        if (removed) db.Delete(key);
        if (deleted > 0)
        {
            ctx.Notify(NotifyClass.Set, "srem", key);
            if (removed) ctx.Notify(NotifyClass.Generic, "del", key);
        }
        ctx.Reply.Integer(deleted);
    }

    private static void SCard(CommandContext ctx)
    {
        var set = Read(ctx, ctx.Arg(1), out bool wrongType);
        if (!wrongType) ctx.Reply.Integer(set?.Count ?? 0);
    }

    private static void SIsMember(CommandContext ctx)
    {
        var set = Read(ctx, ctx.Arg(1), out bool wrongType);
        if (!wrongType) ctx.Reply.Integer(set is not null && set.Contains(ctx.Arg(2)) ? 1 : 0);
    }

    private static void SMIsMember(CommandContext ctx)
    {
        var set = Read(ctx, ctx.Arg(1), out bool wrongType);
        if (wrongType) return;
        ctx.Reply.ArrayHeader(ctx.ArgCount - 2);
        for (int i = 2; i < ctx.ArgCount; i++) ctx.Reply.Integer(set is not null && set.Contains(ctx.Arg(i)) ? 1 : 0);
    }

    private static void SMembers(CommandContext ctx)
    {
        var set = Read(ctx, ctx.Arg(1), out bool wrongType);
        if (wrongType) return;
        var reply = ctx.Reply;
        if (set is null)
        {
            reply.SetHeader(0);
            return;
        }
        int count = set.Count;
        reply.SetHeader(count);
        Span<byte> scratch = stackalloc byte[SetObject.ScratchSize];
        for (int i = 0; i < count; i++) WriteMember(reply, set, i, scratch);
    }

    private static void SMove(CommandContext ctx)
    {
        var srcKey = ctx.Arg(1);
        var dstKey = ctx.Arg(2);
        var member = ctx.Arg(3);
        var srcDb = ctx.Db(srcKey);
        var dstDb = ctx.Db(dstKey);
        nint srcRec = srcDb.FindForWrite(srcKey, ctx.Now, ctx.Session.NoTouch);
        nint dstRec = dstDb.FindForWrite(dstKey, ctx.Now, ctx.Session.NoTouch);
        if (srcRec == 0)
        {
            ctx.Reply.Integer(0);
            return;
        }
        if (Record.Type(srcRec) != KeyType.Set || (dstRec != 0 && Record.Type(dstRec) != KeyType.Set))
        {
            ctx.WrongType();
            return;
        }
        var src = srcDb.GetObject<SetObject>(srcRec);
        var dst = dstRec != 0 ? dstDb.GetObject<SetObject>(dstRec) : null;
        if (ReferenceEquals(src, dst))
        {
            ctx.Reply.Integer(src.Contains(member) ? 1 : 0);
            return;
        }
        long srcBefore = src.MemoryBytes;
        if (!src.Remove(member))
        {
            ctx.Reply.Integer(0);
            return;
        }
        srcDb.ObjectResized(srcBefore, src);
        ctx.Notify(NotifyClass.Set, "srem", srcKey);
        if (src.Count == 0)
        {
            srcDb.Delete(srcKey);
            ctx.Notify(NotifyClass.Generic, "del", srcKey);
        }
        if (dst is null)
        {
            dst = SetObject.CreateFor(member);
            dstDb.CreateObject(dstKey, KeyType.Set, dst, 0, ctx.Now);
        }
        long dstBefore = dst.MemoryBytes;
        bool added = dst.Add(member, MaxIntset(ctx));
        dstDb.ObjectResized(dstBefore, dst);
        if (added) ctx.Notify(NotifyClass.Set, "sadd", dstKey);
        ctx.Reply.Integer(1);
    }

    // ---- SSCAN ----

    private static void SScan(CommandContext ctx)
    {
        if (!CollectionScan.TryParseCursor(ctx, 2, out ulong cursor)) return;
        var set = Read(ctx, ctx.Arg(1), out bool wrongType);
        if (wrongType) return;
        if (set is null)
        {
            CollectionScan.ReplyEmpty(ctx);
            return;
        }
        if (!CollectionScan.TryParseOptions(ctx, 3, out long count, out int patternArg)) return;
        var reply = ctx.Reply;
        if (set.Table is not { } table)
        {
            // An intset is returned whole, at cursor 0.
            CollectionScan.WriteCursor(reply, 0);
            int start = reply.BeginDeferred();
            int items = 0;
            Span<byte> scratch = stackalloc byte[SetObject.ScratchSize];
            for (int i = 0; i < set.Count; i++)
            {
                var member = set.At(i, scratch);
                if (!CollectionScan.Matches(ctx, patternArg, member)) continue;
                reply.Bulk(member);
                items++;
            }
            reply.EndDeferredArray(start, items);
            return;
        }
        long maxIterations = count > long.MaxValue / 10 ? long.MaxValue : count * 10;
        var ids = CollectionScan.Walk(table, ref cursor, count, maxIterations);
        CollectionScan.WriteCursor(reply, cursor);
        int begin = reply.BeginDeferred();
        int written = 0;
        foreach (int id in ids)
        {
            var member = table.Key(id);
            if (!CollectionScan.Matches(ctx, patternArg, member)) continue;
            reply.Bulk(member);
            written++;
        }
        reply.EndDeferredArray(begin, written);
        CollectionScan.Trim();
    }
}
