using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Families.Strings;
using TdbPlus.Shards.Keyspace;
using TdbPlus.Shards.Storage;

namespace TdbPlus.Shards.Families;

/// <summary>
/// String commands with Redis 7.0 semantics: GET SET SETNX SETEX PSETEX GETEX GETDEL GETSET MGET MSET MSETNX
/// APPEND STRLEN GETRANGE SUBSTR SETRANGE INCR DECR INCRBY DECRBY INCRBYFLOAT LCS.
/// </summary>
/// <remarks>
/// Encodings: a record without encoding flags reads as Redis's tryObjectEncoding result (int for a canonical
/// integer, embstr up to 44 bytes, raw above). APPEND and SETRANGE leave raw strings (RawEncodingFlag), and
/// INCRBYFLOAT leaves an embstr even when the result reads as an integer (EmbstrEncodingFlag).
/// </remarks>
public static partial class StringFamily
{
    private const CommandFlags ReadFast = CommandFlags.ReadOnly | CommandFlags.Fast;
    private const CommandFlags WriteOom = CommandFlags.Write | CommandFlags.DenyOom;
    private const CommandFlags WriteOomFast = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast;
    private const CommandFlags WriteFast = CommandFlags.Write | CommandFlags.Fast;
    private const AclCategories ReadCat = AclCategories.Read | AclCategories.String | AclCategories.Fast;
    private const AclCategories ReadSlowCat = AclCategories.Read | AclCategories.String | AclCategories.Slow;
    private const AclCategories WriteCat = AclCategories.Write | AclCategories.String | AclCategories.Slow;
    private const AclCategories WriteFastCat = AclCategories.Write | AclCategories.String | AclCategories.Fast;
    private const string Group = "string";
    private const byte EncodingFlags = Record.RawEncodingFlag | Record.EmbstrEncodingFlag;

    public static IEnumerable<CommandDef> Commands() =>
    [
        Declare.Keyed("GET", 2, ReadFast, 1, 1, 1, ReadCat, Get, "Get the value of a key", group: Group),
        Declare.Keyed("SET", -3, WriteOom, 1, 1, 1, WriteCat, Set, "Set the string value of a key", group: Group),
        Declare.Keyed("SETNX", 3, WriteOomFast, 1, 1, 1, WriteFastCat, SetNx,
            "Set the value of a key, only if the key does not exist", group: Group),
        Declare.Keyed("SETEX", 4, WriteOom, 1, 1, 1, WriteCat, SetEx,
            "Set the value and expiration of a key", "2.0.0", Group),
        Declare.Keyed("PSETEX", 4, WriteOom, 1, 1, 1, WriteCat, PSetEx,
            "Set the value and expiration in milliseconds of a key", "2.6.0", Group),
        Declare.Keyed("GETEX", -2, WriteFast, 1, 1, 1, WriteFastCat, GetEx,
            "Get the value of a key and optionally set its expiration", "6.2.0", Group),
        Declare.Keyed("GETDEL", 2, WriteFast, 1, 1, 1, WriteFastCat, GetDel,
            "Get the value of a key and delete the key", "6.2.0", Group),
        Declare.Keyed("GETSET", 3, WriteOomFast, 1, 1, 1, WriteFastCat, GetSet,
            "Set the string value of a key and return its old value", group: Group),
        Declare.Keyed("MGET", -2, ReadFast, 1, -1, 1, ReadCat, MGet, "Get the values of all the given keys", group: Group),
        Declare.Keyed("MSET", -3, WriteOom, 1, -1, 2, WriteCat, MSet, "Set multiple keys to multiple values", "1.0.1", Group),
        Declare.Keyed("MSETNX", -3, WriteOom, 1, -1, 2, WriteCat, MSetNx,
            "Set multiple keys to multiple values, only if none of the keys exist", "1.0.1", Group),
        Declare.Keyed("APPEND", 3, WriteOomFast, 1, 1, 1, WriteFastCat, Append, "Append a value to a key", "2.0.0", Group),
        Declare.Keyed("STRLEN", 2, ReadFast, 1, 1, 1, ReadCat, StrLen,
            "Get the length of the value stored in a key", "2.2.0", Group),
        Declare.Keyed("GETRANGE", 4, CommandFlags.ReadOnly, 1, 1, 1, ReadSlowCat, GetRange,
            "Get a substring of the string stored at a key", "2.4.0", Group),
        Declare.Keyed("SUBSTR", 4, CommandFlags.ReadOnly, 1, 1, 1, ReadSlowCat, GetRange,
            "Get a substring of the string stored at a key", group: Group),
        Declare.Keyed("SETRANGE", 4, WriteOom, 1, 1, 1, WriteCat, SetRange,
            "Overwrite part of a string at key starting at the specified offset", "2.2.0", Group),
        Declare.Keyed("INCR", 2, WriteOomFast, 1, 1, 1, WriteFastCat, Incr,
            "Increment the integer value of a key by one", group: Group),
        Declare.Keyed("DECR", 2, WriteOomFast, 1, 1, 1, WriteFastCat, Decr,
            "Decrement the integer value of a key by one", group: Group),
        Declare.Keyed("INCRBY", 3, WriteOomFast, 1, 1, 1, WriteFastCat, IncrBy,
            "Increment the integer value of a key by the given amount", group: Group),
        Declare.Keyed("DECRBY", 3, WriteOomFast, 1, 1, 1, WriteFastCat, DecrBy,
            "Decrement the integer value of a key by the given number", group: Group),
        Declare.Keyed("INCRBYFLOAT", 3, WriteOomFast, 1, 1, 1, WriteFastCat, IncrByFloat,
            "Increment the float value of a key by the given amount", "2.6.0", Group),
        Declare.Keyed("LCS", -3, CommandFlags.ReadOnly, 1, 2, 1, ReadSlowCat, LcsCommand,
            "Find longest common substring", "7.0.0", Group),
    ];

