using System.Text;
using TdbPlus.Resp;
using TdbPlus.Shards.Commands;

namespace TdbPlus.Shards.Families.Strings;

/// <summary>The options of SET (NX XX GET KEEPTTL and the expiry) and GETEX (PERSIST and the expiry).</summary>
[Flags]
public enum SetFlags
{
    None = 0,
    Nx = 1 << 0,
    Xx = 1 << 1,
    Ex = 1 << 2,
    Px = 1 << 3,
    KeepTtl = 1 << 4,
    Get = 1 << 5,
    ExAt = 1 << 6,
    PxAt = 1 << 7,
    Persist = 1 << 8,

    AnyExpire = Ex | Px | ExAt | PxAt,
}

/// <summary>Parsed SET/GETEX options: the flags and which argument holds the expiry value.</summary>
public struct SetOptions
{
    public SetFlags Flags;

    /// <summary>Index of the expiry argument, or 0 when there is none.</summary>
    public int ExpireArg;

    public readonly bool Has(SetFlags flag) => (Flags & flag) != 0;

    /// <summary>True when the expiry value is in seconds (EX, EXAT).</summary>
    public readonly bool InSeconds => (Flags & (SetFlags.Ex | SetFlags.ExAt)) != 0;

    /// <summary>True when the expiry value is relative to now (EX, PX).</summary>
    public readonly bool Relative => (Flags & (SetFlags.Ex | SetFlags.Px)) != 0;

    /// <summary>
    /// Redis's parseExtendedStringArgumentsOrReply: options from <paramref name="first"/> on, each allowed only
    /// when it does not conflict with one already seen (a repeated option is fine); any other word is a
    /// syntax error, which is replied here (false).
    /// </summary>
    public static bool TryParse(CommandContext ctx, int first, bool forSet, out SetOptions options)
    {
        options = default;
        ref var f = ref options.Flags;
        for (int j = first; j < ctx.ArgCount; j++)
        {
            var opt = StringArgs.CString(ctx.Arg(j));
            bool hasNext = j < ctx.ArgCount - 1;
            if (forSet && Ascii.EqualsIgnoreCase(opt, "NX"u8) && (f & SetFlags.Xx) == 0)
            {
                f |= SetFlags.Nx;
            }
            else if (forSet && Ascii.EqualsIgnoreCase(opt, "XX"u8) && (f & SetFlags.Nx) == 0)
            {
                f |= SetFlags.Xx;
            }
            else if (forSet && Ascii.EqualsIgnoreCase(opt, "GET"u8))
            {
                f |= SetFlags.Get;
            }
            else if (forSet && Ascii.EqualsIgnoreCase(opt, "KEEPTTL"u8) && (f & (SetFlags.Persist | SetFlags.AnyExpire)) == 0)
            {
                f |= SetFlags.KeepTtl;
            }
            else if (!forSet && Ascii.EqualsIgnoreCase(opt, "PERSIST"u8) && (f & (SetFlags.KeepTtl | SetFlags.AnyExpire)) == 0)
            {
                f |= SetFlags.Persist;
            }
            else if (hasNext && TryExpireKeyword(opt, out var which) &&
                     (f & (SetFlags.KeepTtl | SetFlags.Persist | (SetFlags.AnyExpire & ~which))) == 0)
            {
                f |= which;
                options.ExpireArg = ++j;
            }
            else
            {
                ctx.SyntaxError();
                return false;
            }
        }
        return true;
    }

    private static bool TryExpireKeyword(ReadOnlySpan<byte> opt, out SetFlags which)
    {
        which = SetFlags.None;
        if (Ascii.EqualsIgnoreCase(opt, "EX"u8)) which = SetFlags.Ex;
        else if (Ascii.EqualsIgnoreCase(opt, "PX"u8)) which = SetFlags.Px;
        else if (Ascii.EqualsIgnoreCase(opt, "EXAT"u8)) which = SetFlags.ExAt;
        else if (Ascii.EqualsIgnoreCase(opt, "PXAT"u8)) which = SetFlags.PxAt;
        return which != SetFlags.None;
    }

    /// <summary>
    /// Turns the expiry argument into an absolute Unix time in milliseconds with Redis's checks: an integer
    /// (else "not an integer"), positive, not overflowing when scaled to milliseconds or made absolute
    /// (else "invalid expire time in '&lt;command&gt;' command"). False means the error is replied.
    /// </summary>
    public readonly bool TryGetExpireAt(CommandContext ctx, out long whenMs) =>
        TryGetExpireAt(ctx, ExpireArg, InSeconds, Relative, out whenMs);

    public static bool TryGetExpireAt(CommandContext ctx, int arg, bool seconds, bool relative, out long whenMs)
    {
        whenMs = 0;
        if (!ctx.TryGetLong(arg, out long value)) return false;
        if (value <= 0 || (seconds && value > long.MaxValue / 1000))
        {
            ctx.Error(Errors.InvalidExpireTime(ctx.Command.FullName));
            return false;
        }
        if (seconds) value *= 1000;
        if (relative) value = unchecked(value + ctx.Now);
        if (value <= 0)
        {
            ctx.Error(Errors.InvalidExpireTime(ctx.Command.FullName));
            return false;
        }
        whenMs = value;
        return true;
    }
}

/// <summary>Argument helpers matching how Redis's C code sees arguments.</summary>
public static class StringArgs
{
    /// <summary>The argument as C's strcasecmp sees it: up to the first NUL byte.</summary>
    public static ReadOnlySpan<byte> CString(ReadOnlySpan<byte> arg)
    {
        int nul = arg.IndexOf((byte)0);
        return nul < 0 ? arg : arg[..nul];
    }
}
