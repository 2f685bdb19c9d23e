using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Families.Lists;
using TdbPlus.Shards.Keyspace;
using TdbPlus.Shards.Storage;

namespace TdbPlus.Shards.Families;

/// <summary>
/// List commands with Redis 7.0 semantics: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET LINSERT
/// LREM LTRIM LPOS LMOVE RPOPLPUSH LMPOP and the blocking BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP.
/// </summary>
/// <remarks>
/// Values are <see cref="QuickList"/>s (packed nodes, list-max-listpack-size). An emptied list is deleted, as in
/// Redis. Pushes signal the key ready so clients blocked on it are served right after the command.
/// </remarks>
public static partial class ListFamily
{
    private const CommandFlags WriteOomFast = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast;
    private const CommandFlags WriteFast = CommandFlags.Write | CommandFlags.Fast;
    private const CommandFlags WriteOom = CommandFlags.Write | CommandFlags.DenyOom;
    private const CommandFlags ReadFast = CommandFlags.ReadOnly | CommandFlags.Fast;
    private const CommandFlags BlockingWrite = CommandFlags.Write | CommandFlags.NoScript | CommandFlags.Blocking;
    private const AclCategories WriteFastCat = AclCategories.Write | AclCategories.List | AclCategories.Fast;
    private const AclCategories WriteSlowCat = AclCategories.Write | AclCategories.List | AclCategories.Slow;
    private const AclCategories ReadFastCat = AclCategories.Read | AclCategories.List | AclCategories.Fast;
    private const AclCategories ReadSlowCat = AclCategories.Read | AclCategories.List | AclCategories.Slow;
    private const AclCategories BlockingCat = WriteSlowCat | AclCategories.Blocking;
    private const string Group = "list";

    public static IEnumerable<CommandDef> Commands() =>
    [
        Declare.Keyed("LPUSH", -3, WriteOomFast, 1, 1, 1, WriteFastCat, LPush,
            "Prepend one or multiple elements to a list", group: Group),
        Declare.Keyed("RPUSH", -3, WriteOomFast, 1, 1, 1, WriteFastCat, RPush,
            "Append one or multiple elements to a list", group: Group),
        Declare.Keyed("LPUSHX", -3, WriteOomFast, 1, 1, 1, WriteFastCat, LPushX,
            "Prepend an element to a list, only if the list exists", "2.2.0", Group),
        Declare.Keyed("RPUSHX", -3, WriteOomFast, 1, 1, 1, WriteFastCat, RPushX,
            "Append an element to a list, only if the list exists", "2.2.0", Group),
        Declare.Keyed("LPOP", -2, WriteFast, 1, 1, 1, WriteFastCat, LPop,
            "Remove and get the first elements in a list", group: Group),
        Declare.Keyed("RPOP", -2, WriteFast, 1, 1, 1, WriteFastCat, RPop,
            "Remove and get the last elements in a list", group: Group),
        Declare.Keyed("LLEN", 2, ReadFast, 1, 1, 1, ReadFastCat, LLen, "Get the length of a list", group: Group),
        Declare.Keyed("LRANGE", 4, CommandFlags.ReadOnly, 1, 1, 1, ReadSlowCat, LRange,
            "Get a range of elements from a list", group: Group),
        Declare.Keyed("LINDEX", 3, CommandFlags.ReadOnly, 1, 1, 1, ReadSlowCat, LIndex,
            "Get an element from a list by its index", group: Group),
        Declare.Keyed("LSET", 4, WriteOom, 1, 1, 1, WriteSlowCat, LSet,
            "Set the value of an element in a list by its index", group: Group),
        Declare.Keyed("LINSERT", 5, WriteOom, 1, 1, 1, WriteSlowCat, LInsert,
            "Insert an element before or after another element in a list", "2.2.0", Group),
        Declare.Keyed("LREM", 4, CommandFlags.Write, 1, 1, 1, WriteSlowCat, LRem,
            "Remove elements from a list", group: Group),
        Declare.Keyed("LTRIM", 4, CommandFlags.Write, 1, 1, 1, WriteSlowCat, LTrim,
            "Trim a list to the specified range", group: Group),
        Declare.Keyed("LPOS", -3, CommandFlags.ReadOnly, 1, 1, 1, ReadSlowCat, LPos,
            "Return the index of matching elements on a list", "6.0.6", Group),
        Declare.Keyed("LMOVE", 5, WriteOom, 1, 2, 1, WriteSlowCat, LMove,
            "Pop an element from a list, push it to another list and return it", "6.2.0", Group),
        Declare.Keyed("RPOPLPUSH", 3, WriteOom, 1, 2, 1, WriteSlowCat, RPopLPush,
            "Remove the last element in a list, prepend it to another list and return it", "1.2.0", Group),
        Declare.KeyedMovable("LMPOP", -4, CommandFlags.Write, 0, 0, 0, KeyFinders.NumKeysAt1, WriteSlowCat, LMPop,
            "Pop elements from a list", "7.0.0", Group),
        Declare.Keyed("BLPOP", -3, BlockingWrite, 1, -2, 1, BlockingCat, BLPop,
            "Remove and get the first element in a list, or block until one is available", "2.0.0", Group),
        Declare.Keyed("BRPOP", -3, BlockingWrite, 1, -2, 1, BlockingCat, BRPop,
            "Remove and get the last element in a list, or block until one is available", "2.0.0", Group),
        Declare.Keyed("BLMOVE", 6, BlockingWrite | CommandFlags.DenyOom, 1, 2, 1, BlockingCat, BLMove,
            "Pop an element from a list, push it to another list and return it; or block until one is available",
            "6.2.0", Group),
        Declare.Keyed("BRPOPLPUSH", 4, BlockingWrite | CommandFlags.DenyOom, 1, 2, 1, BlockingCat, BRPopLPush,
            "Pop an element from a list, push it to another list and return it; or block until one is available",
            "2.2.0", Group),
        Declare.KeyedMovable("BLMPOP", -5, CommandFlags.Write | CommandFlags.Blocking, 0, 0, 0, KeyFinders.NumKeysAt2,
            BlockingCat, BLMPop, "Pop elements from a list, or block until one is available", "7.0.0", Group),
    ];

