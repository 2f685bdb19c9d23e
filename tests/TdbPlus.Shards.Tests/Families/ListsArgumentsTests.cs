using System.Text;
using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Families;
using TdbPlus.Shards.Families.Strings;

namespace TdbPlus.Shards.Tests.Families;

public sealed class ListsArgumentsTests
{
    private static long Ms(string seconds)
    {
        Assert.True(LongDouble.TryParse(Encoding.ASCII.GetBytes(seconds), out var v), seconds);
        return BlockingTimeout.CeilMilliseconds(v);
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("-0", 0)]
    [InlineData("1", 1000)]
    [InlineData("0.5", 500)]
    [InlineData("1.5e3", 1_500_000)]
    [InlineData("0x10", 16_000)]
    [InlineData("0.0001", 1)]
    [InlineData("0.001", 1)]
    [InlineData("1e-400", 1)]
    [InlineData("-0.0001", 0)]
    [InlineData("-0.001", 0)]
    [InlineData("-0.5", -500)]
    [InlineData("9223372036854775", 9_223_372_036_854_775_000)]
    public void TimeoutsRoundUpToMillisecondsAsRedis70(string seconds, long expected) => Assert.Equal(expected, Ms(seconds));

    [Theory]
    [InlineData("inf")]
    [InlineData("-inf")]
    [InlineData("1e20")]
    [InlineData("9223372036854775808")]
    [InlineData("9223372036854775.808")]
    public void OutOfRangeTimeoutsBecomeNegative(string seconds) => Assert.True(Ms(seconds) < 0);

    private static int[] Keys(KeyFinder finder, params string[] args)
    {
        var slices = new List<ArgSlice>();
        var buffer = new List<byte>();
        foreach (var a in args)
        {
            var bytes = Encoding.ASCII.GetBytes(a);
            slices.Add(new ArgSlice(buffer.Count, bytes.Length));
            buffer.AddRange(bytes);
        }
        var keys = new List<int>();
        finder(new CommandArgs(buffer.ToArray(), slices.ToArray()), keys);
        return [.. keys];
    }

    [Fact]
    public void NumKeysFindsTheCountedKeysOfLmpopAndBlmpop()
    {
        Assert.Equal([2, 3], Keys(KeyFinders.NumKeysAt1, "LMPOP", "2", "a", "b", "LEFT"));
        Assert.Equal([2, 3, 4], Keys(KeyFinders.NumKeysAt1, "LMPOP", "3", "a", "b", "LEFT"));
        Assert.Empty(Keys(KeyFinders.NumKeysAt1, "LMPOP", "4", "a", "b", "LEFT"));
        Assert.Empty(Keys(KeyFinders.NumKeysAt1, "LMPOP", "0", "a", "LEFT"));
        Assert.Empty(Keys(KeyFinders.NumKeysAt1, "LMPOP", "-1", "a", "LEFT"));
        Assert.Equal([3, 4], Keys(KeyFinders.NumKeysAt2, "BLMPOP", "0", "2", "a", "b", "LEFT"));
    }
}
