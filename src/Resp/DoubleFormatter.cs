using System.Globalization;

namespace TdbPlus.Resp;

/// <summary>Formats doubles the way C's printf does for the conversions Redis uses.</summary>
public static class DoubleFormatter
{
    /// <summary>C's "%.17g" (with "inf"/"-inf"/"nan" spelled as Redis spells them).</summary>
    public static int FormatG17(double value, Span<byte> destination)
    {
        if (double.IsPositiveInfinity(value)) return Copy("inf", destination);
        if (double.IsNegativeInfinity(value)) return Copy("-inf", destination);
        if (double.IsNaN(value)) return Copy("nan", destination);
        if (value == 0) return Copy(double.IsNegative(value) ? "-0" : "0", destination);
        string s = value.ToString("G17", CultureInfo.InvariantCulture);
        int e = s.IndexOf('E');
        if (e < 0) return Copy(s, destination);
        // .NET writes "E+20"/"E-05"; C writes "e+20"/"e-05" with at least two exponent digits.
        string mantissa = s[..e];
        char sign = s[e + 1];
        string digits = s[(e + 2)..].TrimStart('0');
        if (digits.Length < 2) digits = digits.PadLeft(2, '0');
        return Copy(mantissa + "e" + sign + digits, destination);
    }

    private static int Copy(string s, Span<byte> destination)
    {
        for (int i = 0; i < s.Length; i++) destination[i] = (byte)s[i];
        return s.Length;
    }
}
