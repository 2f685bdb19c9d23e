using System.Numerics;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Families.Strings;

namespace TdbPlus.Shards.Families;

/// <summary>
/// The timeout argument of blocking commands (BLPOP, BLMOVE, BZPOPMIN...) as Redis 7.0 parses it
/// (getTimeoutFromObjectOrReply in seconds): a long double, times 1000 in long double arithmetic, rounded up
/// to whole milliseconds and converted to a 64-bit integer (x87 gives LLONG_MIN for anything out of range,
/// hence "timeout is negative" for inf or 1e20).
/// </summary>
public static class BlockingTimeout
{
    public const string NotFloat = "ERR timeout is not a float or out of range";
    public const string Negative = "ERR timeout is negative";

    /// <summary>
    /// Parses argument <paramref name="index"/>; <paramref name="timeoutMs"/> is relative, 0 = wait forever
    /// (also when the deadline would overflow, as Redis's unsigned timeout table then never fires).
    /// False when the error reply is written.
    /// </summary>
    public static bool TryParse(CommandContext ctx, int index, out long timeoutMs)
    {
        timeoutMs = 0;
        if (!LongDouble.TryParse(ctx.Arg(index), out var seconds))
        {
            ctx.Error(NotFloat);
            return false;
        }
        long ms = CeilMilliseconds(seconds);
        if (ms < 0)
        {
            ctx.Error(Negative);
            return false;
        }
        if (ms > long.MaxValue - ctx.Now) ms = 0;
        timeoutMs = ms;
        return true;
    }

    /// <summary>(long long) ceill(seconds * 1000.0L) on x86-64.</summary>
    internal static long CeilMilliseconds(LongDouble seconds)
    {
        if (seconds.IsNaN || seconds.IsInfinity) return long.MinValue;
        if (seconds.IsZero) return 0;
        var product = LongDouble.FromScaled(seconds.Negative, (BigInteger)seconds.Mantissa * 1000, seconds.Exponent);
        if (product.IsInfinity) return long.MinValue;
        BigInteger whole;
        bool fraction;
        if (product.Exponent >= 0)
        {
            whole = (BigInteger)product.Mantissa << product.Exponent;
            fraction = false;
        }
        else if (product.Exponent <= -64)
        {
            whole = BigInteger.Zero;
            fraction = product.Mantissa != 0;
        }
        else
        {
            int shift = -product.Exponent;
            whole = product.Mantissa >> shift;
            fraction = (product.Mantissa & ((1UL << shift) - 1)) != 0;
        }
        // Ceiling: up for positive values with a fraction; toward zero for negative ones.
        if (!product.Negative && fraction) whole += 1;
        if (product.Negative) whole = -whole;
        if (whole > long.MaxValue || whole < long.MinValue) return long.MinValue;
        return (long)whole;
    }
}
