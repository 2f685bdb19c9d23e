using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Families.Strings;
using TdbPlus.Shards.Keyspace;
using TdbPlus.Shards.Storage;

namespace TdbPlus.Shards.Families;

/// <summary>INCR, DECR, INCRBY, DECRBY and INCRBYFLOAT.</summary>
public static partial class StringFamily
{
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
        ctx.Notify(NotifyClass.String, "incrby", key);
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
        ctx.Notify(NotifyClass.String, "incrbyfloat", key);
        ctx.Reply.Bulk(text);
    }
}
