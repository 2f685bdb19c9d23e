using TdbPlus.Resp;
using TdbPlus.Shards.Commands;

namespace TdbPlus.Shards.Persistence.Aof;

/// <summary>
/// What a write is logged as (Redis 7.0's propagation rewrites): relative expiries become absolute ones,
/// commands whose outcome is random or time-dependent are logged as their outcome (SPOP as SREM, XADD * with
/// the generated ID, INCRBYFLOAT as SET KEEPTTL), blocking commands served later as their non-blocking forms.
/// Every other write is logged with its own arguments.
/// </summary>
public static class AofPropagation
{
    /// <summary>SREMs of a popped set are split in commands of this many members (Redis's SPOP_MOVE_STRATEGY_MUL batches).</summary>
    private const int SremBatch = 1024;

    public static void Describe(CommandContext ctx, int replyStart, EffectLog into)
    {
        var reply = ctx.Reply.Written[replyStart..];
        bool done = Upper(ctx.Command) switch
        {
            "EXPIRE" => ExpireAt(ctx, into, 1000, relative: true),
            "PEXPIRE" => ExpireAt(ctx, into, 1, relative: true),
            "EXPIREAT" => ExpireAt(ctx, into, 1000, relative: false),
            "SETEX" => SetAt(ctx, into, valueArg: 3, ttlArg: 2, 1000),
            "PSETEX" => SetAt(ctx, into, valueArg: 3, ttlArg: 2, 1),
            "SET" => SetWithExpiry(ctx, into),
            "GETEX" => GetEx(ctx, into),
            "INCRBYFLOAT" => IncrByFloat(ctx, reply, into),
            "HINCRBYFLOAT" => HIncrByFloat(ctx, reply, into),
            "SPOP" => SPop(ctx, reply, into),
            "BLPOP" => PopServed(ctx, reply, into, "LPOP"u8),
            "BRPOP" => PopServed(ctx, reply, into, "RPOP"u8),
            "BZPOPMIN" => PopServed(ctx, reply, into, "ZPOPMIN"u8),
            "BZPOPMAX" => PopServed(ctx, reply, into, "ZPOPMAX"u8),
            "BLMOVE" => Move(ctx, into, "LMOVE"u8, 4),
            "BRPOPLPUSH" => Move(ctx, into, "RPOPLPUSH"u8, 2),
            "LMPOP" => MultiPop(ctx, reply, into, numKeysArg: 1, zset: false),
            "BLMPOP" => MultiPop(ctx, reply, into, numKeysArg: 2, zset: false),
            "ZMPOP" => MultiPop(ctx, reply, into, numKeysArg: 1, zset: true),
            "BZMPOP" => MultiPop(ctx, reply, into, numKeysArg: 2, zset: true),
            "XADD" => XAdd(ctx, reply, into),
            "RESTORE" => Restore(ctx, into),
            _ => false,
        };
        if (!done) Verbatim(ctx, into);
    }

    // Names are declared in upper case; a container's subcommands never need a rewrite.
    private static string Upper(CommandDef def) => def.Parent is null ? def.Spec.Name : "";

    public static void Verbatim(CommandContext ctx, EffectLog into)
    {
        into.Begin(ctx.ArgCount);
        for (int i = 0; i < ctx.ArgCount; i++) into.Arg(ctx.Arg(i));
    }

    /// <summary>EXPIRE/PEXPIRE/EXPIREAT (any NX/XX/GT/LT: it did change the key) as PEXPIREAT with the absolute time.</summary>
    private static bool ExpireAt(CommandContext ctx, EffectLog into, long unitMs, bool relative)
    {
        if (!NumberParser.TryParseInt64(ctx.Arg(2), out long n)) return false;
        long at = Absolute(ctx, n, unitMs, relative);
        into.Begin(3);
        into.Arg("PEXPIREAT"u8);
        into.Arg(ctx.Arg(1));
        into.Arg(at);
        return true;
    }

    private static long Absolute(CommandContext ctx, long n, long unitMs, bool relative)
    {
        long ms;
        try
        {
            ms = checked(n * unitMs);
            return relative ? checked(ctx.Now + ms) : ms;
        }
        catch (OverflowException)
        {
            return n < 0 ? long.MinValue : long.MaxValue;
        }
    }

    /// <summary>SETEX/PSETEX as SET key value PXAT ms.</summary>
    private static bool SetAt(CommandContext ctx, EffectLog into, int valueArg, int ttlArg, long unitMs)
    {
        if (!NumberParser.TryParseInt64(ctx.Arg(ttlArg), out long n)) return false;
        into.Begin(5);
        into.Arg("SET"u8);
        into.Arg(ctx.Arg(1));
        into.Arg(ctx.Arg(valueArg));
        into.Arg("PXAT"u8);
        into.Arg(Absolute(ctx, n, unitMs, relative: true));
        return true;
    }

