using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Families.Hashes;
using TdbPlus.Shards.Keyspace;
using TdbPlus.Shards.Storage;

namespace TdbPlus.Shards.Families;

/// <summary>
/// Hash commands with Redis 7.0 semantics: HSET HSETNX HGET HMGET HMSET HDEL HLEN HSTRLEN HEXISTS HKEYS HVALS
/// HGETALL HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN.
/// </summary>
/// <remarks>
/// A hash is a <see cref="HashObject"/>: listpack while it has at most hash-max-listpack-entries fields and
/// no field or value longer than hash-max-listpack-value bytes, hashtable after (never back). Listpack
/// hashes keep insertion order, which HGETALL, HSCAN and HRANDFIELD with a large count show.
/// </remarks>
public static partial class HashFamily
{
    private const CommandFlags ReadFast = CommandFlags.ReadOnly | CommandFlags.Fast;
    private const CommandFlags WriteOomFast = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast;
    private const CommandFlags WriteFast = CommandFlags.Write | CommandFlags.Fast;
    private const AclCategories ReadCat = AclCategories.Read | AclCategories.Hash | AclCategories.Fast;
    private const AclCategories ReadSlowCat = AclCategories.Read | AclCategories.Hash | AclCategories.Slow;
    private const AclCategories WriteCat = AclCategories.Write | AclCategories.Hash | AclCategories.Fast;
    private const string Group = "hash";

    public static IEnumerable<CommandDef> Commands() =>
    [
        Declare.Keyed("HSET", -4, WriteOomFast, 1, 1, 1, WriteCat, HSet, "Set the string value of a hash field", "2.0.0", Group),
        Declare.Keyed("HSETNX", 4, WriteOomFast, 1, 1, 1, WriteCat, HSetNx,
            "Set the value of a hash field, only if the field does not exist", "2.0.0", Group),
        Declare.Keyed("HGET", 3, ReadFast, 1, 1, 1, ReadCat, HGet, "Get the value of a hash field", "2.0.0", Group),
        Declare.Keyed("HMGET", -3, ReadFast, 1, 1, 1, ReadCat, HMGet, "Get the values of all the given hash fields", "2.0.0", Group),
        Declare.Keyed("HMSET", -4, WriteOomFast, 1, 1, 1, WriteCat, HMSet,
            "Set multiple hash fields to multiple values", "2.0.0", Group),
        Declare.Keyed("HDEL", -3, WriteFast, 1, 1, 1, WriteCat, HDel, "Delete one or more hash fields", "2.0.0", Group),
        Declare.Keyed("HLEN", 2, ReadFast, 1, 1, 1, ReadCat, HLen, "Get the number of fields in a hash", "2.0.0", Group),
        Declare.Keyed("HSTRLEN", 3, ReadFast, 1, 1, 1, ReadCat, HStrLen,
            "Get the length of the value of a hash field", "3.2.0", Group),
        Declare.Keyed("HEXISTS", 3, ReadFast, 1, 1, 1, ReadCat, HExists, "Determine if a hash field exists", "2.0.0", Group),
        Declare.Keyed("HKEYS", 2, CommandFlags.ReadOnly, 1, 1, 1, ReadSlowCat, HKeys, "Get all the fields in a hash", "2.0.0", Group),
        Declare.Keyed("HVALS", 2, CommandFlags.ReadOnly, 1, 1, 1, ReadSlowCat, HVals, "Get all the values in a hash", "2.0.0", Group),
        Declare.Keyed("HGETALL", 2, CommandFlags.ReadOnly, 1, 1, 1, ReadSlowCat, HGetAll,
            "Get all the fields and values in a hash", "2.0.0", Group),
        Declare.Keyed("HINCRBY", 4, WriteOomFast, 1, 1, 1, WriteCat, HIncrBy,
            "Increment the integer value of a hash field by the given number", "2.0.0", Group),
        Declare.Keyed("HINCRBYFLOAT", 4, WriteOomFast, 1, 1, 1, WriteCat, HIncrByFloat,
            "Increment the float value of a hash field by the given amount", "2.6.0", Group),
        Declare.Keyed("HRANDFIELD", -2, CommandFlags.ReadOnly, 1, 1, 1, ReadSlowCat, HRandField,
            "Get one or multiple random fields from a hash", "6.2.0", Group),
        Declare.Keyed("HSCAN", -3, CommandFlags.ReadOnly, 1, 1, 1, ReadSlowCat, HScan,
            "Incrementally iterate hash fields and associated values", "2.8.0", Group),
    ];

    // ---- lookups ----

