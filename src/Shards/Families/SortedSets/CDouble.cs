using System.Globalization;
using System.Numerics;
using System.Text;

namespace TdbPlus.Shards.Families.SortedSets;

/// <summary>
/// C's strtod (glibc rules: leading space, sign, decimal and hexadecimal forms, inf/infinity, nan(...)) and
/// the two ways Redis checks its result: getDoubleFromObject for scores, zslParseRange for range bounds.
/// </summary>
internal static class CDouble
{
    /// <summary>
    /// strtod over <paramref name="s"/>: the number of bytes consumed (0 when nothing converts), the value, and
    /// whether errno would be ERANGE (overflow to infinity or a non-zero input rounding to zero).
    /// </summary>
    public static int Strtod(ReadOnlySpan<byte> s, out double value, out bool erange)
    {
        value = 0;
        erange = false;
        int i = 0;
        while (i < s.Length && IsCSpace(s[i])) i++;
        bool negative = false;
        if (i < s.Length && s[i] is (byte)'+' or (byte)'-')
        {
            negative = s[i] == '-';
            i++;
        }
        if (i < s.Length && (s[i] | 0x20) is (byte)'i' or (byte)'n')
        {
            int n = ParseSpecial(s[i..], negative, out value);
            return n == 0 ? 0 : i + n;
        }
        if (i + 1 < s.Length && s[i] == '0' && (s[i + 1] | 0x20) == 'x')
        {
            int n = ParseHex(s[(i + 2)..], negative, out value, out erange);
            // "0x" without a hex digit converts just the "0".
            if (n == 0)
            {
                value = negative ? -0.0 : 0.0;
                return i + 1;
            }
            return i + 2 + n;
        }
        int d = ParseDecimal(s[i..], negative, out value, out erange);
        return d == 0 ? 0 : i + d;
    }

    /// <summary>
    /// Redis's getDoubleFromObject: every byte must be part of the number, no leading space, no NaN, no
    /// overflow to ±inf or underflow to zero ("inf" itself is fine).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> s, out double value)
    {
        value = 0;
        if (s.Length == 0 || IsCSpace(s[0])) return false;
        int n = Strtod(s, out value, out bool erange);
        if (n != s.Length) return false;
        if (erange && (double.IsInfinity(value) || value == 0)) return false;
        return !double.IsNaN(value);
    }

    /// <summary>
    /// One bound of zslParseRange: an optional '(' for an open bound, then strtod up to the end of the
    /// C string (a NUL byte ends it early); no NaN. Overflow, spaces and the empty string are accepted as
    /// strtod leaves them.
    /// </summary>
    public static bool TryParseRangeBound(ReadOnlySpan<byte> s, out double value, out bool exclusive)
    {
        exclusive = s.Length > 0 && s[0] == '(';
        if (exclusive) s = s[1..];
        int n = Strtod(s, out value, out _);
        if (n < s.Length && s[n] != 0) return false;
        return !double.IsNaN(value);
    }

    public static bool IsCSpace(byte c) => c is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\v' or (byte)'\f' or (byte)'\r';

    // "inf", "infinity", "nan", "nan(n-char-sequence)", case-insensitive.
    private static int ParseSpecial(ReadOnlySpan<byte> s, bool negative, out double value)
    {
        value = 0;
        if (StartsWithIgnoreCase(s, "inf"u8))
        {
            value = negative ? double.NegativeInfinity : double.PositiveInfinity;
            return StartsWithIgnoreCase(s, "infinity"u8) ? 8 : 3;
        }
        if (StartsWithIgnoreCase(s, "nan"u8))
        {
            value = double.NaN;
            int n = 3;
            if (n < s.Length && s[n] == '(')
            {
                int j = n + 1;
                while (j < s.Length && (IsAsciiAlnum(s[j]) || s[j] == '_')) j++;
                if (j < s.Length && s[j] == ')') n = j + 1;
            }
            return n;
        }
        return 0;
    }

    private static bool StartsWithIgnoreCase(ReadOnlySpan<byte> s, ReadOnlySpan<byte> lower)
    {
        if (s.Length < lower.Length) return false;
        for (int i = 0; i < lower.Length; i++)
            if ((s[i] | 0x20) != lower[i]) return false;
        return true;
    }

    private static bool IsAsciiAlnum(byte c) => (uint)(c - '0') <= 9 || (uint)((c | 0x20) - 'a') <= 25;