    // ---- lookups ----

    /// <summary>
    /// The list at <paramref name="key"/> (write path): null when missing; false after a WRONGTYPE error.
    /// </summary>
    private static bool TryGetForWrite(CommandContext ctx, Database db, ReadOnlySpan<byte> key, out QuickList? list)
    {
        list = null;
        nint rec = db.FindForWrite(key, ctx.Now, ctx.Session.NoTouch);
        if (rec == 0) return true;
        if (Record.Type(rec) != KeyType.List)
        {
            ctx.WrongType();
            return false;
        }
        list = db.GetObject<QuickList>(rec);
        return true;
    }

    /// <summary>The list at <paramref name="key"/> (read path, counting hits/misses): as <see cref="TryGetForWrite"/>.</summary>
    private static bool TryGetForRead(CommandContext ctx, Database db, ReadOnlySpan<byte> key, out QuickList? list)
    {
        list = null;
        nint rec = db.FindTouch(key, ctx.Now, ctx.Session.NoTouch);
        if (rec == 0) return true;
        if (Record.Type(rec) != KeyType.List)
        {
            ctx.WrongType();
            return false;
        }
        list = db.GetObject<QuickList>(rec);
        return true;
    }

    private static QuickList NewList(CommandContext ctx) => new(ctx.Engine.Config.ListMaxListpackSize);

    /// <summary>Creates the list at <paramref name="key"/> (CreateObject signals it ready for blocked clients).</summary>
    private static QuickList Create(CommandContext ctx, Database db, ReadOnlySpan<byte> key, QuickList list)
    {
        db.CreateObject(key, KeyType.List, list, 0, ctx.Now);
        return list;
    }

    /// <summary>After removals: deletes the key of an emptied list (as Redis, with its "del" event), else records the size change.</summary>
    private static void AfterRemoval(CommandContext ctx, Database db, ReadOnlySpan<byte> key, QuickList list, long bytesBefore)
    {
        if (list.Count == 0)
        {
            db.Delete(key);
            ctx.Notify(NotifyClass.Generic, "del", key);
        }
        else db.ObjectResized(bytesBefore, list);
    }

    /// <summary>Redis's listElementsRemoved: the "lpop"/"rpop" event, then the deletion of an emptied list.</summary>
    private static void ElementsRemoved(CommandContext ctx, Database db, ReadOnlySpan<byte> key, QuickList list,
        long bytesBefore, bool head)
    {
        ctx.Notify(NotifyClass.List, head ? "lpop" : "rpop", key);
        AfterRemoval(ctx, db, key, list, bytesBefore);
    }