    /// <summary>
    /// The hash at <paramref name="key"/> for a read (lookupKeyRead): null when missing (nothing replied) or
    /// of another type (WRONGTYPE replied, <paramref name="wrongType"/> set).
    /// </summary>
    private static HashObject? Read(CommandContext ctx, ReadOnlySpan<byte> key, out bool wrongType)
    {
        var db = ctx.Db(key);
        nint rec = db.FindTouch(key, ctx.Now, ctx.Session.NoTouch);
        wrongType = false;
        if (rec == 0) return null;
        if (Record.Type(rec) != KeyType.Hash)
        {
            wrongType = true;
            ctx.WrongType();
            return null;
        }
        return db.GetObject<HashObject>(rec);
    }

    /// <summary>Redis's hashTypeLookupWriteOrCreate: the hash at the key, created empty when missing; null after WRONGTYPE.</summary>
    private static HashObject? WriteOrCreate(CommandContext ctx, ReadOnlySpan<byte> key, out Database db)
    {
        db = ctx.Db(key);
        nint rec = db.FindForWrite(key, ctx.Now, ctx.Session.NoTouch);
        if (rec == 0)
        {
            var hash = new HashObject();
            db.CreateObject(key, KeyType.Hash, hash, 0, ctx.Now);
            return hash;
        }
        if (Record.Type(rec) != KeyType.Hash)
        {
            ctx.WrongType();
            return null;
        }
        return db.GetObject<HashObject>(rec);
    }

    /// <summary>The hash at the key for a write (lookupKeyWrite), or null when missing or after WRONGTYPE.</summary>
    private static HashObject? Write(CommandContext ctx, ReadOnlySpan<byte> key, out Database db, out bool wrongType)
    {
        db = ctx.Db(key);
        nint rec = db.FindForWrite(key, ctx.Now, ctx.Session.NoTouch);
        wrongType = false;
        if (rec == 0) return null;
        if (Record.Type(rec) != KeyType.Hash)
        {
            wrongType = true;
            ctx.WrongType();
            return null;
        }
        return db.GetObject<HashObject>(rec);
    }

    private static long MaxEntries(CommandContext ctx) => ctx.Engine.Config.HashMaxListpackEntries;

    private static long MaxValue(CommandContext ctx) => ctx.Engine.Config.HashMaxListpackValue;

    // ---- setting ----

    private static void HSet(CommandContext ctx) => HSetGeneric(ctx, multi: false);

    private static void HMSet(CommandContext ctx) => HSetGeneric(ctx, multi: true);

    private static void HSetGeneric(CommandContext ctx, bool multi)
    {
        if (ctx.ArgCount % 2 == 1)
        {
            ctx.Error(Errors.WrongArity(ctx.Command.FullName));
            return;
        }
        var key = ctx.Arg(1);
        var hash = WriteOrCreate(ctx, key, out var db);
        if (hash is null) return;
        long before = hash.MemoryBytes;
        long maxEntries = MaxEntries(ctx), maxValue = MaxValue(ctx);
        for (int i = 2; i < ctx.ArgCount; i++) hash.ConvertIfTooLong(ctx.Arg(i).Length, maxValue);
        long created = 0;
        for (int i = 2; i < ctx.ArgCount; i += 2)
            if (hash.Set(ctx.Arg(i), ctx.Arg(i + 1), maxEntries, maxValue)) created++;
        db.ObjectResized(before, hash);
        ctx.Notify(NotifyClass.Hash, "hset", key);
        if (multi) ctx.Reply.Ok();
        else ctx.Reply.Integer(created);
    }

    private static void HSetNx(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        var hash = WriteOrCreate(ctx, key, out var db);
        if (hash is null) return;
        if (hash.Contains(ctx.Arg(2)))
        {
            ctx.Reply.Integer(0);
            return;
        }
        long before = hash.MemoryBytes;
        long maxValue = MaxValue(ctx);
        hash.ConvertIfTooLong(ctx.Arg(2).Length, maxValue);
        hash.ConvertIfTooLong(ctx.Arg(3).Length, maxValue);
        hash.Set(ctx.Arg(2), ctx.Arg(3), MaxEntries(ctx), maxValue);
        db.ObjectResized(before, hash);
        ctx.Notify(NotifyClass.Hash, "hset", key);
        ctx.Reply.Integer(1);
    }

    private static void HDel(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        var hash = Write(ctx, key, out var db, out bool wrongType);
        if (hash is null)
        {
            if (!wrongType) ctx.Reply.Integer(0);
            return;
        }
        long before = hash.MemoryBytes;
        long deleted = 0;
        for (int i = 2; i < ctx.ArgCount; i++)
        {
            if (!hash.Delete(ctx.Arg(i))) continue;
            deleted++;
            if (hash.Count == 0) break;
        }
        // Account first: deleting the key subtracts the size the hash has now.
        db.ObjectResized(before, hash);
        bool removed = hash.Count == 0;
        if (removed) db.Delete(key);
        if (deleted > 0)
        {
            ctx.Notify(NotifyClass.Hash, "hdel", key);
            if (removed) ctx.Notify(NotifyClass.Generic, "del", key);
        }
        ctx.Reply.Integer(deleted);
    }