    private static bool IsDigit(byte c) => (uint)(c - '0') <= 9;

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };

    // Optional exponent after the mantissa: consumed only when at least one digit follows the marker and sign.
    private static int ParseExponent(ReadOnlySpan<byte> s, int i, byte marker, out long exponent)
    {
        exponent = 0;
        if (i >= s.Length || (s[i] | 0x20) != marker) return i;
        int j = i + 1;
        bool negative = false;
        if (j < s.Length && s[j] is (byte)'+' or (byte)'-')
        {
            negative = s[j] == '-';
            j++;
        }
        if (j >= s.Length || !IsDigit(s[j])) return i;
        while (j < s.Length && IsDigit(s[j]))
        {
            if (exponent < 1_000_000_000) exponent = exponent * 10 + (s[j] - '0');
            j++;
        }
        if (negative) exponent = -exponent;
        return j;
    }

    private static int ParseDecimal(ReadOnlySpan<byte> s, bool negative, out double value, out bool erange)
    {
        value = 0;
        erange = false;
        int i = 0;
        int intStart = i;
        while (i < s.Length && IsDigit(s[i])) i++;
        int intEnd = i;
        int fracStart = i, fracEnd = i;
        if (i < s.Length && s[i] == '.')
        {
            fracStart = i + 1;
            int j = fracStart;
            while (j < s.Length && IsDigit(s[j])) j++;
            fracEnd = j;
            if (intEnd > intStart || fracEnd > fracStart) i = j;
        }
        if (intEnd == intStart && fracEnd == fracStart) return 0;
        i = ParseExponent(s, i, (byte)'e', out long exp10);

        // value = 0.D x 10^point, D the significant digits without leading zeros.
        var digits = new StringBuilder(intEnd - intStart + fracEnd - fracStart);
        long point = intEnd - intStart;
        bool leading = true;
        for (int j = intStart; j < intEnd; j++)
        {
            if (leading && s[j] == '0')
            {
                point--;
                continue;
            }
            leading = false;
            digits.Append((char)s[j]);
        }
        for (int j = fracStart; j < fracEnd; j++)
        {
            if (leading && s[j] == '0')
            {
                point--;
                continue;
            }
            leading = false;
            digits.Append((char)s[j]);
        }
        int end = digits.Length;
        while (end > 0 && digits[end - 1] == '0') end--;
        if (end == 0)
        {
            value = negative ? -0.0 : 0.0;
            return i;
        }
        point += exp10;
        if (point > 310)
        {
            value = negative ? double.NegativeInfinity : double.PositiveInfinity;
            erange = true;
            return i;
        }
        if (point < -330)
        {
            value = negative ? -0.0 : 0.0;
            erange = true;
            return i;
        }
        string text = "0." + digits.ToString(0, end) + "e" + point.ToString(CultureInfo.InvariantCulture);
        value = double.Parse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture);
        if (negative) value = -value;
        if (double.IsInfinity(value) || value == 0) erange = true;
        return i;
    }

    private static int ParseHex(ReadOnlySpan<byte> s, bool negative, out double value, out bool erange)
    {
        value = 0;
        erange = false;
        int i = 0;
        var mantissa = BigInteger.Zero;
        int digitCount = 0, fractionDigits = 0;
        while (i < s.Length && HexValue(s[i]) >= 0)
        {
            mantissa = (mantissa << 4) + HexValue(s[i]);
            digitCount++;
            i++;
        }
        if (i < s.Length && s[i] == '.')
        {
            int j = i + 1;
            while (j < s.Length && HexValue(s[j]) >= 0)
            {
                mantissa = (mantissa << 4) + HexValue(s[j]);
                digitCount++;
                fractionDigits++;
                j++;
            }
            if (digitCount > 0) i = j;
        }
        if (digitCount == 0) return 0;
        i = ParseExponent(s, i, (byte)'p', out long exp2);
        if (mantissa.IsZero)
        {
            value = negative ? -0.0 : 0.0;
            return i;
        }
        value = Compose(mantissa, exp2 - 4L * fractionDigits);
        if (negative) value = -value;
        if (double.IsInfinity(value) || value == 0) erange = true;
        return i;
    }

    /// <summary>m x 2^e rounded to the nearest double (ties to even), with overflow to infinity and subnormals.</summary>
    internal static double Compose(BigInteger m, long e)
    {
        long bits = (long)m.GetBitLength();
        // Exponent of the leading bit: value in [2^top, 2^(top+1)).
        long top = bits - 1 + e;
        if (top > 1023) return double.PositiveInfinity;
        // The weight of the last mantissa bit kept: normal numbers keep 53 bits, subnormals stop at 2^-1074.
        long lsb = Math.Max(top - 52, -1074);
        long shift = lsb - e;
        BigInteger kept;
        if (shift <= 0) kept = m << (int)-shift;
        else
        {
            if (shift > bits + 1) return 0;
            kept = m >> (int)shift;
            var rest = m - (kept << (int)shift);
            var half = BigInteger.One << (int)(shift - 1);
            int cmp = rest.CompareTo(half);
            if (cmp > 0 || (cmp == 0 && !kept.IsEven)) kept += 1;
        }
        // Rounding up may carry into a new bit; Math.ScaleB is exact for values that fit.
        double result = Math.ScaleB((double)(ulong)kept, (int)lsb);
        return result;
    }
}
