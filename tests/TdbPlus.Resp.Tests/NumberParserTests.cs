using System.Text;

namespace TdbPlus.Resp.Tests;

public class NumberParserTests
{
    [Theory]
    [InlineData("0", 0L)]
    [InlineData("-1", -1L)]
    [InlineData("9223372036854775807", long.MaxValue)]
    [InlineData("-9223372036854775808", long.MinValue)]
    public void AcceptsCanonicalIntegers(string text, long expected)
    {
        Assert.True(NumberParser.TryParseInt64(Encoding.ASCII.GetBytes(text), out long v));
        Assert.Equal(expected, v);
    }

    [Theory]
    [InlineData("")]
    [InlineData("01")]
    [InlineData("+1")]
    [InlineData("-0")]
    [InlineData(" 1")]
    [InlineData("1 ")]
    [InlineData("9223372036854775808")]
    [InlineData("-9223372036854775809")]
    [InlineData("1.0")]
    [InlineData("-")]
    public void RejectsWhatRedisRejects(string text)
    {
        Assert.False(NumberParser.TryParseInt64(Encoding.ASCII.GetBytes(text), out _));
    }
}