    // ---- GET / SET ----

    private static void Get(CommandContext ctx) => GetGeneric(ctx);

    /// <summary>Redis's getGenericCommand: replies the value or nil; false after a WRONGTYPE error.</summary>
    private static bool GetGeneric(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        nint rec = ctx.Db(key).FindTouch(key, ctx.KeyHashOf(1), ctx.Now, ctx.Session.NoTouch);
        if (rec == 0)
        {
            ctx.Reply.NullBulk();
            return true;
        }
        if (Record.Type(rec) != KeyType.String)
        {
            ctx.WrongType();
            return false;
        }
        ctx.Reply.Bulk(Record.Value(rec));
        return true;
    }

    private static void Set(CommandContext ctx)
    {
        if (!SetOptions.TryParse(ctx, 3, forSet: true, out var options)) return;
        SetGeneric(ctx, options, 2, SetReply.Ok);
    }

    private static void SetNx(CommandContext ctx) =>
        SetGeneric(ctx, new SetOptions { Flags = SetFlags.Nx }, 2, SetReply.OneZero);

    private static void SetEx(CommandContext ctx) =>
        SetGeneric(ctx, new SetOptions { Flags = SetFlags.Ex, ExpireArg = 2 }, 3, SetReply.Ok);

    private static void PSetEx(CommandContext ctx) =>
        SetGeneric(ctx, new SetOptions { Flags = SetFlags.Px, ExpireArg = 2 }, 3, SetReply.Ok);

    private enum SetReply
    {
        /// <summary>+OK when set, nil when NX/XX stopped it.</summary>
        Ok,

        /// <summary>:1 when set, :0 when not (SETNX).</summary>
        OneZero,
    }

    /// <summary>Redis's setGenericCommand: expiry check, GET, NX/XX, then the write.</summary>
    private static void SetGeneric(CommandContext ctx, SetOptions options, int valueArg, SetReply reply)
    {
        long when = 0;
        if (options.ExpireArg != 0 && !options.TryGetExpireAt(ctx, out when)) return;
        bool get = options.Has(SetFlags.Get);
        if (get && !GetGeneric(ctx)) return;

        var key = ctx.Arg(1);
        var db = ctx.Db(key);
        // Without NX, XX or KEEPTTL nothing depends on the old key: SetString's own lookup replaces it.
        if ((options.Flags & (SetFlags.Nx | SetFlags.Xx | SetFlags.KeepTtl)) != 0)
        {
            nint existing = db.FindForWrite(key, ctx.Now, ctx.Session.NoTouch);
            if ((options.Has(SetFlags.Nx) && existing != 0) || (options.Has(SetFlags.Xx) && existing == 0))
            {
                if (get) return;
                if (reply == SetReply.OneZero) ctx.Reply.Integer(0);
                else ctx.Reply.NullBulk();
                return;
            }
            if (options.Has(SetFlags.KeepTtl) && existing != 0) when = Record.ExpireAt(existing);
        }
        db.SetString(key, ctx.KeyHashOf(1), ctx.Arg(valueArg), when, ctx.Now);
        ctx.Notify(NotifyClass.String, "set", key);
        if (when != 0 && !options.Has(SetFlags.KeepTtl)) ctx.Notify(NotifyClass.Generic, "expire", key);
        if (get) return;
        if (reply == SetReply.OneZero) ctx.Reply.Integer(1);
        else ctx.Reply.Ok();
    }

