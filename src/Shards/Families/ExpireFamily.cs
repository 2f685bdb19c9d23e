using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Keyspace;
using TdbPlus.Shards.Storage;

namespace TdbPlus.Shards.Families;

/// <summary>Key expiry: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT, TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST.</summary>
public static class ExpireFamily
{
    private const CommandFlags ReadFast = CommandFlags.ReadOnly | CommandFlags.Fast;
    private const CommandFlags WriteFast = CommandFlags.Write | CommandFlags.Fast;
    private const AclCategories ReadFastCat = AclCategories.Keyspace | AclCategories.Read | AclCategories.Fast;
    private const AclCategories WriteFastCat = AclCategories.Keyspace | AclCategories.Write | AclCategories.Fast;

    [Flags]
    private enum Condition
    {
        None = 0,
        Nx = 1,
        Xx = 2,
        Gt = 4,
        Lt = 8,
    }

    public static IEnumerable<CommandDef> Commands() =>
    [
        Declare.Keyed("EXPIRE", -3, WriteFast, 1, 1, 1, WriteFastCat, ctx => ExpireGeneric(ctx, relative: true, seconds: true),
            "Sets the expiration time of a key in seconds."),
        Declare.Keyed("PEXPIRE", -3, WriteFast, 1, 1, 1, WriteFastCat, ctx => ExpireGeneric(ctx, relative: true, seconds: false),
            "Sets the expiration time of a key in milliseconds.", since: "2.6.0"),
        Declare.Keyed("EXPIREAT", -3, WriteFast, 1, 1, 1, WriteFastCat, ctx => ExpireGeneric(ctx, relative: false, seconds: true),
            "Sets the expiration time of a key to a Unix timestamp.", since: "1.2.0"),
        Declare.Keyed("PEXPIREAT", -3, WriteFast, 1, 1, 1, WriteFastCat, ctx => ExpireGeneric(ctx, relative: false, seconds: false),
            "Sets the expiration time of a key to a Unix milliseconds timestamp.", since: "2.6.0"),
        Declare.Keyed("TTL", 2, ReadFast, 1, 1, 1, ReadFastCat, ctx => Ttl(ctx, ms: false, absolute: false),
            "Returns the expiration time in seconds of a key."),
        Declare.Keyed("PTTL", 2, ReadFast, 1, 1, 1, ReadFastCat, ctx => Ttl(ctx, ms: true, absolute: false),
            "Returns the expiration time in milliseconds of a key.", since: "2.6.0"),
        Declare.Keyed("EXPIRETIME", 2, ReadFast, 1, 1, 1, ReadFastCat, ctx => Ttl(ctx, ms: false, absolute: true),
            "Returns the expiration time of a key as a Unix timestamp.", since: "7.0.0"),
        Declare.Keyed("PEXPIRETIME", 2, ReadFast, 1, 1, 1, ReadFastCat, ctx => Ttl(ctx, ms: true, absolute: true),
            "Returns the expiration time of a key as a Unix milliseconds timestamp.", since: "7.0.0"),
        Declare.Keyed("PERSIST", 2, WriteFast, 1, 1, 1, WriteFastCat, Persist, "Removes the expiration time of a key.", since: "2.2.0"),
    ];

