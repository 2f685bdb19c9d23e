using System.Numerics;
using System.Text;

namespace TdbPlus.Shards.Families.Strings;

/// <summary>
/// An exact emulation of the x87 80-bit <c>long double</c> Redis computes INCRBYFLOAT with on x86-64: a
/// 64-bit mantissa with an explicit integer bit, exponents down to subnormals at 2^-16445, round to
/// nearest even on every operation. Parsing follows Redis's string2ld (glibc strtold plus Redis's checks)
/// and formatting follows ld2string's human mode ("%.17Lf" with trailing zeros removed).
/// </summary>
public readonly struct LongDouble : IEquatable<LongDouble>
{
    /// <summary>Exponent of the unit of the smallest subnormal (and of the smallest normal's mantissa).</summary>
    internal const int MinExponent = -16445;

    /// <summary>Largest exponent k with mantissa * 2^k finite (mantissa below 2^64).</summary>
    internal const int MaxExponent = 16320;

    /// <summary>Redis's MAX_LONG_DOUBLE_CHARS: longer inputs are not numbers for string2ld.</summary>
    public const int MaxChars = 5 * 1024;

    private const int FractionDigits = 17;

    private static readonly BigInteger s_tenTo17 = BigInteger.Pow(10, FractionDigits);

    private enum Kind : byte
    {
        Finite,
        Infinity,
        NaN,
    }

    private readonly Kind _kind;

    private LongDouble(Kind kind, bool negative, ulong mantissa, int exponent)
    {
        _kind = kind;
        Negative = negative;
        Mantissa = mantissa;
        Exponent = exponent;
    }

    /// <summary>The sign bit (also set for -0 and -inf).</summary>
    public bool Negative { get; }

    /// <summary>For finite values: value = ±Mantissa * 2^Exponent (Mantissa below 2^63 only for subnormals and zero).</summary>
    public ulong Mantissa { get; }

    public int Exponent { get; }

    public bool IsFinite => _kind == Kind.Finite;

    public bool IsNaN => _kind == Kind.NaN;

    public bool IsInfinity => _kind == Kind.Infinity;

    public bool IsZero => _kind == Kind.Finite && Mantissa == 0;

    public static LongDouble Zero => default;

    public static LongDouble NaN => new(Kind.NaN, false, 0, 0);

    public static LongDouble Infinity(bool negative) => new(Kind.Infinity, negative, 0, 0);

    /// <summary>Exact conversion (every 64-bit integer fits the 64-bit mantissa).</summary>
    public static LongDouble FromInt64(long value)
    {
        if (value == 0) return Zero;
        bool negative = value < 0;
        ulong magnitude = negative ? (ulong)(-(value + 1)) + 1 : (ulong)value;
        int shift = BitOperations.LeadingZeroCount(magnitude);
        return new LongDouble(Kind.Finite, negative, magnitude << shift, -shift);
    }

    /// <summary>The nearest long double to ±n/d (n ≥ 0, d > 0), rounding to nearest even, with overflow to infinity.</summary>
    internal static LongDouble FromRational(bool negative, BigInteger n, BigInteger d)
    {
        if (n.IsZero) return new LongDouble(Kind.Finite, negative, 0, 0);
        int k = (int)(n.GetBitLength() - d.GetBitLength()) - 64;
        if (k < MinExponent) k = MinExponent;
        var q = DivideScaled(n, d, k, out var twiceRemainder, out var divisor);
        if (q.GetBitLength() > 64)
        {
            k++;
            q = DivideScaled(n, d, k, out twiceRemainder, out divisor);
        }
        int cmp = twiceRemainder.CompareTo(divisor);
        if (cmp > 0 || (cmp == 0 && !q.IsEven)) q += 1;
        if (q.GetBitLength() > 64)
        {
            q >>= 1;
            k++;
        }
        if (k > MaxExponent) return Infinity(negative);
        ulong mantissa = (ulong)q;
        if (mantissa == 0) return new LongDouble(Kind.Finite, negative, 0, 0);
        return new LongDouble(Kind.Finite, negative, mantissa, k);
    }

    /// <summary>The nearest long double to ±magnitude * 2^exponent.</summary>
    internal static LongDouble FromScaled(bool negative, BigInteger magnitude, long exponent)
    {
        if (magnitude.IsZero) return new LongDouble(Kind.Finite, negative, 0, 0);
        long top = exponent + (long)magnitude.GetBitLength();
        if (top > MaxExponent + 65) return Infinity(negative);
        if (top < MinExponent - 2) return new LongDouble(Kind.Finite, negative, 0, 0);
        return exponent >= 0
            ? FromRational(negative, magnitude << (int)exponent, BigInteger.One)
            : FromRational(negative, magnitude, BigInteger.One << (int)-exponent);
    }

    // floor(n / (d * 2^k)); twiceRemainder and divisor let the caller compare the remainder with one half.
    private static BigInteger DivideScaled(BigInteger n, BigInteger d, int k, out BigInteger twiceRemainder, out BigInteger divisor)
    {
        if (k >= 0)
        {
            divisor = d << k;
        }
        else
        {
            n <<= -k;
            divisor = d;
        }
        var q = BigInteger.DivRem(n, divisor, out var r);
        twiceRemainder = r << 1;
        return q;
    }

    public static LongDouble operator +(LongDouble a, LongDouble b)
    {
        if (a.IsNaN || b.IsNaN) return NaN;
        if (a.IsInfinity)
        {
            if (b.IsInfinity && b.Negative != a.Negative) return NaN;
            return a;
        }
        if (b.IsInfinity) return b;
        if (a.Mantissa == 0 && b.Mantissa == 0) return new LongDouble(Kind.Finite, a.Negative && b.Negative, 0, 0);
        if (a.Mantissa == 0) return b;
        if (b.Mantissa == 0) return a;
        int e = Math.Min(a.Exponent, b.Exponent);
        var va = (BigInteger)a.Mantissa << (a.Exponent - e);
        var vb = (BigInteger)b.Mantissa << (b.Exponent - e);
        var sum = (a.Negative ? -va : va) + (b.Negative ? -vb : vb);
        if (sum.IsZero) return Zero;
        return FromScaled(sum.Sign < 0, BigInteger.Abs(sum), e);
    }

    public static LongDouble operator -(LongDouble a) => new(a._kind, !a.Negative, a.Mantissa, a.Exponent);

    /// <summary>
    /// Redis's string2ld: all the bytes must be exactly one number strtold accepts (decimal,
    /// hexadecimal, inf/infinity), no leading space, no NaN, no overflow to infinity or underflow to zero,
    /// and the input shorter than <see cref="MaxChars"/>.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> s, out LongDouble value)
    {
        value = Zero;
        if (s.Length == 0 || s.Length >= MaxChars) return false;
        // strtold must consume every byte (so a NUL byte ends the number too early), after no leading space.
        if (IsCSpace(s[0])) return false;
        bool negative = false;
        int i = 0;
        if (s[0] is (byte)'+' or (byte)'-')
        {
            negative = s[0] == '-';
            i = 1;
        }
        var rest = s[i..];
        if (Ascii.EqualsIgnoreCase(rest, "inf"u8) || Ascii.EqualsIgnoreCase(rest, "infinity"u8))
        {
            value = Infinity(negative);
            return true;
        }
        LongDouble parsed;
        bool zeroInput;
        bool ok = rest.Length >= 2 && rest[0] == '0' && (rest[1] | 0x20) == 'x'
            ? TryParseHex(negative, rest[2..], out parsed, out zeroInput)
            : TryParseDecimal(negative, rest, out parsed, out zeroInput);
        if (!ok) return false;
        // ERANGE with a result of ±HUGE_VAL or zero makes string2ld fail.
        if (parsed.IsInfinity) return false;
        if (parsed.IsZero && !zeroInput) return false;
        value = parsed;
        return true;
    }

    private static bool IsCSpace(byte c) => c is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\v' or (byte)'\f' or (byte)'\r';

    private static bool TryParseDecimal(bool negative, ReadOnlySpan<byte> s, out LongDouble value, out bool zeroInput)
    {
        value = Zero;
        zeroInput = true;
        int i = 0;
        int intStart = i;
        while (i < s.Length && IsDigit(s[i])) i++;
        int intEnd = i;
        int fracStart = i, fracEnd = i;
        if (i < s.Length && s[i] == '.')
        {
            i++;
            fracStart = i;
            while (i < s.Length && IsDigit(s[i])) i++;
            fracEnd = i;
        }
        if (intEnd == intStart && fracEnd == fracStart) return false;
        long exp10 = 0;
        if (i < s.Length && (s[i] | 0x20) == 'e')
        {
            i++;
            if (!TryParseExponent(s, ref i, out exp10)) return false;
        }
        if (i != s.Length) return false;

        // Significant digits: integer part then fraction, without leading zeros.
        var digits = new StringBuilder(s.Length);
        for (int j = intStart; j < intEnd; j++) digits.Append((char)s[j]);
        for (int j = fracStart; j < fracEnd; j++) digits.Append((char)s[j]);
        exp10 -= fracEnd - fracStart;
        int lead = 0;
        while (lead < digits.Length && digits[lead] == '0') lead++;
        if (lead == digits.Length)
        {
            value = new LongDouble(Kind.Finite, negative, 0, 0);
            return true;
        }
        zeroInput = false;
        string significant = digits.ToString(lead, digits.Length - lead);
        long magnitude = significant.Length + exp10; // value < 10^magnitude, ≥ 10^(magnitude-1)
        if (magnitude > 4940)
        {
            value = Infinity(negative);
            return true;
        }
        if (magnitude < -4960)
        {
            value = new LongDouble(Kind.Finite, negative, 0, 0);
            return true;
        }
        var n = BigInteger.Parse(significant, System.Globalization.CultureInfo.InvariantCulture);
        value = exp10 >= 0
            ? FromRational(negative, n * BigInteger.Pow(10, (int)exp10), BigInteger.One)
            : FromRational(negative, n, BigInteger.Pow(10, (int)-exp10));
        return true;
    }

    private static bool TryParseHex(bool negative, ReadOnlySpan<byte> s, out LongDouble value, out bool zeroInput)
    {
        value = Zero;
        zeroInput = true;
        int i = 0;
        var mantissa = BigInteger.Zero;
        int digitCount = 0;
        int fractionDigits = 0;
        while (i < s.Length && HexValue(s[i]) >= 0)
        {
            mantissa = (mantissa << 4) + HexValue(s[i]);
            digitCount++;
            i++;
        }
        if (i < s.Length && s[i] == '.')
        {
            i++;
            while (i < s.Length && HexValue(s[i]) >= 0)
            {
                mantissa = (mantissa << 4) + HexValue(s[i]);
                digitCount++;
                fractionDigits++;
                i++;
            }
        }
        // "0x" without hex digits: strtold stops after the "0", leaving the 'x' unparsed.
        if (digitCount == 0) return false;
        long exp2 = 0;
        if (i < s.Length && (s[i] | 0x20) == 'p')
        {
            i++;
            if (!TryParseExponent(s, ref i, out exp2)) return false;
        }
        if (i != s.Length) return false;
        if (mantissa.IsZero)
        {
            value = new LongDouble(Kind.Finite, negative, 0, 0);
            return true;
        }
        zeroInput = false;
        value = FromScaled(negative, mantissa, exp2 - 4L * fractionDigits);
        return true;
    }

    // [+-]digits, saturating far beyond any exponent that still gives a finite non-zero value.
    private static bool TryParseExponent(ReadOnlySpan<byte> s, ref int i, out long exponent)
    {
        exponent = 0;
        bool negative = false;
        if (i < s.Length && s[i] is (byte)'+' or (byte)'-')
        {
            negative = s[i] == '-';
            i++;
        }
        int start = i;
        while (i < s.Length && IsDigit(s[i]))
        {
            if (exponent < 100_000_000) exponent = exponent * 10 + (s[i] - '0');
            i++;
        }
        if (i == start) return false;
        if (negative) exponent = -exponent;
        return true;
    }

    private static bool IsDigit(byte c) => (uint)(c - '0') <= 9;

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };

    /// <summary>
    /// ld2string in LD_STR_HUMAN mode: "%.17Lf" (exact value rounded half-even to 17 decimals), trailing
    /// zeros and a trailing '.' removed, "-0" turned into "0"; "inf", "-inf", "nan" for the specials.
    /// </summary>
    public byte[] FormatHuman()
    {
        if (IsNaN) return "nan"u8.ToArray();
        if (IsInfinity) return Negative ? "-inf"u8.ToArray() : "inf"u8.ToArray();
        BigInteger scaled;
        if (Exponent >= 0)
        {
            scaled = ((BigInteger)Mantissa << Exponent) * s_tenTo17;
        }
        else
        {
            var num = Mantissa * s_tenTo17;
            int shift = -Exponent;
            scaled = num >> shift;
            var remainder = num - (scaled << shift);
            var half = BigInteger.One << (shift - 1);
            int cmp = remainder.CompareTo(half);
            if (cmp > 0 || (cmp == 0 && !scaled.IsEven)) scaled += 1;
        }
        string digits = scaled.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (digits.Length <= FractionDigits) digits = digits.PadLeft(FractionDigits + 1, '0');
        int intLength = digits.Length - FractionDigits;
        int end = digits.Length;
        while (end > intLength && digits[end - 1] == '0') end--;
        var sb = new StringBuilder(end + 2);
        if (Negative) sb.Append('-');
        sb.Append(digits, 0, intLength);
        if (end > intLength) sb.Append('.').Append(digits, intLength, end - intLength);
        if (sb.Length == 2 && sb[0] == '-' && sb[1] == '0') return "0"u8.ToArray();
        return Encoding.ASCII.GetBytes(sb.ToString());
    }

    public override string ToString() => Encoding.ASCII.GetString(FormatHuman());

    public bool Equals(LongDouble other) =>
        _kind == other._kind && Negative == other.Negative && Mantissa == other.Mantissa && Exponent == other.Exponent;

    public override bool Equals(object? obj) => obj is LongDouble other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_kind, Negative, Mantissa, Exponent);

    public static bool operator ==(LongDouble left, LongDouble right) => left.Equals(right);

    public static bool operator !=(LongDouble left, LongDouble right) => !left.Equals(right);
}
