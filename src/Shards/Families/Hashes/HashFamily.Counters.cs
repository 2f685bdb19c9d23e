using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Families.Strings;
using TdbPlus.Shards.Keyspace;

namespace TdbPlus.Shards.Families;

/// <summary>HINCRBY and HINCRBYFLOAT (long double arithmetic, formatted as INCRBYFLOAT formats).</summary>
public static partial class HashFamily
{
    private static void HIncrBy(CommandContext ctx)
    {
        if (!ctx.TryGetLong(3, out long incr)) return;
        var hash = WriteOrCreate(ctx, ctx.Arg(1), out var db);
        if (hash is null) return;
        var field = ctx.Arg(2);
        long value = 0;
        if (hash.TryGet(field, out var current) && !NumberParser.TryParseInt64(current, out value))
        {
            ctx.Error("ERR hash value is not an integer");
            return;
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
        long before = hash.MemoryBytes;
        hash.Set(field, digits[..n], MaxEntries(ctx), MaxValue(ctx));
        db.ObjectResized(before, hash);
        ctx.Notify(NotifyClass.Hash, "hincrby", ctx.Arg(1));
        ctx.Reply.Integer(value);
    }

    private static void HIncrByFloat(CommandContext ctx)
    {
        if (!LongDouble.TryParse(ctx.Arg(3), out var incr))
        {
            ctx.Error(Errors.NotFloat);
            return;
        }
        if (!incr.IsFinite)
        {
            ctx.Error("ERR value is NaN or Infinity");
            return;
        }
        var hash = WriteOrCreate(ctx, ctx.Arg(1), out var db);
        if (hash is null) return;
        var field = ctx.Arg(2);
        var value = LongDouble.Zero;
        if (hash.TryGet(field, out var current) && !LongDouble.TryParse(current, out value))
        {
            ctx.Error("ERR hash value is not a float");
            return;
        }
        var sum = value + incr;
        if (!sum.IsFinite)
        {
            ctx.Error("ERR increment would produce NaN or Infinity");
            return;
        }
        byte[] text = sum.FormatHuman();
        long before = hash.MemoryBytes;
        hash.Set(field, text, MaxEntries(ctx), MaxValue(ctx));
        db.ObjectResized(before, hash);
        ctx.Notify(NotifyClass.Hash, "hincrbyfloat", ctx.Arg(1));
        ctx.Reply.Bulk(text);
    }
}