    private static void GetEx(CommandContext ctx)
    {
        if (!SetOptions.TryParse(ctx, 2, forSet: false, out var options)) return;
        var key = ctx.Arg(1);
        var db = ctx.Db(key);
        nint rec = db.FindTouch(key, ctx.Now, ctx.Session.NoTouch);
        if (rec == 0)
        {
            ctx.Reply.NullBulk();
            return;
        }
        if (Record.Type(rec) != KeyType.String)
        {
            ctx.WrongType();
            return;
        }
        long when = 0;
        if (options.ExpireArg != 0 && !options.TryGetExpireAt(ctx, out when)) return;
        ctx.Reply.Bulk(Record.Value(rec));
        if (options.ExpireArg != 0)
        {
            // An absolute time already past deletes the key (Redis's checkAlreadyExpired).
            if (!options.Relative && when <= ctx.Now)
            {
                db.Delete(key);
                ctx.Notify(NotifyClass.Generic, "del", key);
            }
            else
            {
                db.SetExpire(rec, when);
                ctx.Notify(NotifyClass.Generic, "expire", key);
            }
        }
        else if (options.Has(SetFlags.Persist) && Record.HasExpire(rec))
        {
            db.SetExpire(rec, 0);
            ctx.Notify(NotifyClass.Generic, "persist", key);
        }
    }

    private static void GetDel(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        var db = ctx.Db(key);
        nint rec = db.FindTouch(key, ctx.Now, ctx.Session.NoTouch);
        if (rec == 0)
        {
            ctx.Reply.NullBulk();
            return;
        }
        if (Record.Type(rec) != KeyType.String)
        {
            ctx.WrongType();
            return;
        }
        ctx.Reply.Bulk(Record.Value(rec));
        db.Delete(key);
        ctx.Notify(NotifyClass.Generic, "del", key);
    }

    private static void GetSet(CommandContext ctx)
    {
        if (!GetGeneric(ctx)) return;
        var key = ctx.Arg(1);
        ctx.Db(key).SetString(key, ctx.Arg(2), 0, ctx.Now);
        ctx.Notify(NotifyClass.String, "set", key);
    }

    // ---- multi-key ----

    private static void MGet(CommandContext ctx)
    {
        ctx.Reply.ArrayHeader(ctx.ArgCount - 1);
        for (int i = 1; i < ctx.ArgCount; i++)
        {
            var key = ctx.Arg(i);
            nint rec = ctx.Db(key).FindTouch(key, ctx.Now, ctx.Session.NoTouch);
            if (rec == 0 || Record.Type(rec) != KeyType.String) ctx.Reply.NullBulk();
            else ctx.Reply.Bulk(Record.Value(rec));
        }
    }

    private static void MSet(CommandContext ctx) => MSetGeneric(ctx, nx: false);

    private static void MSetNx(CommandContext ctx) => MSetGeneric(ctx, nx: true);

    private static void MSetGeneric(CommandContext ctx, bool nx)
    {
        if (ctx.ArgCount % 2 == 0)
        {
            ctx.Error(Errors.WrongArity(ctx.Command.FullName));
            return;
        }
        if (nx)
        {
            for (int i = 1; i < ctx.ArgCount; i += 2)
            {
                var key = ctx.Arg(i);
                if (ctx.Db(key).FindForWrite(key, ctx.Now, ctx.Session.NoTouch) != 0)
                {
                    ctx.Reply.Integer(0);
                    return;
                }
            }
        }
        for (int i = 1; i < ctx.ArgCount; i += 2)
        {
            var key = ctx.Arg(i);
            ctx.Db(key).SetString(key, ctx.Arg(i + 1), 0, ctx.Now);
            ctx.Notify(NotifyClass.String, "set", key);
        }
        if (nx) ctx.Reply.Integer(1);
        else ctx.Reply.Ok();
    }
}