    /// <summary>
    /// Redis's expireGenericCommand: <paramref name="relative"/> times (EXPIRE, PEXPIRE) count from the
    /// command's time, the others are absolute.
    /// </summary>
    private static void ExpireGeneric(CommandContext ctx, bool relative, bool seconds)
    {
        if (!TryParseConditions(ctx, out var cond)) return;
        if (!ctx.TryGetLong(2, out long when)) return;
        long basetime = relative ? ctx.Now : 0;
        if (seconds)
        {
            if (when > long.MaxValue / 1000 || when < long.MinValue / 1000)
            {
                ctx.Error(Errors.InvalidExpireTime(ctx.Command.FullName));
                return;
            }
            when *= 1000;
        }
        if (when > long.MaxValue - basetime)
        {
            ctx.Error(Errors.InvalidExpireTime(ctx.Command.FullName));
            return;
        }
        when += basetime;

        var key = ctx.Arg(1);
        var db = ctx.Db(key);
        nint rec = db.FindForWrite(key, ctx.Now, ctx.Session.NoTouch);
        if (rec == 0)
        {
            ctx.Reply.Integer(0);
            return;
        }
        if (cond != Condition.None)
        {
            long current = Record.HasExpire(rec) ? Record.ExpireAt(rec) : -1;
            bool refuse =
                ((cond & Condition.Nx) != 0 && current != -1) ||
                ((cond & Condition.Xx) != 0 && current == -1) ||
                ((cond & Condition.Gt) != 0 && (current == -1 || when <= current)) ||
                ((cond & Condition.Lt) != 0 && current != -1 && when >= current);
            if (refuse)
            {
                ctx.Reply.Integer(0);
                return;
            }
        }
        // A time already past deletes the key (checkAlreadyExpired); 0 would mean "no TTL" to the record.
        if (when <= ctx.Now)
        {
            db.Delete(key);
            ctx.Notify(NotifyClass.Generic, "del", key);
        }
        else
        {
            db.SetExpire(rec, when);
            ctx.Notify(NotifyClass.Generic, "expire", key);
        }
        ctx.Reply.Integer(1);
    }

    private static bool TryParseConditions(CommandContext ctx, out Condition cond)
    {
        cond = Condition.None;
        for (int j = 3; j < ctx.ArgCount; j++)
        {
            if (ctx.ArgIs(j, "NX"u8)) cond |= Condition.Nx;
            else if (ctx.ArgIs(j, "XX"u8)) cond |= Condition.Xx;
            else if (ctx.ArgIs(j, "GT"u8)) cond |= Condition.Gt;
            else if (ctx.ArgIs(j, "LT"u8)) cond |= Condition.Lt;
            else
            {
                ctx.Error("ERR Unsupported option " + CString(ctx.Arg(j)));
                return false;
            }
        }
        if ((cond & Condition.Nx) != 0 && (cond & (Condition.Xx | Condition.Gt | Condition.Lt)) != 0)
        {
            ctx.Error("ERR NX and XX, GT or LT options at the same time are not compatible");
            return false;
        }
        if ((cond & (Condition.Gt | Condition.Lt)) == (Condition.Gt | Condition.Lt))
        {
            ctx.Error("ERR GT and LT options at the same time are not compatible");
            return false;
        }
        return true;
    }

    private static void Ttl(CommandContext ctx, bool ms, bool absolute)
    {
        var key = ctx.Arg(1);
        nint rec = ctx.Db(key).FindTouch(key, ctx.Now, noTouch: true);
        if (rec == 0)
        {
            ctx.Reply.Integer(-2);
            return;
        }
        if (!Record.HasExpire(rec))
        {
            ctx.Reply.Integer(-1);
            return;
        }
        long at = Record.ExpireAt(rec);
        long ttl = Math.Max(0, absolute ? at : at - ctx.Now);
        // Seconds round to nearest, EXPIRETIME too; widened so a time near 2^63 ms rounds as redis-server shows.
        ctx.Reply.Integer(ms ? ttl : (long)(((Int128)ttl + 500) / 1000));
    }

    private static void Persist(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        var db = ctx.Db(key);
        nint rec = db.FindForWrite(key, ctx.Now, ctx.Session.NoTouch);
        if (rec == 0 || !Record.HasExpire(rec))
        {
            ctx.Reply.Integer(0);
            return;
        }
        db.SetExpire(rec, 0);
        ctx.Notify(NotifyClass.Generic, "persist", key);
        ctx.Reply.Integer(1);
    }

    /// <summary>An argument as C's "%s" prints it: up to the first NUL byte, bytes kept as they are.</summary>
    internal static string CString(ReadOnlySpan<byte> arg)
    {
        int nul = arg.IndexOf((byte)0);
        return System.Text.Encoding.Latin1.GetString(nul >= 0 ? arg[..nul] : arg);
    }
}
