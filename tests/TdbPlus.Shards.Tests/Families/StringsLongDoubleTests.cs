using System.Text;
using TdbPlus.Shards.Families.Strings;

namespace TdbPlus.Shards.Tests.Families;

/// <summary>The x87 long double emulation behind INCRBYFLOAT; expected texts come from redis-server 7.0.</summary>
public sealed class StringsLongDoubleTests
{
    private static LongDouble Parse(string s)
    {
        Assert.True(LongDouble.TryParse(Encoding.Latin1.GetBytes(s), out var v), s);
        return v;
    }

    private static string Human(LongDouble v) => Encoding.ASCII.GetString(v.FormatHuman());

    private static string Sum(params string[] terms)
    {
        var acc = LongDouble.Zero;
        foreach (var t in terms) acc += Parse(t);
        return Human(acc);
    }

    [Theory]
    [InlineData("5200.60000000000000009", "5.0e3", "2.0e2", "0.6")]
    [InlineData("5005.60000000000000009", "5000", "5.6")]
    [InlineData("10.6", "10.5", "0.1")]
    [InlineData("0", "10.5", "0.1", "-0.1", "-10.5")]
    [InlineData("0.9", "0.3", "0.3", "0.3")]
    [InlineData("0.3", "0.1", "0.2")]
    [InlineData("1.00000381469726562", "1", "0.000003814697265625")]
    [InlineData("0.00000381469726562", "0.000003814697265625")]
    [InlineData("9223372036854775808", "9223372036854775807", "1")]
    [InlineData("18446744073709551616", "18446744073709551617")]
    [InlineData("123456789012345678899921813504", "123456789012345678901234567890.123456789")]
    [InlineData("0", "-1e-20")]
    [InlineData("0", "-0", "-0")]
    [InlineData("0", "1e-300")]
    [InlineData("3", "0x1.8p1")]
    [InlineData("19", "0x1.8p1", "0X10")]
    [InlineData("18.5", "0x1.8p1", "0X10", "-0x.8")]
    [InlineData("112", "+5", ".5", "5.", "1E+2", "00000000000000000000000000001.5")]
    [InlineData("0.00000000000000001", "1e-17")]
    public void SumsFormatLikeRedis(string expected, params string[] terms) => Assert.Equal(expected, Sum(terms));

    [Fact]
    public void LargeValuesPrintEveryIntegerDigit()
    {
        string s = Sum("1e300");
        Assert.Equal(301, s.Length);
        Assert.StartsWith("10000000000000000000089973240795591938705239442732907479382600823212656465961809357558491520", s);
        string max = Sum("1.18973149535723176502e+4932");
        Assert.Equal(4933, max.Length);
        Assert.StartsWith("118973149535723176502126385303097020516906332229462420044032373389173700552297072261641029033", max);
        // Rounds to the same largest finite value.
        Assert.Equal(max, Sum("1.18973149535723176503e+4932"));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" 1")]
    [InlineData("1 ")]
    [InlineData("\t1")]
    [InlineData("-")]
    [InlineData("+")]
    [InlineData(".")]
    [InlineData("1e")]
    [InlineData("1e+")]
    [InlineData("0x")]
    [InlineData("0x1p")]
    [InlineData("nan")]
    [InlineData("-NaN")]
    [InlineData("nan(123)")]
    [InlineData("infinit")]
    [InlineData("abc")]
    [InlineData("1\0junk")]
    [InlineData("\0")]
    [InlineData("1e5000")]
    [InlineData("-1e5000")]
    [InlineData("1e-5000")]
    [InlineData("1.8e-4951")]
    [InlineData("1e99999999999999999999")]
    [InlineData("1e-99999999999999999999")]
    public void RejectsWhatString2ldRejects(string s) =>
        Assert.False(LongDouble.TryParse(Encoding.Latin1.GetBytes(s), out _), s);

    [Theory]
    [InlineData("inf", false)]
    [InlineData("-inf", true)]
    [InlineData("Infinity", false)]
    [InlineData("+INF", false)]
    public void InfinityParsesButIsNotFinite(string s, bool negative)
    {
        var v = Parse(s);
        Assert.True(v.IsInfinity);
        Assert.Equal(negative, v.Negative);
        Assert.False((v + LongDouble.FromInt64(1)).IsFinite);
        Assert.True((v + -v).IsNaN);
    }

    [Fact]
    public void ZeroWithHugeExponentIsZero()
    {
        Assert.True(Parse("0e99999999999999999999").IsZero);
        Assert.True(Parse("-0.000").IsZero);
    }

    [Fact]
    public void TooLongInputIsRejected()
    {
        var s = new string('1', LongDouble.MaxChars);
        Assert.False(LongDouble.TryParse(Encoding.ASCII.GetBytes(s), out _));
        Assert.True(LongDouble.TryParse(Encoding.ASCII.GetBytes("0." + new string('1', LongDouble.MaxChars - 3)), out _));
    }

    [Fact]
    public void SubnormalsRoundToNearestEven()
    {
        // The smallest subnormal is 2^-16445 ≈ 3.6452e-4951; half of it rounds to even (zero), just above rounds up.
        var min = Parse("0x1p-16445");
        Assert.Equal(1UL, min.Mantissa);
        Assert.Equal(LongDouble.MinExponent, min.Exponent);
        Assert.Equal(min, Parse("3.64519953188247460253e-4951"));
        Assert.False(LongDouble.TryParse("0x1p-16446"u8, out _));
        Assert.Equal(min, Parse("0x1.0000000000000000001p-16446"));
        Assert.Equal(2UL, Parse("0x3p-16446").Mantissa);
    }

    [Fact]
    public void OverflowingSumIsInfinite()
    {
        var big = Parse("1e4932");
        Assert.True(big.IsFinite);
        Assert.True((big + big).IsInfinity);
        Assert.True((-big + -big).IsInfinity);
    }

    [Fact]
    public void IntegersConvertExactly()
    {
        Assert.Equal("-9223372036854775808", Human(LongDouble.FromInt64(long.MinValue)));
        Assert.Equal("9223372036854775807", Human(LongDouble.FromInt64(long.MaxValue)));
        Assert.Equal(Parse("-9223372036854775808"), LongDouble.FromInt64(long.MinValue));
        Assert.Equal("0", Human(LongDouble.FromInt64(0)));
        Assert.Equal("-42", Human(LongDouble.FromInt64(-42)));
    }

    [Fact]
    public void MantissaHas64Bits()
    {
        // 2^64 + 1 is not representable: rounds to even (2^64); 2^64 + 3 rounds up to 2^64 + 4.
        Assert.Equal("18446744073709551616", Sum("18446744073709551617"));
        Assert.Equal("18446744073709551620", Sum("18446744073709551619"));
        // 1 + 2^-63 is representable, 1 + 2^-64 is a tie that rounds to 1.
        Assert.Equal(LongDouble.FromInt64(1) + Parse("0x1p-63"), Parse("0x1.0000000000000002p0"));
        Assert.Equal(LongDouble.FromInt64(1), LongDouble.FromInt64(1) + Parse("0x1p-64"));
    }

    [Fact]
    public void SpecialsFormatLikeLd2string()
    {
        Assert.Equal("inf", Human(LongDouble.Infinity(false)));
        Assert.Equal("-inf", Human(LongDouble.Infinity(true)));
        Assert.Equal("nan", Human(LongDouble.NaN));
    }
}