    // ---- reading ----

    private static void HGet(CommandContext ctx)
    {
        var hash = Read(ctx, ctx.Arg(1), out bool wrongType);
        if (wrongType) return;
        if (hash is not null && hash.TryGet(ctx.Arg(2), out var value)) ctx.Reply.Bulk(value);
        else ctx.Reply.NullBulk();
    }

    private static void HMGet(CommandContext ctx)
    {
        var hash = Read(ctx, ctx.Arg(1), out bool wrongType);
        if (wrongType) return;
        ctx.Reply.ArrayHeader(ctx.ArgCount - 2);
        for (int i = 2; i < ctx.ArgCount; i++)
        {
            if (hash is not null && hash.TryGet(ctx.Arg(i), out var value)) ctx.Reply.Bulk(value);
            else ctx.Reply.NullBulk();
        }
    }

    private static void HLen(CommandContext ctx)
    {
        var hash = Read(ctx, ctx.Arg(1), out bool wrongType);
        if (!wrongType) ctx.Reply.Integer(hash?.Count ?? 0);
    }

    private static void HStrLen(CommandContext ctx)
    {
        var hash = Read(ctx, ctx.Arg(1), out bool wrongType);
        if (wrongType) return;
        ctx.Reply.Integer(hash is not null && hash.TryGet(ctx.Arg(2), out var value) ? value.Length : 0);
    }

    private static void HExists(CommandContext ctx)
    {
        var hash = Read(ctx, ctx.Arg(1), out bool wrongType);
        if (!wrongType) ctx.Reply.Integer(hash is not null && hash.Contains(ctx.Arg(2)) ? 1 : 0);
    }

    private static void HKeys(CommandContext ctx) => GetAll(ctx, keys: true, values: false);

    private static void HVals(CommandContext ctx) => GetAll(ctx, keys: false, values: true);

    private static void HGetAll(CommandContext ctx) => GetAll(ctx, keys: true, values: true);

    /// <summary>Redis's genericHgetallCommand: a map for HGETALL, a flat array for HKEYS and HVALS.</summary>
    private static void GetAll(CommandContext ctx, bool keys, bool values)
    {
        var hash = Read(ctx, ctx.Arg(1), out bool wrongType);
        if (wrongType) return;
        var reply = ctx.Reply;
        int count = hash?.Count ?? 0;
        if (keys && values) reply.MapHeader(count);
        else reply.ArrayHeader(count);
        if (hash is null) return;
        var e = hash.GetEnumerator();
        while (e.MoveNext())
        {
            if (keys) reply.Bulk(e.Field);
            if (values) reply.Bulk(e.Value);
        }
    }

    // ---- HSCAN ----

    private static void HScan(CommandContext ctx)
    {
        if (!CollectionScan.TryParseCursor(ctx, 2, out ulong cursor)) return;
        var hash = Read(ctx, ctx.Arg(1), out bool wrongType);
        if (wrongType) return;
        if (hash is null)
        {
            CollectionScan.ReplyEmpty(ctx);
            return;
        }
        if (!CollectionScan.TryParseOptions(ctx, 3, out long count, out int patternArg)) return;
        var reply = ctx.Reply;
        if (hash.Table is not { } table)
        {
            // A listpack is returned whole, at cursor 0.
            CollectionScan.WriteCursor(reply, 0);
            int start = reply.BeginDeferred();
            int items = 0;
            var e = hash.GetEnumerator();
            while (e.MoveNext())
            {
                if (!CollectionScan.Matches(ctx, patternArg, e.Field)) continue;
                reply.Bulk(e.Field);
                reply.Bulk(e.Value);
                items += 2;
            }
            reply.EndDeferredArray(start, items);
            return;
        }
        // Redis counts fields and values, so it doubles COUNT (and the bucket budget with it).
        long maxIterations = count > long.MaxValue / 20 ? long.MaxValue : count * 20;
        var ids = CollectionScan.Walk(table, ref cursor, count, maxIterations);
        CollectionScan.WriteCursor(reply, cursor);
        int begin = reply.BeginDeferred();
        int written = 0;
        foreach (int id in ids)
        {
            var field = table.Key(id);
            if (!CollectionScan.Matches(ctx, patternArg, field)) continue;
            reply.Bulk(field);
            reply.Bulk(table.Value(id));
            written += 2;
        }
        reply.EndDeferredArray(begin, written);
        CollectionScan.Trim();
    }
}