    /// <summary>LEFT or RIGHT (getListPositionFromObjectOrReply); false after a syntax error.</summary>
    private static bool TryGetEnd(CommandContext ctx, int index, out bool head)
    {
        head = ctx.ArgIs(index, "LEFT"u8);
        if (head || ctx.ArgIs(index, "RIGHT"u8)) return true;
        ctx.SyntaxError();
        return false;
    }

    // ---- push ----

    private static void LPush(CommandContext ctx) => PushGeneric(ctx, head: true, onlyExisting: false);

    private static void RPush(CommandContext ctx) => PushGeneric(ctx, head: false, onlyExisting: false);

    private static void LPushX(CommandContext ctx) => PushGeneric(ctx, head: true, onlyExisting: true);

    private static void RPushX(CommandContext ctx) => PushGeneric(ctx, head: false, onlyExisting: true);

    private static void PushGeneric(CommandContext ctx, bool head, bool onlyExisting)
    {
        var key = ctx.Arg(1);
        var db = ctx.Db(key);
        if (!TryGetForWrite(ctx, db, key, out var list)) return;
        if (list is null)
        {
            if (onlyExisting)
            {
                ctx.Reply.Integer(0);
                return;
            }
            list = NewList(ctx);
            for (int i = 2; i < ctx.ArgCount; i++) list.Push(ctx.Arg(i), head);
            Create(ctx, db, key, list);
            ctx.Reply.Integer(list.Count);
            ctx.Notify(NotifyClass.List, head ? "lpush" : "rpush", key);
            return;
        }
        long before = list.MemoryBytes;
        for (int i = 2; i < ctx.ArgCount; i++) list.Push(ctx.Arg(i), head);
        db.ObjectResized(before, list);
        db.SignalKeyReady(key);
        ctx.Reply.Integer(list.Count);
        ctx.Notify(NotifyClass.List, head ? "lpush" : "rpush", key);
    }

    // ---- pop ----

    private static void LPop(CommandContext ctx) => PopGeneric(ctx, head: true);

    private static void RPop(CommandContext ctx) => PopGeneric(ctx, head: false);

    /// <summary>Redis 7.0's popGenericCommand: one element as a bulk, or with COUNT an array.</summary>
    private static void PopGeneric(CommandContext ctx, bool head)
    {
        if (ctx.ArgCount > 3)
        {
            ctx.Error(Errors.WrongArity(ctx.Command.FullName));
            return;
        }
        bool hasCount = ctx.ArgCount == 3;
        long count = 0;
        if (hasCount && (!NumberParser.TryParseInt64(ctx.Arg(2), out count) || count < 0))
        {
            ctx.Error("ERR value is out of range, must be positive");
            return;
        }
        var key = ctx.Arg(1);
        var db = ctx.Db(key);
        if (!TryGetForWrite(ctx, db, key, out var list)) return;
        if (list is null)
        {
            if (hasCount) ctx.Reply.NullArray();
            else ctx.Reply.NullBulk();
            return;
        }
        if (hasCount && count == 0)
        {
            ctx.Reply.EmptyArray();
            return;
        }
        long before = list.MemoryBytes;
        if (!hasCount)
        {
            ctx.Reply.Bulk(list.Peek(head));
            if (head) list.RemoveHead();
            else list.RemoveTail();
        }
        else PopRangeReply(ctx, list, head, count);
        ElementsRemoved(ctx, db, key, list, before, head);
    }

    /// <summary>Replies up to <paramref name="count"/> elements from one end (the tail ones last-first) and removes them.</summary>
    private static void PopRangeReply(CommandContext ctx, QuickList list, bool head, long count)
    {
        long n = Math.Min(count, list.Count);
        ctx.Reply.ArrayHeader((int)n);
        if (head)
        {
            var c = list.Seek(0);
            for (long i = 0; i < n; i++)
            {
                ctx.Reply.Bulk(list.At(c));
                list.MoveNext(ref c);
            }
            list.RemoveRange(0, n);
        }
        else
        {
            var c = list.Seek(list.Count - 1);
            for (long i = 0; i < n; i++)
            {
                ctx.Reply.Bulk(list.At(c));
                list.MovePrev(ref c);
            }
            list.RemoveRange(list.Count - n, n);
        }
    }

    private static void LLen(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        if (!TryGetForRead(ctx, ctx.Db(key), key, out var list)) return;
        ctx.Reply.Integer(list?.Count ?? 0);
    }
}