    /// <summary>SET with EX/PX/EXAT as SET key value PXAT ms (Redis drops NX/XX/GET: the value was set).</summary>
    private static bool SetWithExpiry(CommandContext ctx, EffectLog into)
    {
        for (int i = 3; i + 1 < ctx.ArgCount; i++)
        {
            long unit;
            bool relative;
            if (ctx.ArgIs(i, "EX"u8)) (unit, relative) = (1000, true);
            else if (ctx.ArgIs(i, "PX"u8)) (unit, relative) = (1, true);
            else if (ctx.ArgIs(i, "EXAT"u8)) (unit, relative) = (1000, false);
            else if (ctx.ArgIs(i, "PXAT"u8)) return false;
            else continue;
            if (!NumberParser.TryParseInt64(ctx.Arg(i + 1), out long n)) return false;
            into.Begin(5);
            into.Arg("SET"u8);
            into.Arg(ctx.Arg(1));
            into.Arg(ctx.Arg(2));
            into.Arg("PXAT"u8);
            into.Arg(Absolute(ctx, n, unit, relative));
            return true;
        }
        return false;
    }

    /// <summary>GETEX EX/PX/EXAT/PXAT as PEXPIREAT, GETEX PERSIST as PERSIST.</summary>
    private static bool GetEx(CommandContext ctx, EffectLog into)
    {
        if (ctx.ArgCount >= 3 && ctx.ArgIs(2, "PERSIST"u8))
        {
            into.Begin(2);
            into.Arg("PERSIST"u8);
            into.Arg(ctx.Arg(1));
            return true;
        }
        if (ctx.ArgCount < 4) return false;
        long unit;
        bool relative;
        if (ctx.ArgIs(2, "EX"u8)) (unit, relative) = (1000, true);
        else if (ctx.ArgIs(2, "PX"u8)) (unit, relative) = (1, true);
        else if (ctx.ArgIs(2, "EXAT"u8)) (unit, relative) = (1000, false);
        else if (ctx.ArgIs(2, "PXAT"u8)) (unit, relative) = (1, false);
        else return false;
        if (!NumberParser.TryParseInt64(ctx.Arg(3), out long n)) return false;
        into.Begin(3);
        into.Arg("PEXPIREAT"u8);
        into.Arg(ctx.Arg(1));
        into.Arg(Absolute(ctx, n, unit, relative));
        return true;
    }

    /// <summary>INCRBYFLOAT as SET key result KEEPTTL: float formatting must not drift on replay.</summary>
    private static bool IncrByFloat(CommandContext ctx, ReadOnlySpan<byte> reply, EffectLog into)
    {
        var r = new ReplyCursor(reply);
        if (!r.TryString(out var value)) return false;
        into.Begin(4);
        into.Arg("SET"u8);
        into.Arg(ctx.Arg(1));
        into.Arg(value);
        into.Arg("KEEPTTL"u8);
        return true;
    }

    /// <summary>HINCRBYFLOAT as HSET key field result.</summary>
    private static bool HIncrByFloat(CommandContext ctx, ReadOnlySpan<byte> reply, EffectLog into)
    {
        var r = new ReplyCursor(reply);
        if (!r.TryString(out var value)) return false;
        into.Begin(4);
        into.Arg("HSET"u8);
        into.Arg(ctx.Arg(1));
        into.Arg(ctx.Arg(2));
        into.Arg(value);
        return true;
    }

    /// <summary>SPOP as SREM of the members it popped (read back from its reply).</summary>
    private static bool SPop(CommandContext ctx, ReadOnlySpan<byte> reply, EffectLog into)
    {
        var r = new ReplyCursor(reply);
        if (ctx.ArgCount == 2)
        {
            if (!r.TryString(out var member)) return false;
            into.Begin(3);
            into.Arg("SREM"u8);
            into.Arg(ctx.Arg(1));
            into.Arg(member);
            return true;
        }
        if (!r.TryArray(out int count)) return false;
        if (count == 0) return true;
        int mark = into.Length, records = into.Records;
        for (int done = 0; done < count; done += SremBatch)
        {
            int batch = Math.Min(SremBatch, count - done);
            into.Begin(2 + batch);
            into.Arg("SREM"u8);
            into.Arg(ctx.Arg(1));
            for (int i = 0; i < batch; i++)
            {
                if (r.TryString(out var member)) into.Arg(member);
                else
                {
                    into.Truncate(mark, records);
                    return false;
                }
            }
        }
        return true;
    }

