using System.Numerics;
using System.Text;

namespace TdbPlus.Shards.Families.Geo;

/// <summary>C's printf conversions the geo commands use, exact for any double (glibc rounds ties to even).</summary>
internal static class GeoFormat
{
    /// <summary>"%.Nf" of <paramref name="value"/>.</summary>
    public static string Fixed(double value, int decimals)
    {
        if (double.IsNaN(value)) return double.IsNegative(value) ? "-nan" : "nan";
        if (double.IsInfinity(value)) return value < 0 ? "-inf" : "inf";
        bool negative = double.IsNegative(value);
        long bits = BitConverter.DoubleToInt64Bits(Math.Abs(value));
        int exponent = (int)((bits >> 52) & 0x7FF);
        long fraction = bits & ((1L << 52) - 1);
        BigInteger mantissa = exponent == 0 ? fraction : fraction | (1L << 52);
        int e = exponent == 0 ? -1074 : exponent - 1075;
        var scale = BigInteger.Pow(10, decimals);
        BigInteger scaled;
        if (e >= 0) scaled = (mantissa << e) * scale;
        else
        {
            var numerator = mantissa * scale;
            scaled = numerator >> -e;
            var rest = numerator - (scaled << -e);
            var half = BigInteger.One << (-e - 1);
            int cmp = rest.CompareTo(half);
            if (cmp > 0 || (cmp == 0 && !scaled.IsEven)) scaled += 1;
        }
        string digits = scaled.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (digits.Length <= decimals) digits = digits.PadLeft(decimals + 1, '0');
        var sb = new StringBuilder(digits.Length + 2);
        if (negative) sb.Append('-');
        sb.Append(digits, 0, digits.Length - decimals);
        if (decimals > 0) sb.Append('.').Append(digits, digits.Length - decimals, decimals);
        return sb.ToString();
    }

    /// <summary>
    /// ld2string(LD_STR_HUMAN) of a double widened to long double: "%.17Lf" without trailing zeros (nor a
    /// trailing '.'), and "-0" written as "0".
    /// </summary>
    public static string Human(double value)
    {
        string s = Fixed(value, 17);
        if (s.Contains('.'))
        {
            int end = s.Length;
            while (s[end - 1] == '0') end--;
            if (s[end - 1] == '.') end--;
            s = s[..end];
        }
        return s == "-0" ? "0" : s;
    }
}
