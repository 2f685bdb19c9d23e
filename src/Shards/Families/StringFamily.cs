using System.Text;
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
public static class StringFamily
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
        nint rec = ctx.Db(key).FindTouch(key, ctx.Now, ctx.Session.NoTouch);
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
        db.SetString(key, ctx.Arg(valueArg), when, ctx.Now);
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
            if (!options.Relative && when <= ctx.Now) db.Delete(key);
            else db.SetExpire(rec, when);
        }
        else if (options.Has(SetFlags.Persist))
        {
            db.SetExpire(rec, 0);
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
    }

    private static void GetSet(CommandContext ctx)
    {
        if (!GetGeneric(ctx)) return;
        var key = ctx.Arg(1);
        ctx.Db(key).SetString(key, ctx.Arg(2), 0, ctx.Now);
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
        }
        if (nx) ctx.Reply.Integer(1);
        else ctx.Reply.Ok();
    }

    // ---- APPEND / STRLEN / GETRANGE / SETRANGE ----

    private static void Append(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        var append = ctx.Arg(2);
        var db = ctx.Db(key);
        nint rec = db.FindForWrite(key, ctx.Now, ctx.Session.NoTouch);
        if (rec == 0)
        {
            db.SetString(key, append, 0, ctx.Now);
            ctx.Reply.Integer(append.Length);
            return;
        }
        if (Record.Type(rec) != KeyType.String)
        {
            ctx.WrongType();
            return;
        }
        int oldLength = Record.ValueLength(rec);
        if (!CheckStringLength(ctx, oldLength, append.Length)) return;
        int total = oldLength + append.Length;
        if (append.Length > 0)
        {
            rec = db.Reshape(rec, total, Record.ExpireAt(rec));
            append.CopyTo(Record.Value(rec)[oldLength..]);
        }
        // Redis unshares the value before appending, so even an empty append leaves a raw string.
        SetEncoding(rec, Record.RawEncodingFlag);
        ctx.Reply.Integer(total);
    }

    /// <summary>Redis's checkStringLength against proto-max-bulk-len (and what a record can hold).</summary>
    private static bool CheckStringLength(CommandContext ctx, long size, long append)
    {
        long limit = Math.Min(ctx.Engine.Config.ProtoMaxBulkLen, int.MaxValue - 1024);
        if (size > limit || append > limit - size)
        {
            ctx.Error(Errors.StringTooLong);
            return false;
        }
        return true;
    }

    private static void SetEncoding(nint rec, byte encodingFlag) =>
        Record.SetFlags(rec, (byte)((Record.Flags(rec) & ~EncodingFlags) | encodingFlag));

    private static void StrLen(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        nint rec = ctx.Db(key).FindTouch(key, ctx.Now, ctx.Session.NoTouch);
        if (rec == 0) ctx.Reply.Integer(0);
        else if (Record.Type(rec) != KeyType.String) ctx.WrongType();
        else ctx.Reply.Integer(Record.ValueLength(rec));
    }

    private static void GetRange(CommandContext ctx)
    {
        if (!ctx.TryGetLong(2, out long start) || !ctx.TryGetLong(3, out long end)) return;
        var key = ctx.Arg(1);
        nint rec = ctx.Db(key).FindTouch(key, ctx.Now, ctx.Session.NoTouch);
        if (rec == 0)
        {
            ctx.Reply.Bulk(ReadOnlySpan<byte>.Empty);
            return;
        }
        if (Record.Type(rec) != KeyType.String)
        {
            ctx.WrongType();
            return;
        }
        var value = Record.Value(rec);
        long length = value.Length;
        if (start < 0 && end < 0 && start > end)
        {
            ctx.Reply.Bulk(ReadOnlySpan<byte>.Empty);
            return;
        }
        if (start < 0) start = length + start;
        if (end < 0) end = length + end;
        if (start < 0) start = 0;
        if (end < 0) end = 0;
        if (end >= length) end = length - 1;
        if (start > end || length == 0) ctx.Reply.Bulk(ReadOnlySpan<byte>.Empty);
        else ctx.Reply.Bulk(value.Slice((int)start, (int)(end - start + 1)));
    }

    private static void SetRange(CommandContext ctx)
    {
        if (!ctx.TryGetLong(2, out long offset)) return;
        if (offset < 0)
        {
            ctx.Error("ERR offset is out of range");
            return;
        }
        var key = ctx.Arg(1);
        var value = ctx.Arg(3);
        var db = ctx.Db(key);
        nint rec = db.FindForWrite(key, ctx.Now, ctx.Session.NoTouch);
        int oldLength;
        if (rec == 0)
        {
            if (value.Length == 0)
            {
                ctx.Reply.Integer(0);
                return;
            }
            if (!CheckStringLength(ctx, offset, value.Length)) return;
            oldLength = 0;
            rec = db.Create(key, (int)offset + value.Length, 0, KeyType.String, ctx.Now);
        }
        else
        {
            if (Record.Type(rec) != KeyType.String)
            {
                ctx.WrongType();
                return;
            }
            oldLength = Record.ValueLength(rec);
            if (value.Length == 0)
            {
                ctx.Reply.Integer(oldLength);
                return;
            }
            if (!CheckStringLength(ctx, offset, value.Length)) return;
            if (offset + value.Length > oldLength)
                rec = db.Reshape(rec, (int)offset + value.Length, Record.ExpireAt(rec));
        }
        var target = Record.Value(rec);
        if (offset > oldLength) target[oldLength..(int)offset].Clear();
        value.CopyTo(target[(int)offset..]);
        SetEncoding(rec, Record.RawEncodingFlag);
        ctx.Reply.Integer(target.Length);
    }

    // ---- counters ----

    private static void Incr(CommandContext ctx) => IncrDecr(ctx, 1);

    private static void Decr(CommandContext ctx) => IncrDecr(ctx, -1);

    private static void IncrBy(CommandContext ctx)
    {
        if (ctx.TryGetLong(2, out long incr)) IncrDecr(ctx, incr);
    }

    private static void DecrBy(CommandContext ctx)
    {
        if (!ctx.TryGetLong(2, out long decr)) return;
        if (decr == long.MinValue)
        {
            ctx.Error("ERR decrement would overflow");
            return;
        }
        IncrDecr(ctx, -decr);
    }

    private static void IncrDecr(CommandContext ctx, long incr)
    {
        var key = ctx.Arg(1);
        var db = ctx.Db(key);
        nint rec = db.FindForWrite(key, ctx.Now, ctx.Session.NoTouch);
        long value = 0;
        if (rec != 0)
        {
            if (Record.Type(rec) != KeyType.String)
            {
                ctx.WrongType();
                return;
            }
            if (!NumberParser.TryParseInt64(Record.Value(rec), out value))
            {
                ctx.Error(Errors.NotInteger);
                return;
            }
        }
        if ((incr < 0 && value < 0 && incr < long.MinValue - value) ||
            (incr > 0 && value > 0 && incr > long.MaxValue - value))
        {
            ctx.Error(Errors.Overflow);
            return;
        }
        value += incr;
        Span<byte> digits = stackalloc byte[24];
        int n = NumberParser.Format(value, digits);
        StoreComputed(ctx, db, key, rec, digits[..n], 0);
        ctx.Reply.Integer(value);
    }

    /// <summary>
    /// Replaces the value of a counter with a computed one, keeping the TTL (Redis's dbOverwrite), with the
    /// given encoding flag (0 means the value's natural encoding).
    /// </summary>
    private static void StoreComputed(CommandContext ctx, Database db, ReadOnlySpan<byte> key, nint rec,
        ReadOnlySpan<byte> value, byte encodingFlag)
    {
        if (rec == 0) rec = db.SetString(key, value, 0, ctx.Now);
        else
        {
            if (Record.ValueLength(rec) != value.Length) rec = db.Reshape(rec, value.Length, Record.ExpireAt(rec));
            value.CopyTo(Record.Value(rec));
        }
        SetEncoding(rec, encodingFlag);
    }

    private static void IncrByFloat(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        var db = ctx.Db(key);
        nint rec = db.FindForWrite(key, ctx.Now, ctx.Session.NoTouch);
        var value = LongDouble.Zero;
        if (rec != 0)
        {
            if (Record.Type(rec) != KeyType.String)
            {
                ctx.WrongType();
                return;
            }
            if (!LongDouble.TryParse(Record.Value(rec), out value))
            {
                ctx.Error(Errors.NotFloat);
                return;
            }
        }
        if (!LongDouble.TryParse(ctx.Arg(2), out var incr))
        {
            ctx.Error(Errors.NotFloat);
            return;
        }
        var sum = value + incr;
        if (!sum.IsFinite)
        {
            ctx.Error("ERR increment would produce NaN or Infinity");
            return;
        }
        byte[] text = sum.FormatHuman();
        // createStringObject: embstr up to 44 bytes (even for "3"), raw above; never the int encoding.
        StoreComputed(ctx, db, key, rec, text, text.Length <= 44 ? Record.EmbstrEncodingFlag : Record.RawEncodingFlag);
        ctx.Reply.Bulk(text);
    }

    // ---- LCS ----

    private static void LcsCommand(CommandContext ctx)
    {
        var keyA = ctx.Arg(1);
        var keyB = ctx.Arg(2);
        nint recA = ctx.Db(keyA).FindTouch(keyA, ctx.Now, ctx.Session.NoTouch);
        nint recB = ctx.Db(keyB).FindTouch(keyB, ctx.Now, ctx.Session.NoTouch);
        if ((recA != 0 && Record.Type(recA) != KeyType.String) || (recB != 0 && Record.Type(recB) != KeyType.String))
        {
            ctx.Error("ERR The specified keys must contain string values");
            return;
        }
        bool getLen = false, getIdx = false, withMatchLen = false;
        long minMatchLen = 0;
        for (int j = 3; j < ctx.ArgCount; j++)
        {
            var opt = StringArgs.CString(ctx.Arg(j));
            bool moreArgs = j < ctx.ArgCount - 1;
            if (Ascii.EqualsIgnoreCase(opt, "IDX"u8)) getIdx = true;
            else if (Ascii.EqualsIgnoreCase(opt, "LEN"u8)) getLen = true;
            else if (Ascii.EqualsIgnoreCase(opt, "WITHMATCHLEN"u8)) withMatchLen = true;
            else if (Ascii.EqualsIgnoreCase(opt, "MINMATCHLEN"u8) && moreArgs)
            {
                if (!ctx.TryGetLong(j + 1, out minMatchLen)) return;
                if (minMatchLen < 0) minMatchLen = 0;
                j++;
            }
            else
            {
                ctx.SyntaxError();
                return;
            }
        }
        if (getIdx && getLen)
        {
            ctx.Error("ERR If you want both the length and indexes, please just use IDX.");
            return;
        }
        ReadOnlySpan<byte> a = recA != 0 ? Record.Value(recA) : default;
        ReadOnlySpan<byte> b = recB != 0 ? Record.Value(recB) : default;
        if ((long)Lcs.TableBytes(a.Length, b.Length) > ctx.Engine.Config.ProtoMaxBulkLen)
        {
            ctx.Error("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
            return;
        }
        var matches = getIdx ? new List<LcsMatch>() : null;
        int length = Lcs.Compute(a, b, wantSequence: !getIdx && !getLen, out var sequence, matches);
        if (getIdx)
        {
            ctx.Reply.MapHeader(2);
            ctx.Reply.Bulk("matches"u8);
            int count = 0;
            foreach (var m in matches!)
                if (minMatchLen == 0 || m.Length >= minMatchLen) count++;
            ctx.Reply.ArrayHeader(count);
            foreach (var m in matches)
            {
                if (minMatchLen != 0 && m.Length < minMatchLen) continue;
                ctx.Reply.ArrayHeader(withMatchLen ? 3 : 2);
                ctx.Reply.ArrayHeader(2);
                ctx.Reply.Integer(m.AStart);
                ctx.Reply.Integer(m.AEnd);
                ctx.Reply.ArrayHeader(2);
                ctx.Reply.Integer(m.BStart);
                ctx.Reply.Integer(m.BEnd);
                if (withMatchLen) ctx.Reply.Integer(m.Length);
            }
            ctx.Reply.Bulk("len"u8);
            ctx.Reply.Integer(length);
        }
        else if (getLen) ctx.Reply.Integer(length);
        else ctx.Reply.Bulk(sequence);
    }
}