    /// <summary>A served BLPOP/BRPOP/BZPOPMIN/BZPOPMAX as the plain pop of the key it was served from.</summary>
    private static bool PopServed(CommandContext ctx, ReadOnlySpan<byte> reply, EffectLog into, ReadOnlySpan<byte> pop)
    {
        var r = new ReplyCursor(reply);
        if (!r.TryArray(out int n) || n < 2 || !r.TryString(out var key)) return false;
        into.Begin(2);
        into.Arg(pop);
        into.Arg(key);
        return true;
    }

    /// <summary>BLMOVE as LMOVE, BRPOPLPUSH as RPOPLPUSH: the same arguments without the timeout.</summary>
    private static bool Move(CommandContext ctx, EffectLog into, ReadOnlySpan<byte> name, int args)
    {
        into.Begin(1 + args);
        into.Arg(name);
        for (int i = 1; i <= args; i++) into.Arg(ctx.Arg(i));
        return true;
    }

    /// <summary>[B]LMPOP / [B]ZMPOP as LPOP|RPOP|ZPOPMIN|ZPOPMAX key count of the key served and what it gave.</summary>
    private static bool MultiPop(CommandContext ctx, ReadOnlySpan<byte> reply, EffectLog into, int numKeysArg, bool zset)
    {
        if (!NumberParser.TryParseInt64(ctx.Arg(numKeysArg), out long numKeys)) return false;
        int whereArg = numKeysArg + 1 + (int)numKeys;
        if (whereArg >= ctx.ArgCount) return false;
        var r = new ReplyCursor(reply);
        if (!r.TryArray(out int n) || n != 2 || !r.TryString(out var key) || !r.TryArray(out int popped)) return false;
        ReadOnlySpan<byte> name = zset
            ? ctx.ArgIs(whereArg, "MIN"u8) ? "ZPOPMIN"u8 : "ZPOPMAX"u8
            : ctx.ArgIs(whereArg, "LEFT"u8) ? "LPOP"u8 : "RPOP"u8;
        into.Begin(3);
        into.Arg(name);
        into.Arg(key);
        into.Arg(popped);
        return true;
    }

    /// <summary>XADD with the ID it generated in place of * (or ms-*).</summary>
    private static bool XAdd(CommandContext ctx, ReadOnlySpan<byte> reply, EffectLog into)
    {
        var r = new ReplyCursor(reply);
        if (!r.TryString(out var id)) return false;
        int idArg = XAddIdArg(ctx);
        if (idArg < 0) return false;
        into.Begin(ctx.ArgCount);
        for (int i = 0; i < ctx.ArgCount; i++) into.Arg(i == idArg ? id : ctx.Arg(i));
        return true;
    }

    /// <summary>Where XADD's ID is, past NOMKSTREAM and the trimming options (as streamParseAddOrTrimArgsOrReply reads them).</summary>
    private static int XAddIdArg(CommandContext ctx)
    {
        int argc = ctx.ArgCount;
        for (int i = 2; i < argc; i++)
        {
            int more = argc - 1 - i;
            if ((ctx.ArgIs(i, "MAXLEN"u8) || ctx.ArgIs(i, "MINID"u8)) && more > 0)
            {
                var next = ctx.Arg(i + 1);
                if (more >= 2 && next.Length == 1 && next[0] is (byte)'~' or (byte)'=') i++;
                i++;
            }
            else if (ctx.ArgIs(i, "LIMIT"u8) && more > 0) i++;
            else if (ctx.ArgIs(i, "NOMKSTREAM"u8)) continue;
            else return i;
        }
        return -1;
    }

    /// <summary>RESTORE with a relative TTL as RESTORE ... ABSTTL with the absolute time.</summary>
    private static bool Restore(CommandContext ctx, EffectLog into)
    {
        if (ctx.ArgCount < 4 || !NumberParser.TryParseInt64(ctx.Arg(2), out long ttl) || ttl <= 0) return false;
        for (int i = 4; i < ctx.ArgCount; i++)
            if (ctx.ArgIs(i, "ABSTTL"u8)) return false;
        into.Begin(ctx.ArgCount + 1);
        for (int i = 0; i < ctx.ArgCount; i++)
        {
            if (i == 2) into.Arg(ctx.Now + ttl);
            else into.Arg(ctx.Arg(i));
        }
        into.Arg("ABSTTL"u8);
        return true;
    }
}
